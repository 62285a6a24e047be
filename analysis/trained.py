r"""Trained recurrent networks: the horizon they learn against the mean-field depth scales.

Vanilla tanh RNNs trained by Adam to recall one of K symbols after T steps of input noise
(``sim.trained``; ``docs/trained.md``). At initialisation their pre-activations follow the
mean-field model of the ``gradients`` study (one code path:
:func:`memory_dynamics.analysis.gradients.mean_field_rate`): variance
:math:`q^* = g^2 E[\tanh(\sqrt{q^*}z)^2] + \sigma_u^2`. An error signal back-propagated over
one step has its mean square multiplied by :math:`\chi = g^2 E[\tanh'(\sqrt{q^*}z)^2]`, and its
average over the input noise (the part a batch accumulates) by
:math:`\chi_s = g^2 E[\tanh'(\sqrt{q^*}z)]^2 \le \chi`. Each defines a depth scale in the
ordered phase (:math:`\chi < 1`),

.. math:: \xi = -1/\ln\chi, \qquad \xi_s = -1/\ln\chi_s

(Schoenholz et al. 2017; Chen, Pennington & Schoenholz 2018 for :math:`\xi`). The claims
tested here: the longest lag a network learns within a fixed training budget is
proportional to the depth scale, :math:`T^* = c\,\xi` (one constant c for all ordered
gains), and it peaks at the edge of chaos :math:`g_c(\sigma_u)`, where :math:`\chi = 1`.
:math:`\xi_s` is a conjecture, computed and drawn beside it, not checked (``docs/trained.md``
§2).

The horizon. A network *learns* lag T when its held-out loss is below ``success_loss`` x
the task's memoryless baseline (exact: ln K for delayed recall, ``sim.trained`` for the copy
task and the adding problem). Tasks that drive the network every step add their input
variance to :math:`\sigma_u^2` in the mean field (``input_variance``). With :math:`S(T)` the
fraction of seeds that learn lag T (every lag trains its own networks), the horizon is the
geometric mean of the networks' largest learnable lag, read off the survival function as
its area on a log axis,

.. math:: \ln T^* = \ln T_1 + \int_{T_1}^{T_m} S(T)\,d\ln T

(trapezoids over the lag grid; exact when S falls from 1 at :math:`T_1` to 0 at
:math:`T_m`, *censored* otherwise). Its SE is a parametric bootstrap: every cell's S drawn
from its Jeffreys posterior (:func:`_bootstrap`).
"""

from __future__ import annotations

import re

import numpy as np
import xarray as xr

from memory_dynamics.io import setting
from memory_dynamics.studies.trained import GRADIENT_MIN_LAG

from . import checks as chk
from .gradients import (
    critical_gain,
    mean_field_correlation,
    mean_field_lyapunov,
    mean_field_rate,
    mean_field_signal_chi,
)

TITLE = "Trained recurrent networks: learned horizon against the mean-field depth scale"
REFERENCES = ("Bengio, Simard & Frasconi (1994) IEEE TNN 5:157; Hochreiter & Schmidhuber "
              "(1997) Neural Comput. 9:1735; Poole et al. (2016) NeurIPS; Schoenholz et al. "
              "(2017) ICLR; Chen, Pennington & Schoenholz (2018) ICML; Kingma & Ba (2015) ICLR")

#: the survival S(T) must fall from at least 1 - CENSOR at the shortest lag to at most
#: CENSOR at the longest (one seed in eight) for the horizon to be measured rather than
#: bounded by the lag grid (the area beyond the longest lag is then at most 0.04 in ln T*)
CENSOR = 0.125
#: |dL/dh_0|^2 below this (eight decades above float32's smallest normal number) is too
#: close to underflow to be measured
GRAD_SQ_MIN = 1e-30
#: the bootstrap's generator (the analysis is deterministic)
BOOT_SEED = 20180710


#: what a non-finite value means where training overflowed (shared with ``gated``)
GRAD_OVERFLOW = ("inf where the error signal overflows float32 (chaotic gains at long lags: it "
                 "grows as chi^T); left out of the gradient rate")
DIVERGED = ("NaN where training diverged (variable diverged = 1: exploding gradients "
            "overflowed float32, at chaotic gains and long lags); such a network counts as "
            "not learned")

