r"""Gradient-norm decay in recurrent networks: theory, checks and figures.

Model (Pascanu, Mikolov & Bengio 2013 form; ``docs/gradients.md`` §2):
:math:`a_t = W\varphi(a_{t-1}) + \sigma_u\xi_t`, :math:`W_{ij}\sim\mathcal N(0, g^2/N)`,
:math:`\xi_t\sim\mathcal N(0, I)`. An error signal back-propagated through q steps is
multiplied by the Jacobians
:math:`\partial a_s/\partial a_{s-1} = W\,\mathrm{diag}(\varphi'(a_{s-1}))`.

Three theories of its size:

* Hochreiter & Schmidhuber (1997, §3.1), worst case:
  :math:`|\partial a_{t}/\partial a_{t-q}| \le n\,(f'_{max}\|W\|_A)^q` with
  :math:`\|W\|_A = \max_r\sum_s|w_{rs}|`. It bounds every entry and, since
  :math:`\|P\|_F \le n\|P\|_\infty`, the Frobenius norm of the product.
* Pascanu et al. (2013): vanishing is guaranteed when the largest singular value of W is
  below :math:`1/\gamma` (γ = 1 for tanh, 1/4 for the logistic); for Gaussian W,
  :math:`\|W\|_2\to 2g` while the spectral radius :math:`\to g`, so this is loose by 2.
* Mean field (Poole et al. 2016; Chen, Pennington & Schoenholz 2018): the pre-activation
  variance settles at :math:`q^* = g^2\,E[\varphi(\sqrt{q^*}z)^2] + \sigma_u^2` and the squared
  norm of a back-propagated vector is multiplied per step by
  :math:`\chi = g^2 E[\varphi'(\sqrt{q^*}z)^2]`: rate :math:`\tfrac12\ln\chi` per step.

LSTM (Hochreiter & Schmidhuber 1997; Gers et al. 2000): along the cell path
:math:`c_t = f_t\odot c_{t-1} + i_t\odot \tilde c_t` the error is multiplied by the forget
gates, :math:`\prod_s f_s`; with :math:`f = 1` it is constant (the constant error carousel).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import xarray as xr
from scipy import special

from memory_dynamics.io import cf_attrs
from memory_dynamics.sim.nonlinearities import PHIS
from memory_dynamics.sim.nonlinearities import phi_functions as phi_fn

from . import checks as chk

#: a count-valued unit UDUNITS has no name for: units "1", the unit in a comment
PER_STEP = {"units": "1", "comment": "per time step"}

__all__ = ["PHIS", "phi_fn", "mean_field_fixed_point", "mean_field_rate", "hochreiter_bound",
           "pascanu_condition", "lstm_cell_rate", "mean_field_correlation",
           "mean_field_lyapunov",
           "lstm_cell_rate_mean_square", "lstm_cell_rate_gaussian"]

TITLE = "Gradient-norm decay in recurrent networks and the LSTM cell path"
REFERENCES = ("Hochreiter & Schmidhuber (1997) Neural Comput. 9:1735; Pascanu, Mikolov & "
              "Bengio (2013) ICML; Poole et al. (2016) NeurIPS; Chen, Pennington & "
              "Schoenholz (2018) ICML; Gers, Schmidhuber & Cummins (2000) Neural Comput.")

#: largest derivative f'_max of each nonlinearity (gamma in Pascanu et al.)
FPRIME_MAX = {"tanh": 1.0, "logistic": 0.25, "linear": 1.0}


@functools.cache
def _hermite(n: int = 201):
    x, w = np.polynomial.hermite_e.hermegauss(n)  # weight exp(-x^2/2)
    return x, w / np.sqrt(2 * np.pi)


def _gauss_mean(f, q: float) -> float:
    x, w = _hermite()
    return float(np.sum(w * f(np.sqrt(max(q, 0.0)) * x)))


def mean_field_fixed_point(g: float, sigma_u: float, phi: str = "tanh") -> float:
    r"""Pre-activation variance :math:`q^* = g^2 E[\varphi(\sqrt{q^*}z)^2] + \sigma_u^2`.

    Largest fixed point, by iteration from a large start (linear: closed form
    :math:`\sigma_u^2/(1-g^2)`, infinite for g >= 1 with input).
    """
    if g <= 0 or sigma_u < 0:
        raise ValueError("need g > 0 and sigma_u >= 0")
    f, _ = phi_fn(phi)
    if phi == "linear":
        if g < 1:
            return sigma_u**2 / (1 - g**2)
        return np.inf if sigma_u > 0 or g > 1 else 0.0
    q = 10.0 + 10 * g**2
    for _ in range(100_000):
        q_new = g**2 * _gauss_mean(lambda a: f(a) ** 2, q) + sigma_u**2
        if abs(q_new - q) <= 1e-15 * max(q, 1e-300):
            return q_new
        q = q_new
    return q


def mean_field_rate(g: float, sigma_u: float, phi: str = "tanh"):
    r"""Mean-field ``(q*, chi, 0.5 ln chi)``: the per-step log growth of gradient norms.

    ``chi = g^2 E[phi'(sqrt(q*) z)^2]``; e.g. tanh, g = 1.5, sigma_u = 0: q* = 0.793,
    chi = 1.139, rate +0.065; g = 0.9, sigma_u = 0: q* = 0, rate ln 0.9.
    """
    q = mean_field_fixed_point(g, sigma_u, phi)
    _, fp = phi_fn(phi)
    chi = g**2 * (1.0 if phi == "linear" else _gauss_mean(lambda a: fp(a) ** 2, q))
    return q, chi, 0.5 * np.log(chi)


def mean_field_signal_chi(g: float, sigma_u: float, phi: str = "tanh") -> float:
    r"""Per-step factor of the squared *noise-averaged* error signal,
    :math:`\chi_s = g^2\,E[\varphi'(\sqrt{q^*}z)]^2 \le \chi`.

    If the noise average of a product of Jacobians is taken factor by factor (an
    approximation: consecutive pre-activations share rows of W), the back-propagated signal
    averaged over the input noise is multiplied by
    :math:`E[\operatorname{diag}\varphi'(a)]\,W^\top` per step, so its square shrinks by
    :math:`\chi_s`; :math:`\chi` of :func:`mean_field_rate` is the factor of the mean square,
    which includes the fluctuations that average out over a batch (``docs/trained.md`` §2).
    """
    q = mean_field_fixed_point(g, sigma_u, phi)
    _, fp = phi_fn(phi)
    return g**2 * (1.0 if phi == "linear" else _gauss_mean(fp, q) ** 2)


@functools.cache
def _hermite_2d(n: int = 201):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / np.sqrt(2 * np.pi)
    return x[:, None], x[None, :], np.outer(w, w)


def mean_field_correlation(g: float, sigma_u: float, phi: str = "tanh") -> tuple[float, float]:
    r"""Correlation fixed point and its slope, ``(c*, chi_c)``, of two copies of one network
    driven by the same input noise from different states.

    Their pre-activations have variance :math:`q^*` each and covariance
    :math:`q_{12} = c\,q^*`, mapped per step to
    :math:`c \mapsto [g^2 E\,\varphi(u_1)\varphi(u_2) + \sigma_u^2]/q^*` with
    :math:`(u_1, u_2)` Gaussian of correlation c (the shared noise adds
    :math:`\sigma_u^2` to the covariance). In the ordered phase (:math:`\chi < 1`) the
    fixed point is :math:`c^* = 1`, stable, with slope :math:`\chi_c = \chi`; in the chaotic
    phase :math:`c^* < 1` (the map from c = 0 converges to it) and
    :math:`\chi_c = g^2 E[\varphi'(u_1)\varphi'(u_2)]` at :math:`c^*`. The correlation
    depth scale is :math:`\xi_c = -1/\ln\chi_c` (Poole et al. 2016; Schoenholz et al. 2017).
    E.g. tanh, sigma_u = 0.5: c* = 0.521, xi_c = 6.45 at g = 2; 4.68 at g = 2.5.
    """
    q, chi, _ = mean_field_rate(g, sigma_u, phi)
    if chi < 1:
        return 1.0, chi
    f, fp = phi_fn(phi)
    x1, x2, w = _hermite_2d()
    sq = np.sqrt(q)

    def pair(c):
        return sq * x1, sq * (c * x1 + np.sqrt(max(1 - c * c, 0.0)) * x2)

    c = 0.0
    for _ in range(100_000):
        u1, u2 = pair(c)
        c_new = (g**2 * float((w * f(u1) * f(u2)).sum()) + sigma_u**2) / q
        if abs(c_new - c) <= 1e-13:
            break
        c = c_new
    else:  # critical slowing down at g_c
        warnings.warn(f"correlation map at g = {g}, sigma_u = {sigma_u} not converged in "
                      f"100000 steps (|dc| = {abs(c_new - c):.2g})", stacklevel=2)
    u1, u2 = pair(c_new)
    return float(c_new), g**2 * float((w * fp(u1) * fp(u2)).sum())


def mean_field_lyapunov(g: float, sigma_u: float, n_units: int | None = None,
                        phi: str = "tanh") -> float:
    r"""Maximal Lyapunov exponent of a random network driven by input noise, per step.

    Mean field (N -> infinity; Molgedey, Schuchhardt & Schuster 1992): a tangent vector's
    squared norm is multiplied per step by :math:`\chi`, so :math:`\lambda = \tfrac12\ln\chi`
    (the rate of :func:`mean_field_rate`). At finite N (``n_units``), taking the products
    of W's rows with the tangent vector as fresh Gaussians every step (annealed), one step
    multiplies the squared norm by :math:`X = \tfrac{g^2}{N}\sum_i \varphi'(a_i)^2 z_i^2`
    with :math:`a_i \sim \mathcal N(0, q^*)`, :math:`z_i \sim \mathcal N(0, 1)`, all
    independent, and :math:`\lambda_N = \tfrac12 E\ln X < \tfrac12\ln E X` (Jensen),
    computed exactly from the Laplace transform,
    :math:`E\ln X = \int_0^\infty (e^{-s} - E e^{-sX})\,ds/s`,
    :math:`E e^{-sX} = (E_a[(1 + 2 s g^2\varphi'(a)^2/N)^{-1/2}])^N`. The difference is
    :math:`O(1/N)`, about :math:`-\tfrac1{4N}(3E\varphi'^4/(E\varphi'^2)^2 - 1)`.
    """
    q, chi, rate = mean_field_rate(g, sigma_u, phi)
    if n_units is None:
        return float(rate)
    from scipy import integrate

    _, fp = phi_fn(phi)
    x, w = _hermite()
    d2 = g**2 * fp(np.sqrt(q) * x) ** 2
    N = int(n_units)

    def integrand(t):  # s = e^t, ds/s = dt
        s = np.exp(t)
        return np.exp(-s) - float(np.sum(w / np.sqrt(1 + 2 * s * d2 / N))) ** N

    # below s = e^-40 the integrand is (1 - E X) s + O(s^2); above e^30 both terms vanish
    # (E e^{-sX} ~ s^{-N/2}: the tail matters at small N)
    return 0.5 * integrate.quad(integrand, -40.0, 30.0, limit=400, epsabs=1e-12)[0]


def hochreiter_bound(W, phi: str, q, log: bool = False):
    r"""Hochreiter's worst-case bound :math:`n (f'_{max}\|W\|_A)^q` (natural log if ``log``)."""
    W = np.asarray(W, float)
    norm_a = np.abs(W).sum(axis=1).max()
    q = np.asarray(q, float)
    lb = np.log(W.shape[0]) + q * np.log(FPRIME_MAX[phi] * norm_a)
    return lb if log else np.exp(lb)


def pascanu_condition(W, phi: str) -> dict:
    """Pascanu et al.'s sufficient condition for vanishing: sigma_max(W) < 1/gamma."""
    W = np.asarray(W, float)
    smax = float(np.linalg.norm(W, 2))
    gamma = FPRIME_MAX[phi]
    return {"sigma_max": smax, "gamma": gamma, "threshold": 1 / gamma,
            "vanishing_guaranteed": smax < 1 / gamma,
            "spectral_radius": float(np.max(np.abs(np.linalg.eigvals(W))))}


def lstm_cell_rate(forget_bias: float, preact_std: float) -> float:
    r"""Mean log forget gate :math:`E[\ln\sigma(b_f + s z)]`: the typical per-unit rate of
    the cell-path gradient :math:`\prod_s f_s` (z standard normal)."""
    return _gauss_mean(lambda a: np.log(special.expit(forget_bias + a)), preact_std**2)


def lstm_cell_rate_mean_square(forget_bias: float, preact_std: float) -> float:
    r"""Mean-square rate :math:`\tfrac12\ln E[\sigma(b_f + s z)^2]` of the cell path.

    The Frobenius norm over units, :math:`\|\mathrm{diag}(\prod_s f_s)\|_F^2 =
    \sum_i \prod_s f_{s,i}^2`, grows per step like :math:`\tfrac12\ln E f^2` when the
    gates are independent across units and steps (the measured statistic averages squares,
    so it is not the typical rate :func:`lstm_cell_rate`). Time correlations of a unit's
    gate pre-activations make it grow faster still (not included).
    """
    return 0.5 * np.log(_gauss_mean(lambda a: special.expit(forget_bias + a) ** 2,
                                    preact_std**2))


def lstm_cell_rate_gaussian(forget_bias: float, mean: float, acov, N: int,
                            window: tuple[int, int], seed, n_batches: int = 16):
    r"""Cell-path rate of N units whose forget-gate pre-activations are Gaussian processes.

    Model: unit i's pre-activation :math:`z_{t,i}` (without bias) is a stationary Gaussian
    process with mean ``mean`` and autocovariance ``acov`` (lags 0, 1, ...), independent
    across units. This keeps what the independent-gate rate
    :func:`lstm_cell_rate_mean_square` leaves out: a unit's persistent offset (the plateau
    of C, the cell's static memory) and its slow fluctuations both make
    :math:`\prod_s f_{s,i}^2` larger on average than :math:`(E f^2)^q` (Jensen). The
    statistic is the simulated one: the least-squares slope over ``window`` of
    :math:`\tfrac12\ln\sum_{i\le N}\prod_{s\le q}\sigma(b_f + z_{s,i})^2`, evaluated by
    Monte Carlo over ``n_batches`` independent sets of N Gaussian units (so its finite-N bias,
    a sum dominated by its largest terms, is the simulation's).

    Returns
    -------
    (rate, se) : the mean slope over batches and its Monte Carlo standard error.
    """
    lo, hi = (int(w) for w in window)
    acov = np.asarray(acov, float)
    if len(acov) < hi:
        raise ValueError(f"need the autocovariance at lags 0..{hi - 1}")
    lag = np.abs(np.subtract.outer(np.arange(hi), np.arange(hi)))
    ev, U = np.linalg.eigh(acov[lag])
    root = U * np.sqrt(np.clip(ev, 0.0, None))  # the PSD part of the estimated covariance
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((n_batches, N, hi))
    z = mean + xi @ root.T
    cum = np.cumsum(2 * np.log(special.expit(forget_bias + z)), axis=-1)
    L = np.concatenate([np.full((n_batches, 1), 0.5 * np.log(N)),
                        0.5 * special.logsumexp(cum, axis=1)], axis=1)  # q = 0..hi
    q = np.arange(hi + 1)
    sel = q >= lo
    dq = q[sel] - q[sel].mean()
    slopes = (L[:, sel] * dq).sum(axis=1) / (dq**2).sum()
    return float(slopes.mean()), float(slopes.std(ddof=1) / np.sqrt(n_batches))


# --------------------------------------------------------------------------- comparison

def measured_rates(ds):
    """Least-squares slope of log_norm vs q over the fit window, per seed; (mean, SE)."""
    return chk.mean_se(_seed_slopes(ds.log_norm, np.atleast_1d(ds.attrs["fit_window"])),
                       "seed")


def _seed_slopes(log_norm, window):
    """Least-squares slope of log norms vs q over ``window`` (the measured-rate estimator)."""
    L = log_norm.sel(q=slice(int(window[0]), int(window[1])))
    dq = L.q - L.q.mean()
    return (L * dq).sum("q") / (dq**2).sum()


def _add_lstm_theory(ds):
    """Measured cell-path rates per seed and their three theories (in place)."""
    import xarray as xr

    window = np.atleast_1d(ds.attrs["fit_window"])
    ds["lstm_rate"] = _seed_slopes(ds.lstm_log_norm, window).where(
        ds.lstm_log_norm.notnull().all("q")).assign_attrs(cf_attrs(
            "measured cell-path rate per LSTM cell: slope of lstm_log_norm over fit_window",
            **PER_STEP))
    vec = np.vectorize(lambda f, b, s: f(b, s) if np.isfinite(s) else np.nan, excluded={0})
    ds["lstm_rate_typical_theory"] = xr.apply_ufunc(
        vec, lstm_cell_rate, ds.forget_bias, ds.lstm_f_preact_std).assign_attrs(cf_attrs(
            "typical cell-path rate per unit E ln sigma(b_f + s z), s = rms pre-activation",
            **PER_STEP))
    ds["lstm_rate_independent_theory"] = xr.apply_ufunc(
        vec, lstm_cell_rate_mean_square, ds.forget_bias, ds.lstm_f_preact_std).assign_attrs(
        cf_attrs("cell-path rate of the Frobenius norm with gates independent across steps: "
                 "0.5 ln E sigma(b_f + s z)^2", **PER_STEP))
    gp = xr.full_like(ds.lstm_rate, np.nan)
    idx = np.argwhere(ds.lstm_f_preact_mean.notnull().values)
    dims = ds.lstm_f_preact_mean.dims
    for ix in idx:
        at = dict(zip(dims, ix))
        b = float(ds.forget_bias[at["forget_bias"]])
        if np.isinf(b):  # f = 1 exactly: the rate is 0, no Monte Carlo needed
            gp[at] = 0.0
            continue
        sub = ds.isel(at)
        gp[at] = lstm_cell_rate_gaussian(
            b, float(sub.lstm_f_preact_mean), sub.lstm_f_preact_acov.values, int(sub.N),
            window, seed=[int(i) for i in ix])[0]
    ds["lstm_rate_gaussian_theory"] = gp.assign_attrs(cf_attrs(
        "cell-path rate of the Frobenius norm for Gaussian-process gates with each cell's "
        "measured pre-activation mean and autocovariance (Monte Carlo, same estimator)",
        **PER_STEP))


@functools.lru_cache(maxsize=1024)
def critical_gain(sigma_u: float, phi: str = "tanh") -> float:
    """Gain at which chi = 1 (order-to-chaos transition of the mean-field theory)."""
    from scipy import optimize

    return float(optimize.brentq(lambda g: mean_field_rate(g, sigma_u, phi)[1] - 1,
                                 0.05, 20.0, xtol=1e-10))


def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Measured rates and the three theories beside the simulated log norms."""
    import xarray as xr

    ds = ds.copy()
    rate, se = measured_rates(ds)
    ds["rate"] = rate.assign_attrs(cf_attrs("measured rate: slope of log_norm over fit_window",
                                            **PER_STEP))
    ds["rate_se"] = se.assign_attrs(cf_attrs("standard error of rate over seeds", **PER_STEP))
    shape = (ds.sizes["phi"], ds.sizes["sigma_u"], ds.sizes["g"])
    qs, chi = np.empty(shape), np.empty(shape)
    for i, phi in enumerate(ds.phi.values):
        for j, su in enumerate(ds.sigma_u.values):
            for k, g in enumerate(ds.g.values):
                qs[i, j, k], chi[i, j, k], _ = mean_field_rate(float(g), float(su), str(phi))
    dims = ("phi", "sigma_u", "g")
    ds["q_star"] = (dims, qs, cf_attrs("mean-field pre-activation variance q*", "1"))
    ds["chi"] = (dims, chi, cf_attrs("mean-field chi = g^2 E[phi'(sqrt(q*) z)^2]", "1"))
    ds["rate_theory"] = (dims, 0.5 * np.log(chi),
                         cf_attrs("mean-field rate 0.5 ln chi", **PER_STEP))
    fm = xr.DataArray([FPRIME_MAX[str(p)] for p in ds.phi.values], dims="phi")
    ds["hochreiter_log_rate"] = np.log(fm * ds.g * ds.norm_A_Z).assign_attrs(cf_attrs(
        "Hochreiter bound: log(f'_max ||W||_A) per step (bound: log N + q x this)", **PER_STEP))
    ds["sigma_max"] = (ds.g * ds.sigma_max_Z).assign_attrs(cf_attrs(
        "largest singular value of W (Pascanu: vanishing guaranteed below 1/gamma)", "1"))
    ds["pascanu_threshold"] = (1 / fm).assign_attrs(cf_attrs("1/gamma = 1/f'_max", "1"))
    if "forget_bias" in ds.dims:
        _add_lstm_theory(ds)
    return ds.transpose("phi", "N", "sigma_u", "seed", "g", "q", ...)


# ------------------------------------------------------------------------------- checks
#: failures that are understood science, not bugs: (regex of the check name, reason)
#: What a NaN or inf in the merged dataset means (non_finite_where says where).
NON_FINITE = {
    r"lstm_.*": "NaN at phi other than tanh: the LSTM cell path is simulated at tanh points "
                "only",
    r"q_star": "+inf for phi = linear with g > 1, or g = 1 with sigma_u > 0: the fixed point "
               "q* = sigma_u^2 / (1 - g^2) diverges",
    r"forget_bias": "+inf: forget gates fixed at exactly 1 (the cell path does not decay)",
}

KNOWN_DEVIATIONS = (
    (r"linear_rate_N\d+$",
     "the Frobenius norm of Z^q for one finite Gaussian Z grows faster than mean field by an "
     "O(1/N) excess per step (N x excess = 3.1 at N = 100, 3.0 at N = 300, 2.0 +- 0.6 at "
     "N = 1000); with enough replicates it is resolved at every N (docs/gradients.md "
     "section 4)"),
    (r"mean_field_rate_tanh_N\d+_sigma0_g(1|1\.25)$",
     "edge of chaos without input noise: the finite network's back-propagation rate lies "
     "below the mean-field 0.5 ln chi and approaches it as N grows (g = 1.25: 0.012 at "
     "N = 1000, 0.021 at N = 2000, theory 0.0235; docs/gradients.md section 4)"),
)


def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """Measured back-propagation rates against their theory, Hochreiter's bound.

    * ``prediction``: the rate (least-squares slope of the log Frobenius norm over the fit
      window; SE over seeds) of the tanh and logistic networks at the largest N against the
      mean-field 0.5 ln chi, at every gain and input noise, and of the linear network
      against ln g; each family Sidak-corrected to a family-wise 3 sigma;
    * ``fitted``: the LSTM cell path against its Gaussian-gate theory at every finite
      forget bias (the gate statistics are measured on the same cells);
    * ``bound``: Hochreiter's bound at every q >= 1 (q = 0 is the identity: not a test).
    """
    out = []
    N = int(ds.N.max())
    nonlinear = [phi for phi in ("tanh", "logistic") if phi in ds.phi.values]
    family = [(phi, su, g) for phi in nonlinear for su in ds.sigma_u.values
              for g in ds.g.values]
    dof = ds.sizes["seed"] - 1  # the SE comes from the seeds: Student t
    z1 = chk.sidak(len(family), dof=dof)
    for phi, su, g in family:
        pt = dict(phi=phi, N=N, sigma_u=su, g=g)
        th = ds.rate_theory.sel(phi=phi, sigma_u=su, g=g)
        out.append(chk.within_se(
            f"mean_field_rate_{phi}_N{N}_sigma{su:g}_g{g:g}",
            f"{phi}, N={N}, g={g:g}, sigma_u={su:g}: measured rate (slope over the fit window, "
            f"SE over {ds.sizes['seed']} seeds) vs mean-field 0.5 ln chi; Sidak over "
            f"{len(family)}, Student t with {dof} dof", float(th), float(ds.rate.sel(pt)),
            float(ds.rate_se.sel(pt)), z1, dof=dof))
    if "linear" in ds.phi.values:
        # W = g Z with one Z per seed for all gains: rate - ln g is the same random variable
        # at every g (the growth rate of ||Z^q||_F), so it is one test, made at g = 1 or the
        # gain nearest to it
        # and the Jacobian of a linear network does not depend on sigma_u, so the seeds of
        # every sigma_u are independent replicates of it: pooled
        g = float(ds.g.values[np.argmin(np.abs(ds.g.values - 1.0))])
        window = np.atleast_1d(ds.attrs["fit_window"])
        ex = (_seed_slopes(ds.log_norm.sel(phi="linear", N=N, g=g), window) - np.log(g)
              ).stack(replicate=("sigma_u", "seed")).dropna("replicate")
        m, se = chk.mean_se(ex.values)
        n = ex.sizes["replicate"]
        out.append(chk.within_se(
            f"linear_rate_N{N}",
            f"linear network W = gZ, N={N}, g={g:g}: measured rate - ln g (the same at every "
            f"gain and input: one Z per seed), {n} networks, vs mean field 0 (chi = g^2); "
            "finite N adds an O(1/N) excess (N x excess ~ 3 at N = 100, 300); Student t",
            0.0, float(m), float(se), chk.sidak(1, dof=n - 1), dof=n - 1))
    if "lstm_rate" in ds and "tanh" in ds.phi.values:
        cells = ds.sel(phi="tanh", N=N)
        fb = [b for b in ds.forget_bias.values if np.isfinite(b)]  # b_f = inf: f = 1 exactly
        fam = [(su, b) for su in ds.sigma_u.values for b in fb]
        z1 = chk.sidak(len(fam), dof=dof)
        for su, b in fam:
            c = cells.sel(sigma_u=su, forget_bias=b)
            _, se = chk.mean_se(c.lstm_rate - c.lstm_rate_gaussian_theory, "seed")
            out.append(chk.within_se(
                f"lstm_cell_rate_N{N}_sigma{su:g}_bf{b:g}",
                f"LSTM cell path, N={N}, input std {su if su > 0 else 1:g}, b_f={b:g}: rate of "
                "the log Frobenius norm of prod_s diag(f_s) (slope over the fit window) vs the "
                "Gaussian-gate theory with each cell's measured gate mean and autocovariance; "
                f"SE of the paired difference over {ds.sizes['seed']} cells; Sidak over "
                f"{len(fam)}, Student t with {dof} dof; fitted: the theory takes the gate "
                "statistics from the same simulated cells",
                float(c.lstm_rate_gaussian_theory.mean()), float(c.lstm_rate.mean()),
                float(se), z1, dof=dof, kind="fitted"))
    excess = (ds.log_norm - (np.log(ds.N) + ds.q * ds.hochreiter_log_rate)).sel(
        q=slice(1, None))
    out.append(chk.at_most("hochreiter_bound_holds",
                           "max over every point, seed, gain and q >= 1 of log "
                           "||da_t/da_(t-q)||_F minus Hochreiter's log bound log n + q log(f'_max"
                           " ||W||_A) (a theorem: a violation would be a bug)",
                           0.0, float(excess.max())))
    return out
