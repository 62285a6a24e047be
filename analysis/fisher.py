r"""Fisher memory curves of linear recurrent networks: theory, checks and figures.

Model (Ganguli, Huh & Sompolinsky, PNAS 105:18970, 2008; ``docs/fisher.md`` §2):

.. math:: x(n) = W x(n-1) + v\,s(n) + z(n), \qquad
          \langle z_i z_j\rangle = \varepsilon\,\delta_{ij}.

The Fisher memory curve, in units of :math:`1/\varepsilon` when ``eps = 1`` (as the paper
reports it), is

.. math:: J(k) = v^\top W^{k\top} C_n^{-1} W^k v, \qquad C_n = W C_n W^\top + \varepsilon I,

the spatial Fisher matrix :math:`J_s = \sum_k W^{k\top} C_n^{-1} W^k` (``Tr J_s = N``) and the
total memory :math:`J_{tot} = v^\top J_s v \le N`. Normal W: :math:`J(k) = \sum_i |v_i|^2
|\lambda_i|^{2k}(1-|\lambda_i|^2)` and the sum rule :math:`J_{tot} = 1`.

Numerics: both Lyapunov-type equations are solved by Smith's doubling iteration
(:math:`X \leftarrow X + A X A^\top`, :math:`A \leftarrow A^2`), which needs no matrix power of
large k, converges quadratically for spectral radius < 1, terminates exactly for nilpotent W
(delay lines, including amplifying ones whose covariance spans 40 orders of magnitude), and
reports a clear error otherwise. ``W^k v`` is iterated as vectors.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import xarray as xr
from scipy import special

from memory_dynamics.io import cf_attrs

from . import checks as chk

#: a count-valued unit UDUNITS has no name for: units "1", the unit in a comment
PER_EPS = {"units": "1", "comment": "in units of 1/eps, eps the input-noise variance"}

__all__ = [
    "check_network",
    "spectral_radius",
    "noise_covariance",
    "fisher_memory_curve",
    "fisher_memory",
    "fisher_memory_curve_normal",
    "spatial_fisher_matrix",
    "total_fisher_memory",
    "optimal_input",
    "delay_line_fisher",
    "delay_line_total",
    "orthogonal_fisher",
    "symmetric_ensemble_fisher",
    "memory_curve",
    "krylov",
    "UnstableNetworkError",
]

REFERENCES = ("Ganguli, Huh & Sompolinsky (2008) PNAS 105:18970; Ganguli (2008) PhD thesis; "
              "Jaeger (2001) GMD Report 152")
TITLE = "Fisher memory curves of linear recurrent networks"


class UnstableNetworkError(ValueError):
    """Raised when W has spectral radius >= 1: no stationary noise covariance exists."""


#: What a NaN or inf in the merged dataset means (non_finite_where says where).
NON_FINITE = {
    r"J|J_total|J_total_optimal|trace_Js|spectral_radius|n_rejected|J_sim_theory":
        "NaN at alpha >= 1 for every ensemble but delay_line: the point is skipped (unstable)",
    r"J_sim|J_sim_se":
        "NaN where N is not in simulate_N, or at a skipped point (alpha >= 1, not delay_line)",
    r"J_sim_tanh|J_sim_tanh_se|tanh_preact_rms|tanh_pulse_peak":
        "NaN where N is not in simulate_N, or at alpha >= 1: the tanh network runs only at "
        "alpha < 1 (also for the delay line)",
    r"J_orthogonal_theory|J_symmetric_theory":
        "NaN at alpha >= 1: the closed-form theory exists only for stable gains alpha < 1",
}

def check_network(W, v=None):
    """Validate W (square, finite) and v (length N, finite, nonzero); return float arrays."""
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix, got shape {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError("W has non-finite entries (inf or NaN)")
    if v is None:
        return W
    v = np.asarray(v, dtype=float).ravel()
    if v.shape != (W.shape[0],):
        raise ValueError(f"v must have length N = {W.shape[0]}, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("v has non-finite entries")
    if not np.any(v):
        raise ValueError("v is the zero vector: the input does not enter the network")
    return W, v


def spectral_radius(W) -> float:
    """Largest eigenvalue modulus of W."""
    return float(np.max(np.abs(np.linalg.eigvals(check_network(W)))))


def _smith(A: np.ndarray, Q: np.ndarray, W: np.ndarray, max_doublings: int = 64
           ) -> np.ndarray:
    """Solve X = A X A^T + Q by doubling: X_{j+1} = X_j + A_j X_j A_j^T, A_{j+1} = A_j^2.

    After j steps X_j holds the first 2^j terms of sum_m A^m Q A^mT. ``W`` is only used to
    report the spectral radius when the series does not converge.
    """
    X = Q.copy()
    for _ in range(max_doublings):
        if not np.any(A):
            return X  # nilpotent: the series has ended exactly
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            step = (A @ X) @ A.T
            X_new = X + step
        if not np.all(np.isfinite(X_new)):
            break
        if np.max(np.abs(step)) <= 1e-17 * np.max(np.abs(X_new)):
            return X_new
        X = X_new
        with np.errstate(over="ignore", invalid="ignore"):
            A = A @ A
    raise UnstableNetworkError(
        f"spectral radius of W is {spectral_radius(W):.6g} >= 1: the stationary noise "
        "covariance does not exist (the network is not stable); rescale W")


def noise_covariance(W, eps: float = 1.0) -> np.ndarray:
    r"""Stationary noise covariance :math:`C_n = \varepsilon \sum_{m\ge0} W^m W^{m\top}`.

    Solves the discrete Lyapunov equation :math:`C = W C W^\top + \varepsilon I`.

    Raises
    ------
    UnstableNetworkError
        When the spectral radius of W is >= 1.
    """
    W = check_network(W)
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    return _smith(W, eps * np.eye(W.shape[0]), W)


def _cholesky(C: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.cholesky(C)
    except np.linalg.LinAlgError as e:
        raise ValueError("the noise covariance is not numerically positive definite "
                         f"(condition number {np.linalg.cond(C):.3g})") from e


def krylov(W: np.ndarray, v: np.ndarray, k_max: int) -> np.ndarray:
    """Columns W^k v for k = 0..k_max, iterated as vectors (never a matrix power)."""
    U = np.empty((W.shape[0], k_max + 1))
    U[:, 0] = v
    for k in range(k_max):
        np.matmul(W, U[:, k], out=U[:, k + 1])
    return U


def _quad_inv(L: np.ndarray, U: np.ndarray) -> np.ndarray:
    """Columnwise u^T (L L^T)^{-1} u."""
    Y = sla.solve_triangular(L, U, lower=True, check_finite=False)
    return np.einsum("ik,ik->k", Y, Y)


def fisher_memory_curve(W, v, k_max: int, eps: float = 1.0) -> np.ndarray:
    r"""Fisher memory curve :math:`J(k) = v^\top W^{k\top} C_n^{-1} W^k v`, k = 0..k_max.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Connectivity; spectral radius < 1, or nilpotent (delay lines, any gain).
    v : array_like, shape (N,)
        Input vector (the paper takes ``|v| = 1``; J scales with ``|v|^2``).
    k_max : int
        Largest lag.
    eps : float
        Noise variance; with ``eps = 1`` J is in units of :math:`1/\varepsilon`.

    Returns
    -------
    ndarray, shape (k_max + 1,)
    """
    return fisher_memory(W, v, k_max, eps, spatial=False)[0]


def fisher_memory(W, v, k_max: int, eps: float = 1.0, spatial: bool = True):
    """J(k) for k = 0..k_max and (if ``spatial``) J_s, from one noise covariance.

    The Lyapunov solve and its Cholesky factor are shared, so a caller that needs both
    (the Fisher study does, for every sampled network) pays for them once.
    """
    W, v = check_network(W, v)
    if int(k_max) < 0:
        raise ValueError(f"k_max must be >= 0, got {k_max}")
    L = _cholesky(noise_covariance(W, eps))
    J = _quad_inv(L, krylov(W, v, int(k_max)))
    return J, (_spatial_from_cholesky(W, L) if spatial else None)


def fisher_memory_curve_normal(eigenvalues, v_components, k_max: int) -> np.ndarray:
    r"""Closed form for normal W: :math:`J(k)=\sum_i |v_i|^2 |\lambda_i|^{2k}(1-|\lambda_i|^2)`.

    ``v_components`` are the components of v in the orthonormal eigenbasis of W.
    """
    lam2 = np.abs(np.asarray(eigenvalues)) ** 2
    if np.any(lam2 >= 1):
        raise UnstableNetworkError(f"eigenvalue modulus {np.sqrt(lam2.max()):.6g} >= 1")
    p = np.abs(np.asarray(v_components)) ** 2
    k = np.arange(int(k_max) + 1)[:, None]
    return (p * lam2**k * (1 - lam2)).sum(axis=1)


def spatial_fisher_matrix(W, eps: float = 1.0) -> np.ndarray:
    r"""Spatial Fisher matrix :math:`J_s = \sum_k W^{k\top} C_n^{-1} W^k` (Tr = N/eps).

    Solves :math:`J_s = W^\top J_s W + C_n^{-1}` by doubling.
    """
    W = check_network(W)
    return _spatial_from_cholesky(W, _cholesky(noise_covariance(W, eps)))


def _spatial_from_cholesky(W: np.ndarray, L: np.ndarray) -> np.ndarray:
    """J_s from the Cholesky factor L of C_n: solves J_s = W^T J_s W + C_n^-1."""
    Cinv = sla.cho_solve((L, True), np.eye(W.shape[0]))
    Js = _smith(W.T, 0.5 * (Cinv + Cinv.T), W)
    return 0.5 * (Js + Js.T)


def total_fisher_memory(W, v, eps: float = 1.0) -> float:
    r"""Total memory :math:`J_{tot} = \sum_{k\ge0} J(k) = v^\top J_s v`
    (the exact infinite sum)."""
    W, v = check_network(W, v)
    return float(v @ spatial_fisher_matrix(W, eps) @ v)


def optimal_input(W, eps: float = 1.0) -> tuple[np.ndarray, float]:
    """Unit input vector maximising J_tot (top eigenvector of J_s) and its J_tot."""
    vals, vecs = np.linalg.eigh(spatial_fisher_matrix(W, eps))
    return vecs[:, -1], float(vals[-1])


def delay_line_fisher(N: int, alpha: float, k_max: int) -> np.ndarray:
    r"""Delay line :math:`W_{i+1,i}=\sqrt\alpha`, v = e1: :math:`J(k)=\alpha^k(1-\alpha)/
    (1-\alpha^{k+1})` for k < N (1/(k+1) at alpha = 1), 0 after. Valid for any alpha > 0."""
    k = np.arange(int(k_max) + 1, dtype=float)
    if alpha == 1:
        J = 1 / (k + 1)
    else:  # (1-a)/(a^-k - a): no overflow for amplifying chains
        J = (1 - alpha) / (alpha ** (-k) - alpha)
    return np.where(k < N, J, 0.0)


def delay_line_total(N: int, alpha: float) -> float:
    r""":math:`J_{tot} = \frac{1-\alpha}{\alpha}\sum_{m=1}^{N} \frac{\alpha^m}{1-\alpha^m}`
    (3.0096 at alpha = 0.9, N = 100; 11.906 at alpha = 1.1)."""
    return float(delay_line_fisher(N, alpha, N - 1).sum())


def orthogonal_fisher(alpha, k_max: int) -> np.ndarray:
    r"""Scaled orthogonal :math:`W = \sqrt\alpha Q` (and the delay ring), any unit v:
    :math:`J(k) = \alpha^k(1-\alpha)`."""
    k = np.arange(int(k_max) + 1)
    return alpha**k * (1 - alpha)


def symmetric_ensemble_fisher(alpha, k_max: int) -> np.ndarray:
    r"""Large-N mean J(k) of random symmetric W (entry variance alpha/4N, random unit v).

    The eigenvalues fill a semicircle of radius :math:`\sqrt\alpha`, so
    :math:`J(k) = \alpha^k \tfrac{2}{\pi}[B(k+\tfrac12,\tfrac32) -
    \alpha B(k+\tfrac32,\tfrac32)]`, which decays as :math:`k^{-5/2}` at alpha = 1.
    """
    k = np.arange(int(k_max) + 1, dtype=float)
    return (alpha**k * (2 / np.pi)
            * (special.beta(k + 0.5, 1.5) - alpha * special.beta(k + 1.5, 1.5)))


def memory_curve(W, v, eps: float = 1.0, sigma2: float = 1.0, k_max: int = 100
                 ) -> np.ndarray:
    r"""Memory curve of the optimal linear readout (Jaeger's :math:`r^2`), exact.

    :math:`m(k) = \sigma^2 w_k^\top \Sigma_x^{-1} w_k` with :math:`w_k = W^k v` and
    :math:`\Sigma_x = \sigma^2 \sum_k w_k w_k^\top + C_n` for i.i.d. input of variance
    :math:`\sigma^2`. :math:`\sum_k m(k) \le N`, with equality without noise (``eps = 0``)
    when the controllability matrix has full rank.
    """
    W, v = check_network(W, v)
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    S = _smith(W, np.outer(v, v), W)
    if eps == 0 and spectral_radius(W) >= 1:
        raise UnstableNetworkError("spectral radius of W >= 1: no stationary state")
    C = noise_covariance(W, eps) if eps > 0 else 0.0  # eps = 0: noiseless reservoir
    L = _cholesky(sigma2 * S + C)
    return sigma2 * _quad_inv(L, krylov(W, v, int(k_max)))


# --------------------------------------------------------------------------- comparison

def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Add closed-form theory beside the sampled and simulated variables."""

    k_max = int(ds.k.max())
    stable = ds.alpha.values < 1
    orth = np.array([orthogonal_fisher(a, k_max) if s else np.full(k_max + 1, np.nan)
                     for a, s in zip(ds.alpha.values, stable)])
    sym = np.array([symmetric_ensemble_fisher(a, k_max) if s else np.full(k_max + 1, np.nan)
                    for a, s in zip(ds.alpha.values, stable)])
    dl = np.array([[delay_line_fisher(int(n), a, k_max) for a in ds.alpha.values]
                   for n in ds.N.values])
    dl_tot = np.array([[delay_line_total(int(n), a) for a in ds.alpha.values]
                       for n in ds.N.values])
    ds = ds.copy()
    ds["J_orthogonal_theory"] = (("alpha", "k"), orth, cf_attrs(
        "J(k) = alpha^k (1 - alpha) of scaled orthogonal W and the delay ring (NaN: alpha >= 1)",
        **PER_EPS))
    ds["J_symmetric_theory"] = (("alpha", "k"), sym, cf_attrs(
        "large-N mean J(k) of random symmetric W (semicircle law; NaN: alpha >= 1)", **PER_EPS))
    ds["J_delay_line_theory"] = (("N", "alpha", "k"), dl, cf_attrs(
        "delay line J(k) = alpha^k (1-alpha)/(1-alpha^(k+1)), k < N", **PER_EPS))
    ds["J_total_delay_line_theory"] = (("N", "alpha"), dl_tot, cf_attrs(
        "delay line J_tot = (1-alpha)/alpha sum_m alpha^m/(1-alpha^m)", **PER_EPS))
    ds["J_sim_theory"] = ds.J.isel(network=0).sel(k=ds.lag).drop_vars(["network", "k"])
    ds["J_sim_theory"].attrs = cf_attrs("exact J(k) of the simulated network (network 0)",
                                        **PER_EPS)
    return ds.transpose("ensemble", "N", "alpha", "network", "k", "lag", ...)


def loglog_slope(k, J, window):
    """Least-squares slope of log J against log k over ``window`` = (k_lo, k_hi)."""
    sel = (k >= window[0]) & (k <= window[1])
    return float(np.polyfit(np.log(k[sel]), np.log(J[sel]), 1)[0])


EXPONENT_WINDOW = (5, 40)
#: the tanh network is compared with the linear theory where its rms pre-activation and the
#: largest single-neuron kick of the probe pulse are at most this (tanh(a) = a(1 - a^2/3 +
#: ...): relative corrections of order 1e-3)
LINEAR_RMS = 0.05


def linear_regime(ds):
    """Where the simulated tanh network is in its linear regime (see LINEAR_RMS)."""
    peak = ds.tanh_pulse_peak if "tanh_pulse_peak" in ds else 0.0
    return (ds.tanh_preact_rms <= LINEAR_RMS) & (peak <= LINEAR_RMS)
#: Below this N the largest eigenvalues fluctuate by ~N^(-2/3) enough to cut the power law
#: off inside EXPONENT_WINDOW, so the exponent is only checked for N >= 200.
EXPONENT_MIN_N = 200


def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """Theory-versus-computation and theory-versus-simulation checks of the Fisher study."""
    out = []
    ens = list(ds.ensemble.values)
    stable = ds.alpha.values < 1
    for e in ("orthogonal", "symmetric", "delay_ring"):
        if e in ens:
            tot = ds.J_total.sel(ensemble=e).isel(alpha=stable).values.ravel()
            worst = tot[np.nanargmax(np.abs(tot - 1))]
            out.append(chk.within(f"sum_rule_{e}", f"J_tot = 1 for every {e} network "
                                  "(normal W), worst network (an identity of the solver)",
                                  1.0, worst, 1e-6, kind="identity"))
    for e in ("orthogonal", "delay_ring"):
        if e in ens:
            d = np.abs(ds.J.sel(ensemble=e).isel(alpha=stable) - ds.J_orthogonal_theory
                       .isel(alpha=stable))
            out.append(chk.within(f"closed_form_{e}", f"{e}: max |J(k) - alpha^k(1-alpha)| "
                                  "over networks, N, alpha, k", 0.0, float(d.max()), 1e-8))
    for e in ens:
        dev = (ds.trace_Js.sel(ensemble=e) - ds.N).values
        ok = np.isfinite(dev)
        worst = dev[ok][np.argmax(np.abs(dev[ok]))]
        out.append(chk.within(f"trace_Js_{e}", f"{e}: Tr J_s - N, worst network "
                              "(Tr J_s = N, an identity of the solver)", 0.0, float(worst),
                              1e-8, kind="identity"))
        ratio = (ds.J_total_optimal.sel(ensemble=e) / ds.N).values
        out.append(chk.at_most(f"bound_{e}", f"{e}: max J_tot(optimal v) / N over networks "
                               "(J_tot <= N)", 1.0 + 1e-9, float(np.nanmax(ratio))))
    if "delay_line" in ens:
        for N in ds.N.values:
            for a in ds.alpha.values:
                th = float(ds.J_total_delay_line_theory.sel(N=N, alpha=a))
                got = float(ds.J_total.sel(ensemble="delay_line", N=N, alpha=a)
                            .isel(network=0))
                out.append(chk.within(f"delay_line_total_N{N}_alpha{a:g}",
                                      "delay line J_tot, general formula vs closed form "
                                      "(relative)", 1.0, got / th, 1e-8))
    big = ds.N.values[ds.N.values >= EXPONENT_MIN_N]
    if "symmetric" in ens and big.size:
        a = float(ds.alpha.values[stable].max())
        N = int(big.max())
        J = ds.J.sel(ensemble="symmetric", alpha=a, N=N).values
        k = ds.k.values.astype(float)
        slopes = np.array([loglog_slope(k, j, EXPONENT_WINDOW) for j in J])
        _, se = chk.mean_se(slopes)
        th = loglog_slope(k, symmetric_ensemble_fisher(a, int(k[-1])), EXPONENT_WINDOW)
        out.append(chk.within_se(
            "symmetric_decay_exponent",
            f"random symmetric W, N={N}, alpha={a:g}: mean log-log slope of J(k) over "
            f"k in {EXPONENT_WINDOW} vs the large-N semicircle theory's slope there",
            th, float(slopes.mean()), float(se), chk.sidak(1, dof=len(slopes) - 1),
            dof=len(slopes) - 1))
    sims = []
    for var in ("J_sim", "J_sim_tanh"):
        est, se = ds[var], ds[var + "_se"]
        th = ds.J_sim_theory.broadcast_like(est)
        use = np.isfinite(est) & (se > 0) & (se < th)  # where the SE resolves J at all
        if var == "J_sim_tanh":  # the linear theory applies in the linear regime only
            use = use & linear_regime(ds)
        for idx in zip(*np.nonzero(use.values)):
            sims.append((var, idx))
    # the jackknife SE has (groups - 1) degrees of freedom: Student t
    dof = int(ds.attrs["jackknife_groups"]) - 1
    zstar = chk.sidak(len(sims), dof=dof)
    for var, idx in sims:
        sel = {d: ds[var][d].values[i] for d, i in zip(ds[var].dims, idx)}
        if var.endswith("tanh"):
            at = {k: v for k, v in sel.items() if k != "lag"}
            rms, peak = float(ds.tanh_preact_rms.sel(at)), float(ds.tanh_pulse_peak.sel(at))
            what = (f"tanh at noise {sel['tanh_eps']:g} (rms pre-activation {rms:.2g}, pulse "
                    f"peak {peak:.2g}, both <= {LINEAR_RMS:g}: linear "
                    "regime)")
            name = f"{var}_{sel['ensemble']}_N{sel['N']}_alpha{sel['alpha']:g}_eps" \
                   f"{sel['tanh_eps']:g}_k{sel['lag']}"
        else:
            what, name = "linear", f"{var}_{sel['ensemble']}_N{sel['N']}_alpha" \
                                   f"{sel['alpha']:g}_k{sel['lag']}"
        out.append(chk.within_se(
            name, f"J(k) of the {what} network estimated from driven noisy runs "
            "(pulse-triggered response, residual covariance) vs the exact linear theory of "
            f"the same network; group-jackknife SE; Sidak over {len(sims)} comparisons"
            + ("; linear by construction, so a test of the tanh code, not of tanh science"
               if var.endswith("tanh") else ""),
            float(ds.J_sim_theory.sel({k: v for k, v in sel.items() if k != "tanh_eps"})),
            float(ds[var].sel(sel)), float(ds[var + "_se"].sel(sel)), zstar, dof=dof,
            kind="identity" if var.endswith("tanh") else "prediction"))
    return out