#: what a NaN or inf in the merged dataset means
NON_FINITE = {
    r"fisher_memory": "NaN for the copy and adding tasks (the Fisher memory is of delayed "
                     "recall's symbol), without input noise (sigma_u = 0: unbounded), and "
                     "after training where training diverged",
    r"grad_sq_at_symbol": GRAD_OVERFLOW,
    r"test_loss|train_curve|eig_abs_trained": DIVERGED,
    r"xi(_signal)?": "NaN in the chaotic phase (chi >= 1), where gradients do not vanish and "
                     "the depth scales are not a horizon",
    r"log_grad_sq(_se)?": "NaN where the error signal at the symbol is near float32's "
                          "underflow (|dL/dh_0|^2 < 1e-30) in some seed: small gains at "
                          "long lags",
    r"grad_rate(_se)?": f"NaN where fewer than two lags >= {GRADIENT_MIN_LAG} keep a finite "
                        "error signal",
    r"grad_rate_chi2_reduced": "NaN where the rate fit has fewer than three lags",
    r"lyapunov_time(_boot)?": "NaN where the networks' maximal Lyapunov exponent is not "
                              "positive (not chaotic): the Lyapunov time is a scale of the "
                              "chaotic side only",
    r"xi_c": "NaN only at the edge of chaos itself (chi_c = 1)",
    r"xi_c_chaotic": "NaN where the finite network is ordered (annealed finite-N Lyapunov "
                     "exponent <= 0): the chaotic side's scale only",
}


def shared_draws(check: str) -> str:
    """Group of checks computed from the same networks: every check of one (task, cell,
    sigma_u), whose gains share their draws (common random numbers)."""
    return re.sub(r"^(grad_rate|horizon_slope|horizon_chaos_slope|horizon_held_out|"
                  r"horizon_peak|horizon_budget)_|_g[^_]+$|_steps\d+$", "", check)


def loss_label(task: str) -> str:
    """Axis label of a task's loss (``sim.trained``: squared error for the adding problem,
    cross-entropy otherwise)."""
    return ("squared error" if task == "adding" else "cross-entropy (nats)")


def depth_scale(g: float, sigma_u: float) -> tuple[float, float, float]:
    """Mean-field ``(q*, chi, xi)`` of a tanh RNN; ``xi = -1/ln chi`` (inf at chi >= 1)."""
    q, chi, _ = mean_field_rate(float(g), float(sigma_u), "tanh")
    return q, chi, (-1.0 / np.log(chi) if chi < 1 else np.inf)


def signal_depth_scale(g: float, sigma_u: float) -> tuple[float, float]:
    """``(chi_s, xi_s)`` of the noise-averaged error signal of a tanh RNN:
    ``chi_s = g^2 E[tanh'(sqrt(q*) z)]^2``, ``xi_s = -1/ln chi_s`` (inf at chi_s >= 1)."""
    chi_s = mean_field_signal_chi(float(g), float(sigma_u), "tanh")
    return chi_s, (-1.0 / np.log(chi_s) if chi_s < 1 else np.inf)


def log_horizon(survival: np.ndarray, lags: np.ndarray) -> np.ndarray:
    r""":math:`\ln T_1 + \int S\,d\ln T` by trapezoids; ``survival`` has lags on its axis -2
    (shape ``(..., lag, g)``)."""
    x = np.log(np.asarray(lags, float))
    S = np.moveaxis(survival, -2, -1)
    return x[0] + (0.5 * (S[..., 1:] + S[..., :-1]) * np.diff(x)).sum(axis=-1)


def _bootstrap(success: np.ndarray, n_boot: int, seed=BOOT_SEED) -> np.ndarray:
    """Survival fractions drawn ``n_boot`` times from their Jeffreys posterior:
    ``success`` (..., lag, seed, knob) -> (boot, ..., lag, knob), each cell
    S ~ Beta(k + 1/2, n - k + 1/2) with k of n seeds learning.

    A parametric bootstrap: resampling the seeds would give a lag where all (or none) of
    them learn no variance at all, while 8 of 8 only says S is probably above 0.7. Cells
    are drawn independently, which ignores the positive correlation of the knob values'
    common random numbers: the SEs of slopes and of differences between them are
    conservative.
    """
    rng = np.random.default_rng(seed)
    n = success.shape[-2]
    k = success.sum(axis=-2)
    return rng.beta(k + 0.5, n - k + 0.5, size=(n_boot, *k.shape))


