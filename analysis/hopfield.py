r"""Hopfield capacity: theory, comparison with simulation, checks and figures.

Theory (``docs/hopfield.md`` §2):

* One-step (crosstalk) error of a stored bit. With :math:`w_{ii}=0` the aligned field of a
  bit is :math:`\xi_i h_i = [(N-1) + C]/N`, where the crosstalk :math:`C` is *exactly* a sum
  of :math:`M=(P-1)(N-1)` independent ±1 terms (for fixed :math:`\xi^1`, the products
  :math:`\xi^\mu\circ\xi^1`, :math:`\mu\ne1`, are i.i.d. uniform). A bit flips when
  :math:`C < -(N-1)` (a zero field keeps the state), so the finite-N error is a binomial
  tail; for large N it tends to :math:`\Phi(-1/\sqrt{\alpha})` (Hertz, Krogh & Palmer 1991,
  Eq. 2.13). Keeping the diagonal adds :math:`P-1` to the margin:
  :math:`\Phi(-(1+\alpha)/\sqrt{\alpha})`.
* Attractor capacity (Amit, Gutfreund & Sompolinsky 1985, 1987; replica symmetric, T = 0):
  :math:`m = \operatorname{erf}(y)` with :math:`y(\sqrt{2\alpha} + \tfrac{2}{\sqrt\pi}
  e^{-y^2}) = \operatorname{erf}(y)`; retrieval solutions exist up to
  :math:`\alpha_c = 0.1379` (m = 0.967).
* Perfect recall (McEliece, Posner, Rodemich & Venkatesh 1987): most patterns are exact fixed
  points up to :math:`P = N/(2\ln N)`, all of them up to :math:`N/(4\ln N)`.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import xarray as xr
from scipy import optimize, special, stats

from memory_dynamics.io import cf_attrs

from . import checks as chk

__all__ = [
    "one_step_error",
    "alpha_at_one_step_error",
    "ags_overlap",
    "critical_capacity",
    "perfect_recall_load",
    "finite_size_extrapolation",
    "fixed_point_fraction",
    "fixed_point_fraction_mixture",
    "add_theory",
    "crossing",
    "one_step_error_se",
    "empirical_capacities",
    "make_checks",
    "REFERENCES",
    "TITLE",
]

TITLE = "Hopfield network capacity: one-step error, retrieval and fixed points"
REFERENCES = (
    "Hopfield (1982) PNAS 79:2554; Amit, Gutfreund & Sompolinsky (1985) PRL 55:1530 and "
    "(1987) Ann. Phys. 173:30; McEliece et al. (1987) IEEE Trans. Inf. Theory 33:461; "
    "Hertz, Krogh & Palmer (1991) Introduction to the Theory of Neural Computation, ch. 2"
)


def _n_patterns(alpha, N):
    return np.rint(np.asarray(alpha, float) * np.asarray(N, float))


def one_step_error(alpha, N=None, zero_diagonal: bool = True, exact: bool = True):
    r"""Probability that a stored bit flips on one update started from its pattern.

    Parameters
    ----------
    alpha : float or array_like
        Load :math:`P/N`.
    N : int or array_like, optional
        Network size. ``None`` gives the large-N limit :math:`\Phi(-1/\sqrt\alpha)` (or
        :math:`\Phi(-(1+\alpha)/\sqrt\alpha)` with the diagonal kept). With ``N``, the load is
        realised as ``P = round(alpha*N)``.
    zero_diagonal : bool
        Whether :math:`w_{ii} = 0`.
    exact : bool
        With ``N``: the exact binomial tail (default) or the Gaussian finite-N form
        :math:`\Phi(-\sqrt{(N-1)/(P-1)})` (:math:`\Phi(-(N+P-1)/\sqrt{(N-1)(P-1)})` with the
        diagonal kept).

    Returns
    -------
    float or ndarray
    """
    alpha = np.asarray(alpha, float)
    if N is None:
        z = 1 / np.sqrt(alpha) if zero_diagonal else (1 + alpha) / np.sqrt(alpha)
        return stats.norm.cdf(-z)
    P = _n_patterns(alpha, N)
    N = np.asarray(N, float)
    if np.any(P < 2):
        raise ValueError("finite-N one-step error needs P = round(alpha*N) >= 2")
    M = (P - 1) * (N - 1)
    margin = N - 1 if zero_diagonal else N + P - 1  # the kept diagonal adds P - 1
    if not exact:
        return stats.norm.cdf(-margin / np.sqrt(M))
    # C = 2B - M with B ~ Binomial(M, 1/2); a flip needs C < -margin, i.e. B < (M - margin)/2
    k = np.ceil((M - margin) / 2) - 1
    return stats.binom.cdf(k, M, 0.5)


def alpha_at_one_step_error(level: float = 0.01, zero_diagonal: bool = True, N=None):
    r"""Load at which the one-step error equals ``level`` (0.01 → 0.1848 for large N).

    With a zero diagonal :math:`\alpha = 1/\Phi^{-1}(\text{level})^2`, or at finite ``N``
    (Gaussian form, P treated as continuous) :math:`\alpha = ((N-1)/z^2 + 1)/N`; with the
    diagonal kept (large N only), the smaller root of
    :math:`(1+\alpha)/\sqrt\alpha = z` (none when level ≥ Φ(−2) = 0.0228);
    :math:`z = -\Phi^{-1}(\text{level})`.
    """
    if not 0 < level < 0.5:
        raise ValueError(f"level must be in (0, 0.5), got {level}")
    z = -stats.norm.ppf(level)
    if zero_diagonal:
        if N is not None:
            N = np.asarray(N, float)
            return ((N - 1) / z**2 + 1) / N
        return float(1 / z**2)
    if N is not None:
        raise ValueError("the finite-N inversion needs zero_diagonal=True")
    if z <= 2:
        raise ValueError(f"with the diagonal kept the one-step error never exceeds "
                         f"{stats.norm.cdf(-2):.4f}; level {level} is not reached")
    return float(((z - np.sqrt(z * z - 4)) / 2) ** 2)


def _ags_residual(y, alpha):
    return special.erf(y) - y * (np.sqrt(2 * alpha) + 2 / np.sqrt(np.pi) * np.exp(-y * y))


def _ags_y(alpha: float) -> float:
    """Largest root y > 0 of the AGS equation, or 0 when only y = 0 solves it."""
    # the retrieval root lies below 1/sqrt(2 alpha) (where erf(y) <= 1 = y sqrt(2 alpha))
    ys = np.linspace(1e-3, 1 / np.sqrt(2 * alpha) + 3.0, 20001)
    f = _ags_residual(ys, alpha)
    sign_change = np.flatnonzero(np.sign(f[:-1]) != np.sign(f[1:]))
    if sign_change.size == 0:
        return 0.0
    i = sign_change[-1]
    return optimize.brentq(_ags_residual, ys[i], ys[i + 1], args=(alpha,), xtol=1e-14)


def ags_overlap(alpha):
    r"""Replica-symmetric retrieval overlap :math:`m(\alpha)` at T = 0 (AGS 1987).

    Solves :math:`y(\sqrt{2\alpha} + \tfrac{2}{\sqrt\pi}e^{-y^2}) = \operatorname{erf}(y)`
    for its largest root and returns :math:`m = \operatorname{erf}(y)`; 0 above
    :math:`\alpha_c` (:func:`critical_capacity`), where no retrieval state exists.
    ``m(0.10) = 0.9980``, ``m(0.12) = 0.9932``, ``m(alpha_c) = 0.967``.
    """
    alpha = np.asarray(alpha, float)
    if np.any(alpha <= 0):
        raise ValueError("alpha must be > 0")
    ac = critical_capacity()
    out = np.array([special.erf(_ags_y(a)) if a <= ac else 0.0 for a in alpha.ravel()])
    return out.reshape(alpha.shape) if alpha.ndim else float(out[0])


@functools.cache
def critical_capacity() -> float:
    r"""AGS critical load :math:`\alpha_c \approx 0.1379` (largest α with a retrieval state).

    At :math:`\alpha_c` the two nonzero roots of the AGS equation merge; found by bisection
    on the existence of a nonzero root of the residual's maximum.
    """
    def has_root(a):
        res = optimize.minimize_scalar(lambda y: -_ags_residual(y, a), bounds=(0.5, 4),
                                       method="bounded", options={"xatol": 1e-12})
        return -res.fun > 0

    lo, hi = 0.10, 0.20
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if has_root(mid) else (lo, mid)
    return 0.5 * (lo + hi)


def perfect_recall_load(N, all_patterns: bool = False):
    r"""McEliece et al. load below which (most / all) patterns are exact fixed points.

    :math:`\alpha = 1/(2\ln N)` (most) or :math:`1/(4\ln N)` (all), i.e. ``P = N/(2 ln N)``
    (72 at N = 1000) or ``N/(4 ln N)`` (36).
    """
    N = np.asarray(N, float)
    return 1 / ((4 if all_patterns else 2) * np.log(N))


def fixed_point_fraction(alpha, N, zero_diagonal: bool = True):
    r"""Independent-bit approximation :math:`(1 - p_N)^N` of the fraction of fixed points.

    ``p_N`` is the exact finite-N one-step error. Bits of one pattern are weakly
    correlated (O(1/N)), so this is an approximation, good where the fraction is not tiny.
    """
    p = one_step_error(alpha, N, zero_diagonal)
    return np.exp(np.asarray(N, float) * np.log1p(-p))


def fixed_point_fraction_mixture(alpha, N, n_quantiles: int = 2000):
    r"""Fixed-point fraction with the crosstalk variance fluctuating from pattern to pattern.

    For one pattern μ the crosstalk at site i is :math:`C_i = \sum_{\nu\ne\mu}
    \xi^\mu_i\xi^\nu_i m_\nu` with overlaps :math:`m_\nu = \frac1N\sum_{k\ne i}\xi^\nu_k
    \xi^\mu_k` that every site shares: given them, the bits err independently with the
    conditional variance :math:`V = \sum_\nu m_\nu^2`, and V varies between patterns
    (:math:`V \approx \sigma^2\chi^2_{P-1}/(P-1)`, relative spread :math:`\sqrt{2/(P-1)}`,
    :math:`\sigma^2 = (P-1)(N-1)/N^2`). Hence

    .. math:: f \approx E_V\big[(1 - \Phi(-\tfrac{N-1}{N}/\sqrt V))^N\big]
       \;\ge\; (1 - p_N)^N,

    the mechanism of the shortfall of the independent-bit approximation
    :func:`fixed_point_fraction`. Gaussian crosstalk given V is an approximation too (its
    marginal tail is heavier than the exact binomial one): it describes the tail of the
    fraction, not its shoulder (docs/hopfield.md §4).
    """
    from scipy import stats

    alpha, N = np.broadcast_arrays(np.asarray(alpha, float), np.asarray(N, float))
    P = np.maximum(np.rint(alpha * N), 2.0)
    k = P - 1
    u = (np.arange(n_quantiles) + 0.5) / n_quantiles
    V = ((k * (N - 1) / N**2)[..., None] * stats.chi2.ppf(u, k[..., None]) / k[..., None])
    logq = stats.norm.logsf(-((N - 1) / N)[..., None] / np.sqrt(V))  # log(1 - p(V))
    return np.exp(N[..., None] * logq).mean(axis=-1)


# --------------------------------------------------------------------------- comparison

def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Add theory variables beside the simulated ones, on the merged coordinates."""
    zero = bool(ds.attrs["zero_diagonal"])
    alpha, N = xr.broadcast(ds.alpha, ds.N)
    ds = ds.copy()
    ds["one_step_error_theory"] = (
        ("alpha", "N"), one_step_error(alpha.values, N.values, zero),
        cf_attrs("one-step error, exact finite-N binomial theory"))
    ds["one_step_error_theory_large_N"] = (
        "alpha", one_step_error(ds.alpha.values, None, zero),
        cf_attrs("one-step error, large-N theory Phi(-1/sqrt(alpha))"))
    ds["fixed_point_fraction_theory"] = (
        ("alpha", "N"), fixed_point_fraction(alpha.values, N.values, zero),
        cf_attrs("fixed-point fraction, independent-bit approximation (1-p_N)^N"))
    ds["fixed_point_fraction_mixture"] = (
        ("alpha", "N"), fixed_point_fraction_mixture(alpha.values, N.values),
        cf_attrs("fixed-point fraction, bits independent given the pattern overlaps "
                 "(crosstalk variance fluctuating between patterns; approximation)"))
    ds["overlap_theory"] = ("alpha", ags_overlap(ds.alpha.values),
                            cf_attrs("AGS replica-symmetric retrieval overlap (T=0)"))
    ds.attrs["critical_capacity"] = critical_capacity()
    return ds.transpose("N", "alpha", ...)