def add_horizon(ds: xr.Dataset, knob: str) -> xr.Dataset:
    """Success, survival S(T) and the horizon ln T* with its parametric bootstrap, SE and
    censoring, at every point of the other sweep axes and every value of the cell's
    ``knob`` (in place; shared by the ``trained`` and ``gated`` studies)."""
    thr = float(setting(ds, "success_loss")) * ds.baseline
    success = (ds.test_loss < thr).astype(float)
    ds["success"] = success.assign_attrs(long_name=f"learned: test loss below "
                                         f"{setting(ds, 'success_loss')} x the task's "
                                         "memoryless baseline", units="1")
    ds["survival"] = success.mean("seed").assign_attrs(
        long_name="fraction of seeds that learn the lag S(T)", units="1")
    budget = ["budget"] if "budget" in success.dims else []
    other = budget + [d for d in success.dims if d not in ("budget", "lag", "seed", knob)]
    arr = success.transpose(*other, "lag", "seed", knob).values
    S = arr.mean(axis=-2)
    lags = ds.lag.values
    hdims = (*other, knob)
    ds["log_horizon"] = (hdims, log_horizon(S, lags), {
        "long_name": "ln T*: ln T_1 + integral of S(T) d ln T (geometric-mean horizon)",
        "units": "1"})
    n_boot = int(setting(ds, "n_boot"))
    if budget:  # one stream per budget: the full budget's does not depend on the others
        last = ds.budget.values[-1]
        draws = np.stack([_bootstrap(arr[i], n_boot, BOOT_SEED if b == last
                                     else [BOOT_SEED, int(b)])
                          for i, b in enumerate(ds.budget.values)], axis=1)
    else:
        draws = _bootstrap(arr, n_boot)
    boot = log_horizon(draws, lags)
    ds["log_horizon_boot"] = (("boot", *hdims), boot, {
        "long_name": "ln T* of parametric-bootstrap draws of the survival", "units": "1"})
    ds["log_horizon_se"] = (hdims, boot.std(axis=0, ddof=1), {
        "long_name": "parametric-bootstrap standard error of ln T*", "units": "1"})
    ds["horizon_censored"] = (hdims, (S[..., 0, :] < 1 - CENSOR) | (S[..., -1, :] > CENSOR), {
        "long_name": f"S(T_1) < {1 - CENSOR} or S(T_m) > {CENSOR}: the horizon is bounded "
                     "by the lag grid, not measured", "units": "1"})
    ds["boot"] = ("boot", np.arange(boot.shape[0]), {"long_name": "bootstrap draw",
                                                      "units": "1"})
    return ds


def robust_se(boot) -> float:
    """Half the width of the central 68.3 % of a bootstrap distribution: the SE of a normal
    statistic, but not inflated by the few resamples where a ratio (the parabola's vertex)
    has a near-zero denominator."""
    lo, hi = np.nanpercentile(boot, [15.87, 84.13])
    return float(0.5 * (hi - lo))


def _ols_slope(x, y):
    """Least-squares slope of y on x along the last axis (x shared, or one per row of y)."""
    xc = x - x.mean(axis=-1, keepdims=True)
    return ((xc * (y - y.mean(axis=-1, keepdims=True))).sum(axis=-1)
            / (xc**2).sum(axis=-1))


def _vertex(g3, y3):
    """Abscissa of the parabola's vertex through three points (last axis of y3)."""
    (a, b, c), (ya, yb, yc) = g3, np.moveaxis(y3, -1, 0)
    num = (b - a) ** 2 * (yb - yc) - (b - c) ** 2 * (yb - ya)
    den = (b - a) * (yb - yc) - (b - c) * (yb - ya)
    with np.errstate(divide="ignore", invalid="ignore"):
        return b - 0.5 * num / den


def add_grad_rate(ds: xr.Dataset) -> xr.Dataset:
    """The error signal at initialisation: mean and SE over seeds of ln |dL/dstate_0|^2, and
    its weighted least-squares slope against the lag (in place; shared with ``gated``)."""
    # the error signal at initialisation: ln |dL/dstate_0|^2 against the lag, slope ln chi; a
    # point where some seed's signal is near float32's underflow (ordered gains, long lags:
    # XLA flushes subnormals to zero) is left out whole, not averaged over the survivors
    g2 = ds.grad_sq_at_symbol
    lg = np.log(g2.where(g2 >= GRAD_SQ_MIN))
    m = lg.mean("seed", skipna=False)
    se = lg.std("seed", ddof=1, skipna=False) / np.sqrt(ds.sizes["seed"])
    ds["log_grad_sq"] = m.assign_attrs(long_name="mean over seeds of ln |dL/dstate_0|^2 at "
                                                 "initialisation", units="1")
    ds["log_grad_sq_se"] = se.assign_attrs(long_name="standard error of log_grad_sq",
                                           units="1")
    fit = (ds.lag >= GRADIENT_MIN_LAG) & np.isfinite(m)
    x = ds.lag.astype(float).where(fit)
    w = (1 / se**2).where(fit)
    xw = (w * x).sum("lag") / w.sum("lag")
    sxx = (w * (x - xw) ** 2).sum("lag")
    ds["grad_rate_lags"] = fit.sum("lag").assign_attrs(
        long_name=f"lags >= {GRADIENT_MIN_LAG} in the gradient-rate fit (at the others "
                  "the error signal is near float32's underflow)", units="1")
    enough = ds.grad_rate_lags >= 2
    rate = (w * (x - xw) * m).sum("lag") / sxx
    # lack of fit (the log signal need not be straight in the lag: the first steps relax,
    # finite N): the SE is scaled by sqrt(reduced chi^2) when that exceeds 1
    yw = (w * m.where(fit)).sum("lag") / w.sum("lag")
    chi2 = (w * (m - yw - rate * (x - xw)) ** 2).sum("lag")
    dof = ds.grad_rate_lags - 2
    scale = np.sqrt(np.maximum(1.0, (chi2 / dof.where(dof > 0)).fillna(1.0)))
    ds["grad_rate"] = rate.where(enough).assign_attrs(
        long_name=f"slope of ln |dL/dstate_0|^2 against the lag (lags >= {GRADIENT_MIN_LAG}, "
                  "weighted by 1/SE^2)", units="1", comment="per time step")
    ds["grad_rate_se"] = (scale / np.sqrt(sxx)).where(enough).assign_attrs(
        long_name="standard error of grad_rate (independent networks at every lag; scaled "
                  "by sqrt(reduced chi^2) where the lags scatter about the line more than "
                  "their SEs)", units="1")
    ds["grad_rate_chi2_reduced"] = (chi2 / dof.where(dof > 0)).where(enough).assign_attrs(
        long_name="reduced chi^2 of the gradient-rate fit", units="1")
    return ds


def add_lyapunov(ds: xr.Dataset, knob: str = "g") -> xr.Dataset:
    """Mean and SE of the networks' maximal Lyapunov exponents at initialisation over
    seeds and lags (every lag draws its own networks), the Lyapunov time 1/lambda where
    it is positive, and its bootstrap over the networks (in place)."""
    lam = ds.lyapunov.stack(net=("lag", "seed"))
    n = lam.sizes["net"]
    ds["lyapunov_mean"] = lam.mean("net").assign_attrs(
        long_name="maximal Lyapunov exponent at initialisation, mean over the networks of "
                  "every lag and seed", units="1", comment="per time step")
    ds["lyapunov_mean_se"] = (lam.std("net", ddof=1) / np.sqrt(n)).assign_attrs(
        long_name="standard error of lyapunov_mean (independent networks)", units="1")
    rng = np.random.default_rng(BOOT_SEED + 1)
    other = [d for d in lam.dims if d != "net"]
    arr = lam.transpose(*other, "net").values
    idx = rng.integers(0, n, size=(int(setting(ds, "n_boot")), n))
    boot = arr[..., idx].mean(axis=-1)  # (..., boot)
    pos = ds.lyapunov_mean > 0
    ds["lyapunov_time"] = (1 / ds.lyapunov_mean).where(pos).assign_attrs(
        long_name="Lyapunov time 1/lambda (chaotic networks: lambda > 0; NaN otherwise)",
        units="1", comment="time steps")
    with np.errstate(divide="ignore", invalid="ignore"):
        tb = np.where(boot > 0, 1 / boot, np.nan)
    ds["lyapunov_time_boot"] = (("boot", *other), np.moveaxis(tb, -1, 0), {
        "long_name": "Lyapunov time of bootstrap resamples of the networks", "units": "1"})
    ds["lyapunov_time_boot"] = ds.lyapunov_time_boot.where(pos)
    return ds