def crossing(x: np.ndarray, y: np.ndarray, level: float, log: bool = False) -> float:
    """First x where y (increasing or decreasing) crosses ``level``, by linear interpolation.

    With ``log=True`` interpolation is in log y. NaN when y never crosses.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    above = y >= level if y[-1] >= y[0] else y <= level
    i = np.flatnonzero(above)
    if i.size == 0 or i[0] == 0:
        return np.nan
    i = i[0]
    y0, y1 = y[i - 1], y[i]
    if log:
        if y0 <= 0:
            return float(x[i])
        y0, y1, level = np.log(y0), np.log(y1), np.log(level)
    return float(x[i - 1] + (level - y0) * (x[i] - x[i - 1]) / (y1 - y0))


def empirical_capacities(ds: xr.Dataset, n_boot: int = 400, seed: int = 0,
                         error_level: float = 0.01, overlap_level: float = 0.8,
                         fixed_level: float = 0.9) -> xr.Dataset:
    """Empirical capacities per N with bootstrap standard errors (resampling networks).

    * ``alpha_one_step``: α where the mean one-step error crosses ``error_level``;
    * ``alpha_retrieval``: α where the mean final overlap (from a stored pattern) falls below
      ``overlap_level`` (midway between retrieval, m ≥ 0.967, and the spin-glass m ≈ 0.3);
    * ``alpha_fixed_points``: α where the fraction of patterns that are exact fixed points
      falls below ``fixed_level`` (most patterns fixed: McEliece's regime).
    """
    rng = np.random.default_rng(seed)
    n = ds.sizes["network"]
    boot = rng.integers(0, n, size=(n_boot, n))
    specs = {"alpha_one_step": ("one_step_error", error_level, True),
             "alpha_retrieval": ("overlap", overlap_level, False),
             "alpha_fixed_points": ("fixed_point_fraction", fixed_level, False)}
    x = ds.alpha.values
    out = {}
    for name, (var, level, log) in specs.items():
        vals = ds[var].transpose("N", "alpha", "network").values
        est = np.array([crossing(x, v.mean(-1), level, log) for v in vals])
        bs = np.array([[crossing(x, v[:, b].mean(-1), level, log) for b in boot]
                       for v in vals])
        se = np.nanstd(bs, axis=1, ddof=1)
        out[name] = ("N", est, cf_attrs(f"empirical load at {var} = {level:g}"))
        out[name + "_se"] = ("N", se, cf_attrs(f"bootstrap standard error of {name}"))
    return xr.Dataset(out, coords={"N": ds.N})


def finite_size_extrapolation(N, alpha, se):
    r"""Weighted fit :math:`\alpha(N) = \alpha_\infty + c\,N^{-\nu}` of a finite-N capacity.

    The retrieval limit of finite networks lies above :math:`\alpha_c` and approaches it as a
    power of N whose exponent is not known in closed form, so ``nu`` is fitted too (weights:
    the bootstrap SEs ``se``; needs at least four sizes). Returns ``dict`` with ``alpha_inf``,
    ``c``, ``nu``, their standard errors (``*_se``: the fit covariance, widened by
    sqrt(chi2/dof) when the fit is worse than its errors) and ``chi2`` with its ``dof``.
    """
    N, alpha, se = (np.asarray(x, float) for x in (N, alpha, se))
    ok = np.isfinite(alpha) & np.isfinite(se) & (se > 0)
    N, alpha, se = N[ok], alpha[ok], se[ok]
    if N.size < 4:
        raise ValueError(f"a three-parameter finite-size fit needs >= 4 sizes, got {N.size}")

    def model(n, a_inf, c, nu):
        return a_inf + c * n ** -nu

    p, cov = optimize.curve_fit(model, N, alpha, p0=(critical_capacity(), 1.0, 0.5), sigma=se,
                                absolute_sigma=True, maxfev=20000)
    chi2 = float((((alpha - model(N, *p)) / se) ** 2).sum())
    dof = int(N.size - 3)
    # a fit worse than its errors (chi2/dof > 1) widens them by the Birge ratio
    err = np.sqrt(np.diag(cov) * max(1.0, chi2 / dof if dof else 1.0))
    return {"alpha_inf": p[0], "c": p[1], "nu": p[2], "alpha_inf_se": err[0], "c_se": err[1],
            "nu_se": err[2], "chi2": chi2, "dof": dof}


def one_step_error_se(ds: xr.Dataset):
    """Mean one-step error over networks and its standard error.

    Bits of one network are correlated through shared patterns and neurons (the variance of a
    network's error rate is 1.5-3x binomial), and a handful of networks estimate their spread
    poorly. The SE is therefore the largest of: the sample SE across networks, the
    within-network crossed (pattern x neuron) estimate averaged over networks, and the
    binomial SE of the theory over all bits. Where errors are rare (fewer than
    ``RARE_FLIPS`` expected per network) the sample estimates are meaningless (one network
    with one flip gives z = 1 whatever happened), and the binomial SE of the theory alone is
    used: flips are then nearly independent, and their count over all networks is binomial.
    """
    n = ds.sizes["network"]
    err = ds.one_step_error.mean("network")
    between = ds.one_step_error.var("network", ddof=1)
    within = ds.one_step_error_var.mean("network")
    p = ds.one_step_error_theory
    binom = p * (1 - p) / (ds.P * ds.N)
    sampled = np.maximum(np.maximum(between, within), binom)
    rare = p * ds.P * ds.N < RARE_FLIPS
    return err, np.sqrt(xr.where(rare, binom, sampled) / n)


def _poisson_z(count: int, mean: float) -> float:
    """Signed normal quantile of the two-sided Poisson tail probability of ``count``."""
    if mean <= 0:
        return 0.0 if count == 0 else np.inf
    lower, upper = stats.poisson.cdf(count, mean), stats.poisson.sf(count - 1, mean)
    p = min(1.0, 2 * min(lower, upper))
    return float(np.sign(count - mean) * stats.norm.isf(p / 2)) if p < 1 else 0.0


#: expected flips per network below which the one-step error SE comes from the theory alone
RARE_FLIPS = 10.0
#: expected flipped bits (summed over networks and starts) needed to check 1 - m against AGS
MIN_OVERLAP_FLIPS = 20.0


# ------------------------------------------------------------------------------- checks
def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """Theory-versus-simulation checks of a merged Hopfield dataset (with theory added).

    * ``reference``: the large-N load at 1 % one-step error, alpha_c and m(0.10) against the
      published values;
    * ``prediction``: the empirical load at 1 % one-step error against the exact finite-N
      theory put through the same grid interpolation (bootstrap SE), the retrieval defect
      1 - m against AGS on the retrieval branch at the largest N, and the one-step error at
      every point with N >= 500 against the exact finite-N binomial theory; each family
      Sidak-corrected to a family-wise 3 sigma;
    * ``fitted``: the N -> infinity retrieval limit extrapolated by a three-parameter fit to
      the same crossings, against AGS alpha_c;
    * ``bound``: no asynchronous trajectory hit ``max_sweeps`` (a health flag).
    """
    out = [
        chk.within("theory_alpha_at_1pct_one_step_error",
                   "large-N load at 1% one-step error (HKP Table 2.1: 0.185)",
                   0.185, alpha_at_one_step_error(0.01), 0.0005),
        chk.within("theory_critical_capacity", "AGS critical load alpha_c (0.138)",
                   0.1379, critical_capacity(), 0.0005),
        chk.within("theory_ags_overlap_0.10", "AGS retrieval overlap m(0.10) = 0.9980",
                   0.9980, ags_overlap(0.10), 0.0005),
    ]
    caps = empirical_capacities(ds)
    dof = ds.sizes["network"] - 1  # SEs from the network replicates: Student t
    crossings = []
    for N in ds.N.values:
        a, se = float(caps.alpha_one_step.sel(N=N)), float(caps.alpha_one_step_se.sel(N=N))
        # the empirical load interpolates log(error) linearly between grid loads: the theory
        # goes through the same interpolation (else its curvature biases the comparison by
        # up to 3 SE at N = 4000)
        th = crossing(ds.alpha.values, ds.one_step_error_theory.sel(N=N).values, 0.01, True)
        if np.isfinite(a) and np.isfinite(se) and np.isfinite(th):  # the grid crosses 1 %
            crossings.append((N, a, se, th))
    z1 = chk.sidak(len(crossings), dof=dof) if crossings else np.nan
    for N, a, se, th in crossings:
        exact = alpha_at_one_step_error(0.01, N=int(N))
        out.append(chk.within_se(
            f"alpha_at_1pct_one_step_error_N{N}",
            f"load where the mean one-step error crosses 1 %, N={N}: log-linear interpolation "
            f"on the alpha grid, bootstrap SE over networks; theory: exact finite-N error "
            f"through the same interpolation (Gaussian-form root {exact:.4f}; large N 0.1848); "
            f"Sidak over {len(crossings)} sizes, Student t", th, a, se, z1, dof=dof))
    N = int(ds.N.max())
    pt = ds.sel(N=N)
    flips = (1 - pt.overlap_theory) / 2 * N * pt.starts_per_network * ds.sizes["network"]
    branch = (pt.alpha <= 0.12) & (flips >= MIN_OVERLAP_FLIPS)
    alphas = pt.alpha.values[branch.values]
    z2 = chk.sidak(len(alphas), dof=dof)
    for alpha in alphas:
        m, se = chk.mean_se(pt.overlap.sel(alpha=alpha), "network")
        out.append(chk.within_se(
            f"retrieval_defect_N{N}_alpha{alpha:.3f}",
            f"1 - m after asynchronous dynamics from a stored pattern, N={N}, alpha={alpha:.3f} "
            "vs AGS replica-symmetric 1 - m (retrieval branch, alpha <= 0.12); SE over "
            f"networks; Sidak over {len(alphas)} loads, Student t",
            float(1 - pt.overlap_theory.sel(alpha=alpha)), float(1 - m), float(se), z2,
            dof=dof))
    if ds.sizes["N"] >= 4:
        fit = finite_size_extrapolation(ds.N.values, caps.alpha_retrieval.values,
                                        caps.alpha_retrieval_se.values)
        out.append(chk.within_se(
            "retrieval_limit_extrapolated",
            f"retrieval limit (mean overlap from a stored pattern falls below 0.8) at N = "
            f"{', '.join(map(str, ds.N.values))}, extrapolated to N -> infinity by a weighted "
            f"fit alpha_inf + c N^-nu (nu = {fit['nu']:.2f} +- {fit['nu_se']:.2f}, chi2 = "
            f"{fit['chi2']:.1f} for {fit['dof']} dof; SE of alpha_inf from the fit, widened by "
            "sqrt(chi2/dof) when above 1) vs AGS alpha_c; fitted: three parameters from the "
            "same crossings", critical_capacity(), fit["alpha_inf"], fit["alpha_inf_se"], 3.0,
            kind="fitted"))
    err, se = one_step_error_se(ds)
    theory = ds.one_step_error_theory
    n_net = ds.sizes["network"]
    common, rare = [], {}
    for N in ds.N.values[ds.N.values >= 500]:
        for alpha in ds.alpha.values:
            pt = dict(N=N, alpha=alpha)
            bits = n_net * int(ds.P.sel(pt)) * int(N)
            if float(theory.sel(pt)) * bits / n_net < RARE_FLIPS:
                rare.setdefault(int(N), []).append((pt, bits))
            else:
                common.append(pt)
    z3 = chk.sidak(len(common) + len(rare))
    for pt in common:
        out.append(chk.within_se(
            f"one_step_error_N{pt['N']}_alpha{pt['alpha']:.3f}",
            f"one-step error vs exact finite-N theory, N={pt['N']}, alpha={pt['alpha']:.3f}; "
            "SE: largest of between-network, crossed within-network and binomial; Sidak over "
            f"{len(common) + len(rare)}", float(theory.sel(pt)), float(err.sel(pt)),
            float(se.sel(pt)), z3))
    for N, group in rare.items():
        # rare flips: one Poisson count per N, pooled over the loads where fewer than
        # RARE_FLIPS flips per network are expected (each alone would have no power); z is
        # the normal quantile of the count's exact two-sided tail probability
        count = sum(round(float(err.sel(pt)) * bits) for pt, bits in group)
        mean = sum(float(theory.sel(pt)) * bits for pt, bits in group)
        z = _poisson_z(count, mean)
        alphas = [float(pt["alpha"]) for pt, _ in group]
        out.append(chk.Check(
            f"one_step_error_rare_N{N}",
            "prediction",
            f"one-step flips counted over the {len(group)} loads alpha = {min(alphas):.3f}.."
            f"{max(alphas):.3f} at N={N} where fewer than {RARE_FLIPS:g} flips per network are "
            f"expected, vs the exact finite-N theory's Poisson mean; z from the exact two-sided "
            f"Poisson tail, threshold {z3:.3g} (Sidak over {len(common) + len(rare)}); "
            "tolerance: the count deviation at the threshold, z3 sqrt(mean)",
            mean, float(count), z3 * math.sqrt(mean), z, bool(abs(z) <= z3)))
    unconverged = int(ds.n_unconverged.sum())
    out.append(chk.at_most("all_trajectories_converged",
                           "asynchronous trajectories that hit max_sweeps (a health flag of the "
                           "numerics: the energy falls with every flip, so only a too small "
                           "max_sweeps can fail it)", 0, unconverged))
    return out