def effective_sigma(ds: xr.Dataset) -> xr.DataArray:
    r""":math:`\sqrt{\sigma_u^2 + v_\mathrm{in}}` on (task, sigma_u): the input noise plus the
    variance ``input_variance`` the task's inputs add to every pre-activation (mean field:
    a constant input is a quenched bias, a random one a second noise; both add to q*)."""
    v = ds.input_variance
    v = v.isel({d: 0 for d in v.dims if d != "task"}, drop=True) if v.ndim else v
    return np.sqrt(ds.sigma_u**2 + v.reset_coords(drop=True)).transpose(..., "sigma_u")


def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Mean-field scales at the effective input noise of every task, success, the horizon
    with its bootstrap, and the gradient rate."""
    ds = ds.copy()
    se = effective_sigma(ds)
    lead = se.dims  # (task, sigma_u)
    sv, gs = se.values, ds.g.values

    def grid(f):  # f(g, sigma) -> a number or a tuple, on (task, sigma_u, g[, part])
        vals = [f(float(g), float(s)) for s in sv.ravel() for g in gs]
        return np.array(vals, float).reshape(*sv.shape, len(gs), *np.shape(vals[0]))

    mf = grid(depth_scale)  # (task, sigma_u, g, 3)
    dims = (*lead, "g")
    ds["sigma_eff"] = se.assign_attrs(
        long_name="effective input noise sqrt(sigma_u^2 + input_variance) of the mean field",
        units="1")
    ds["q_star"] = (dims, mf[..., 0], {"long_name": "mean-field pre-activation variance q*",
                                       "units": "1"})
    ds["chi"] = (dims, mf[..., 1], {"long_name": "mean-field chi = g^2 E[tanh'(a)^2] (per "
                                                 "step)", "units": "1"})
    ds["xi"] = (dims, np.where(mf[..., 1] < 1, mf[..., 2], np.nan), {
        "long_name": "mean-field depth scale xi = -1/ln chi (ordered phase; NaN where chi >= "
                     "1)", "units": "1", "comment": "time steps"})
    sig = grid(signal_depth_scale)
    ds["chi_signal"] = (dims, sig[..., 0], {
        "long_name": "mean-field chi_s = g^2 E[tanh'(a)]^2 of the noise-averaged signal (per "
                     "step)", "units": "1"})
    ds["xi_signal"] = (dims, np.where(mf[..., 1] < 1, sig[..., 1], np.nan), {
        "long_name": "depth scale of the noise-averaged signal xi_s = -1/ln chi_s (ordered "
                     "phase; NaN where chi >= 1)", "units": "1", "comment": "time steps"})
    ds["g_c"] = (lead, np.vectorize(critical_gain)(sv), {
        "long_name": "edge of chaos g_c(sigma_eff): chi = 1", "units": "1"})
    corr = grid(mean_field_correlation)
    ds["c_star"] = (dims, corr[..., 0], {
        "long_name": "mean-field correlation c* of two trajectories under the same noise "
                     "(1 in the ordered phase)", "units": "1"})
    ds["xi_c"] = (dims, np.where(corr[..., 1] < 1, -1.0 / np.log(corr[..., 1]), np.nan), {
        "long_name": "mean-field correlation depth scale xi_c = -1/ln chi_c (equal to xi in "
                     "the ordered phase)", "units": "1", "comment": "time steps"})
    n = int(setting(ds, "n_units"))
    ds["lyapunov_theory"] = (dims, 0.5 * np.log(mf[..., 1]), {
        "long_name": "mean field (N -> infinity): maximal Lyapunov exponent 1/2 ln chi",
        "units": "1", "comment": "per time step"})
    ds["lyapunov_theory_finite_n"] = (dims, grid(lambda g, s: mean_field_lyapunov(g, s, n)), {
        "long_name": f"annealed finite-N maximal Lyapunov exponent 1/2 E ln X (N = {n})",
        "units": "1", "comment": "per time step"})
    # the chaotic side of the finite network: the annealed finite-N exponent is positive
    # (at N = 32, g = 1.6 is beyond the mean-field g_c = 1.55 but ordered: lambda_N < 0)
    ds["xi_c_chaotic"] = ds.xi_c.where(ds.lyapunov_theory_finite_n > 0).assign_attrs(
        long_name="xi_c on the chaotic side of the finite network (annealed finite-N "
                  "Lyapunov exponent > 0; NaN otherwise)", units="1", comment="time steps")
    add_lyapunov(ds)
    add_horizon(ds, "g")
    add_grad_rate(ds)
    ds["grad_rate_theory"] = np.log(ds.chi).assign_attrs(
        long_name="mean field: ln chi per step", units="1", comment="per time step")
    return ds


def horizon_fits(pt: xr.Dataset, scale: str = "xi", knob: str = "g", within=None) -> dict:
    """The proportionality tests of one series (``pt``: one point of the other sweep axes)
    against the timescale ``scale`` (a variable on ``knob``; NaN where it is not a horizon,
    e.g. the chaotic phase): slope of ln T* on its log over the knob values with a measured
    horizon, the constant c fitted on every other one and the residuals at the rest, the
    peak's vertex.

    Each statistic is computed on the point estimate and on every bootstrap resample (the
    same knob values), so its SE carries the correlation between them. A measured scale
    brings its own resamples, ``<scale>_boot`` (boot, knob), used beside the horizon's.
    ``within``: only these knob values (e.g. those measured at two budgets)."""
    keep = np.isfinite(pt[scale].values) & ~pt.horizon_censored.values.astype(bool)
    if within is not None:
        keep &= np.isin(pt[knob].values, within)
    kv = pt[knob].values
    out = {"gains": [float(v) for v in kv[keep]]}
    gs = out["gains"]

    def at(var, vals):
        return pt[var].sel({knob: vals}).values

    boot = f"{scale}_boot"

    def xs(vals):  # ln scale and its resamples
        x = np.log(at(scale, vals))
        return x, (np.log(at(boot, vals)) if boot in pt else x)

    if len(gs) >= 3:
        (x, xb), y, yb = xs(gs), at("log_horizon", gs), at("log_horizon_boot", gs)
        out["slope"], out["slope_boot"] = _ols_slope(x, y), _ols_slope(xb, yb)
        out["slope_se"] = np.nanstd(out["slope_boot"], ddof=1)
        out["log_c"] = float(np.mean(y - x))
        train, test = gs[::2], gs[1::2]
        (xt, xbt), yt = xs(train), at("log_horizon", train)
        ybt = at("log_horizon_boot", train)
        c_half, c_half_b = np.mean(yt - xt), (ybt - xbt).mean(axis=-1)
        out["held_out"] = []
        for g in test:
            xg, xgb = xs(g)
            r = float(at("log_horizon", g)) - (c_half + float(xg))
            rb = at("log_horizon_boot", g) - (c_half_b + xgb)
            out["held_out"].append((g, c_half, r, np.nanstd(rb, ddof=1)))
    y = pt.log_horizon.values
    k = int(np.argmax(y))
    three = slice(k - 1, k + 2)
    if 0 < k < len(kv) - 1 and not pt.horizon_censored.values[three].any():
        g3 = kv[three]
        out["peak"] = float(_vertex(g3, y[three]))
        vb = _vertex(g3, pt.log_horizon_boot.values[:, three])
        out["peak_boot"] = vb
        out["peak_se"] = robust_se(vb)
    else:
        out["peak_why"] = ("the largest horizon is at the edge of the grid" if not
                           0 < k < len(kv) - 1 else
                           "the horizon near the peak is censored by the lag grid")
    return out


def full_budget(ds: xr.Dataset) -> xr.Dataset:
    """The dataset at its full training budget (the last ``budget``): what every check
    and figure uses except the comparison of budgets."""
    return ds.isel(budget=-1) if "budget" in ds.dims else ds


def budget_slopes(ds: xr.Dataset, sel: dict, scale: str, knob: str):
    """``(suffix, after, fits)`` at every training budget of one series that has a slope:
    the check-name suffix (``""`` at the full budget, ``_steps{b}`` otherwise), the words
    for its description and :func:`horizon_fits`."""
    pt = ds.sel(sel)
    if "budget" not in pt.dims:
        fits = [(None, horizon_fits(pt, scale, knob))]
    else:
        fits = [(int(b), horizon_fits(pt.sel(budget=b), scale, knob))
                for b in pt.budget.values]
    full = fits[-1][0]
    return [("" if b == full else f"_steps{b}", "" if b is None else f" after {b} Adam steps",
             f) for b, f in fits if "slope" in f]


def budget_checks(ds: xr.Dataset, series, scale: str, knob: str, scale_name: str
                  ) -> list[chk.Check]:
    """The slope of ln T* on ln ``scale`` at the full budget minus at every shorter one
    (the same networks part-way), over the knob values measured at both, against 0
    (``prediction``: the exponent does not depend on the budget; c may). ``series`` lists
    ``(tag, selection)``; shared by ``trained`` and ``gated``.

    The SE is that of the difference of the two bootstraps, drawn independently: the
    budgets share their networks, so it is conservative (weak)."""
    if ds.sizes.get("budget", 1) < 2:
        return []
    full = int(ds.budget[-1])
    diffs = []
    for tag, sel in series:
        pt = ds.sel(sel)
        ff = horizon_fits(pt.isel(budget=-1), scale, knob)
        for b in ds.budget.values[:-1]:
            fb = horizon_fits(pt.sel(budget=b), scale, knob)
            both = sorted(set(ff["gains"]) & set(fb["gains"]))
            if len(both) >= 3:
                diffs.append((tag, int(b), both,
                              horizon_fits(pt.isel(budget=-1), scale, knob, within=both),
                              horizon_fits(pt.sel(budget=b), scale, knob, within=both)))
    out = []
    z = chk.sidak(len(diffs))
    for tag, b, both, ff, fb in diffs:
        d = ff["slope_boot"] - fb["slope_boot"]
        out.append(chk.within_se(
            f"horizon_budget_{tag}_steps{b}",
            f"{tag}: slope of ln T* on ln {scale_name} after {full} Adam steps minus after "
            f"{b} ({ff['slope']:.3f} - {fb['slope']:.3f}), both over the {knob} measured at "
            f"both budgets ({', '.join(f'{v:g}' for v in both)}), vs 0 (the slope does not "
            f"depend on the budget; c may); SE of the difference of independent bootstraps "
            f"(conservative: the same networks); Sidak over {len(diffs)}", 0.0,
            ff["slope"] - fb["slope"], float(np.nanstd(d, ddof=1)), z))
    return out


def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """The horizon against the depth scale, the peak against the edge of chaos, and the
    error signal at initialisation against the mean-field rate.

    * ``prediction``: the slope of ln T* on ln xi over the ordered gains is 1 (T* = c xi);
      the peak of T*(g) is at g_c(sigma_u), and moves between noise levels as g_c does
      (parametric-bootstrap SEs, normal; the peak's from the central 68 % of its
      resamples); on the chaotic side the slope of ln T* on ln xi_c (the correlation
      depth scale) is 1 (Schoenholz et al. 2017: trainable depth proportional to xi_c on
      both sides of the transition); the slope of ln |dL/dh_0|^2 at initialisation against
      the lag is ln chi
      at every ordered gain and noise (SE over seeds, Student t). Sidak within each family.
    * ``fitted``: c of T* = c xi fitted on every other ordered gain, against ln T* at the
      gains left out (cross-validated: c comes from the same simulation).

    The slopes at every training budget (one Sidak family per hypothesis), their
    difference between budgets (:func:`budget_checks`); the rest at the full budget.
    """
    series = [(f"{t}_{c}_sigma{s:g}", {"task": t, "cell": c, "sigma_u": s})
              for t in ds.task.values for c in ds.cell.values for s in ds.sigma_u.values]
    out = budget_checks(ds, series, "xi", "g", "xi")
    n_seed = ds.sizes["seed"]
    hypotheses = (  # every budget: one Sidak family per hypothesis
        ("horizon_chaos_slope", "xi_c_chaotic", lambda f: (
            f"ln xi_c (mean-field correlation depth scale) over the {len(f['gains'])} chaotic "
            f"gains with a measured horizon (g = {', '.join(f'{g:g}' for g in f['gains'])}; "
            f"chaotic: annealed finite-N Lyapunov exponent > 0, a rule chosen after a first "
            f"run) vs 1 (trainable depth proportional to xi_c, Schoenholz et al. 2017)")),
        ("horizon_slope", "xi", lambda f: (
            f"ln xi (xi = -1/ln chi) over the {len(f['gains'])} ordered gains with a measured "
            f"horizon (g = {', '.join(f'{g:g}' for g in f['gains'])}) vs 1 (T* = c xi)")))
    for name, scale, what in hypotheses:
        fam = [(tag + suffix, sel["sigma_u"], after, f) for tag, sel in series
               for suffix, after, f in budget_slopes(ds, sel, scale, "g")]
        z = chk.sidak(len(fam))
        for tag, s, after, f in fam:
            out.append(chk.within_se(
                f"{name}_{tag}",
                f"sigma_u={s:g}{after}: slope of ln T* on {what(f)}; parametric-bootstrap SE "
                f"from {n_seed} seeds per lag; Sidak over {len(fam)}", 1.0, f["slope"],
                f["slope_se"], z))
    ds = full_budget(ds)
    fam_held, fam_peak, peaks = [], [], {}
    for task in ds.task.values:
        for cell in ds.cell.values:
            for s in ds.sigma_u.values:
                f = horizon_fits(ds.sel(task=task, cell=cell, sigma_u=s))
                tag = f"{task}_{cell}_sigma{s:g}"
                if "slope" in f:
                    fam_held += [(tag, s, *h) for h in f["held_out"]]
                if "peak" in f:
                    fam_peak.append((tag, task, s, f))
                    peaks.setdefault((task, cell), []).append((s, f))
    z = chk.sidak(len(fam_held))
    for tag, s, g, log_c, r, se in fam_held:
        out.append(chk.within_se(
            f"horizon_held_out_{tag}_g{g:g}",
            f"sigma_u={s:g}, g={g:g}: ln T* minus ln(c xi), c = {np.exp(log_c):.3g} fitted on "
            f"the other ordered gains (not this one); parametric-bootstrap SE; Sidak over "
            f"{len(fam_held)}", 0.0, r, se, z, kind="fitted"))
    z = chk.sidak(len(fam_peak))
    for tag, task, s, f in fam_peak:
        gc = float(ds.g_c.sel(task=task, sigma_u=s))
        out.append(chk.within_se(
            f"horizon_peak_{tag}",
            f"sigma_u={s:g}: gain of the largest horizon (vertex of the parabola through the "
            f"three gains around the maximum of ln T*) vs the edge of chaos g_c = {gc:.3f}; "
            f"parametric-bootstrap SE; Sidak over {len(fam_peak)}", gc, f["peak"],
            f["peak_se"], z))
    for (task, cell), pk in peaks.items():
        if len(pk) >= 2:
            (s0, f0), (s1, f1) = pk[0], pk[-1]
            gc0, gc1 = (float(ds.g_c.sel(task=task, sigma_u=v)) for v in (s0, s1))
            shift = f1["peak_boot"] - f0["peak_boot"]
            out.append(chk.within_se(
                f"horizon_peak_shift_{task}_{cell}",
                f"shift of the horizon's peak from sigma_u={s0:g} to {s1:g} vs the shift of "
                f"g_c ({gc0:.3f} -> {gc1:.3f}); independent networks, parametric-bootstrap SE",
                gc1 - gc0, f1["peak"] - f0["peak"], robust_se(shift),
                chk.sidak(1)))
    fam = [(t, c, s, g) for t in ds.task.values for c in ds.cell.values
           for s in ds.sigma_u.values for g in ds.g.values
           if float(ds.chi.sel(task=t, sigma_u=s, g=g)) < 1
           and np.isfinite(float(ds.grad_rate.sel(task=t, cell=c, sigma_u=s, g=g)))]
    z = chk.sidak(len(fam), dof=n_seed - 1)
    for t, c, s, g in fam:
        pt = ds.sel(task=t, cell=c, sigma_u=s, g=g)
        out.append(chk.within_se(
            f"grad_rate_{t}_{c}_sigma{s:g}_g{g:g}",
            f"sigma_u={s:g}, g={g:g} (ordered phase): slope over {int(pt.grad_rate_lags)} "
            f"lags >= {GRADIENT_MIN_LAG} of the seeds' mean ln |dL/dh_0|^2 at initialisation "
            f"(N = {setting(ds, 'n_units')}) vs the mean-field ln chi = "
            f"{float(pt.grad_rate_theory):.3f}; SE from {n_seed} seeds per lag (Student t, "
            f"{n_seed - 1} dof); Sidak over {len(fam)}", float(pt.grad_rate_theory),
            float(pt.grad_rate), float(pt.grad_rate_se), z, dof=n_seed - 1))
    return out
