r"""Echo-state memory capacity: theory, checks and figures.

Jaeger's memory function (GMD Report 152, 2001): :math:`MC_k = r^2(u(n-k), y_k(n))` for the
best linear readout :math:`y_k` of the reservoir state, and :math:`MC = \sum_k MC_k \le N` for
i.i.d. input. For a linear reservoir with state noise the optimal readout is known exactly
(``docs/reservoir.md`` §2): :math:`m(k) = \sigma^2 w_k^\top\Sigma_x^{-1}w_k`,
:math:`w_k = W^kv`, :math:`\Sigma_x = \sigma^2\sum_k w_kw_k^\top + C_n`
(:func:`analysis.fisher.memory_curve`, shared with the Fisher study); without noise and with
a full-rank controllability matrix, :math:`\sum_k m(k) = N`. It is bounded by the Fisher
memory of the same network, :math:`m(k) \le \sigma^2 J(k)`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import checks as chk
from . import fisher as _fisher

__all__ = ["linear_memory_function", "noise_free_memory", "add_theory", "make_checks"]

TITLE = "Echo-state reservoir memory capacity"
REFERENCES = ("Jaeger (2001) GMD Report 152; White, Lee & Sompolinsky (2004) PRL 92:148102; "
              "Ganguli, Huh & Sompolinsky (2008) PNAS 105:18970")


#: What a NaN or inf in the merged dataset means (non_finite_where says where).
NON_FINITE = {
    r"memory_function_small_input_in_sample|memory_capacity_small_input":
        "NaN for phi = linear or noise = 0: the small-input run is done only for tanh with "
        "noise > 0",
    r"fisher_J": "NaN at noise = 0: the Fisher memory needs state noise eps > 0 (and rho < 1)",
    r"memory_capacity_limit|memory_capacity_precision_estimate":
        "NaN at noise > 0 (noise-free quantities), and where (W, v) is not controllable",
    r"memory_function_linear_theory|memory_capacity_theory":
        "NaN at noise = 0 where the state covariance Sigma_x is not resolvable in float64",
    r"memory_capacity_exact_all_lags":
        "NaN at noise > 0 (noise-free only), and at noise = 0 where Sigma_x is not "
        "resolvable in float64",
}

def linear_memory_function(W, v, eps: float, sigma2: float = 1.0, k_max: int = 100):
    """Exact memory curve m(k) of a noisy linear reservoir (analysis.fisher.memory_curve)."""
    return _fisher.memory_curve(W, v, eps=eps, sigma2=sigma2, k_max=k_max)


#: a noise-free covariance is resolvable in float64 when its smallest eigenvalue is at least
#: this fraction of its largest: then its Cholesky solve is accurate to ~1e-7
RESOLVABLE = 1e-9


def noise_free_memory(W, v, k_max: int, ridge_relative: float = 1e-12):
    r"""Exact memory of a noise-free linear reservoir, and what float64 can resolve of it.

    Without noise :math:`\Sigma = \sum_k w_kw_k^\top` (:math:`w_k = W^kv`) and
    :math:`\sum_{k\ge0} m(k) = \mathrm{tr}\,\Sigma^{-1}\Sigma = \mathrm{rank}[v, Wv, \dots]
    = N` whenever the pair (W, v) is controllable: W has distinct eigenvalues and v a
    non-zero component on each of its eigenvectors (``docs/reservoir.md`` §2). The memory of
    lag k lives in directions of relative variance about :math:`|w_k|^2/\mathrm{tr}\,\Sigma`;
    at small ρ these fall below what float64 (and the readout regulariser) can resolve.

    Returns
    -------
    dict
        ``curve``: exact m(k), k = 0..k_max (NaN unless resolvable); ``resolvable``: the
        smallest eigenvalue of Σ is at least ``RESOLVABLE`` times its largest;
        ``controllable``; ``limit``: N if controllable (the k -> infinity capacity in exact
        arithmetic), else NaN; ``total``: the exact sum of m(k) up to the lag where
        :math:`\rho^k < 10^{-18}` (NaN unless resolvable; equals ``limit`` to the precision
        of the solve: an independent test of the exact code); ``precision_estimate``:
        :math:`\min(N, \sum_{k\le k_{max}} x_k/(x_k + r))` with :math:`x_k = |w_k|^2/
        \mathrm{tr}\,\Sigma` and r = ``ridge_relative``: the capacity a readout with that
        regulariser keeps if each lag occupied its own direction (an estimate, not exact;
        it ignores the truncation at ``k_max``).
    """
    W, v = _fisher.check_network(W, v)
    N = len(v)
    lam, P = np.linalg.eig(W)
    try:
        c = np.abs(np.linalg.solve(P, v.astype(complex)))
    except np.linalg.LinAlgError:  # defective W (e.g. a sparse draw with a repeated zero
        c = np.zeros(N)            # eigenvalue): no eigenbasis, not controllable
    gap = np.abs(lam[:, None] - lam[None, :])
    np.fill_diagonal(gap, np.inf)
    controllable = bool(c.min() > 1e-8 * np.linalg.norm(v) and gap.min() > 1e-8)
    rho = _fisher.spectral_radius(W)
    L = int(min(50_000, max(k_max + 1, np.ceil(np.log(1e-18) / np.log(rho)))))
    K = _fisher.krylov(W, v, L - 1)  # w_k = W^k v, k < L: used twice below
    norms2 = np.sum(K**2, axis=0)
    x = norms2 / norms2.sum()
    est = float(min(N, np.sum(x[: k_max + 1] / (x[: k_max + 1] + ridge_relative))))
    S = _fisher._smith(W, np.outer(v, v), W)  # Sigma = sum_k w_k w_k^T (Stein equation)
    ev = np.linalg.eigvalsh(0.5 * (S + S.T))
    resolvable = bool(ev.min() >= RESOLVABLE * ev.max())
    # m(k) = w_k^T Sigma^-1 w_k, as analysis.fisher.memory_curve with eps = 0, from the same
    # Sigma and Krylov vectors
    full = (_fisher._quad_inv(_fisher._cholesky(S), K) if resolvable
            else np.full(L, np.nan))
    return {"curve": full[: k_max + 1], "resolvable": resolvable,
            "controllable": controllable, "limit": float(N) if controllable else np.nan,
            "total": float(full.sum()), "precision_estimate": est}


def adjusted_r2(r2_in_sample, N: int, n_train: int):
    r"""Adjusted in-sample :math:`r^2` (Ezekiel 1930), nearly unbiased for the population one.

    :math:`\bar r^2 = r^2 - (1 - r^2)\,N/(n - N - 1)` removes the least-squares readout's
    overfit of N weights to n samples (for residuals uncorrelated in time). Unlike the
    held-out :math:`r^2`, whose bias is not small where :math:`m(k) \lesssim N/n` (there it is
    :math:`\approx m^2 n/N`), it stays unbiased where the memory is tiny. Valid for an
    unregularised readout (``ridge`` = 0).
    """
    return r2_in_sample - (1 - r2_in_sample) * N / (n_train - N - 1)


def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Unbiased memory functions and the total capacities (simulated and exact)."""
    ds = ds.copy()
    unit = {"units": "1"}
    n_train = int(ds.attrs["n_train"])
    ds["memory_function_adjusted"] = adjusted_r2(
        ds.memory_function_in_sample, ds.N, n_train).assign_attrs(
        long_name="adjusted in-sample r^2 of the readout of u(n-k) (unbiased where the "
                  "memory is small)", **unit)
    if "memory_function_small_input_in_sample" in ds:
        adj = adjusted_r2(ds.memory_function_small_input_in_sample, ds.N, n_train)
        ds["memory_capacity_small_input"] = adj.sum("k", skipna=False).assign_attrs(
            long_name="MC of the tanh reservoir in its small-input limit (adjusted in-sample "
                      "r^2; input x small_input_scale, noise x its square)", **unit)
    ds["memory_capacity"] = ds.memory_function.sum("k").assign_attrs(
        long_name="total memory capacity MC (held-out)", **unit)
    ds["memory_capacity_corrected"] = ds.memory_function_corrected.sum("k").assign_attrs(
        long_name="MC, held-out with the O(1/T) bias removed (Richardson)", **unit)
    ds["memory_capacity_adjusted"] = ds.memory_function_adjusted.sum("k").assign_attrs(
        long_name="MC from the adjusted in-sample r^2", **unit)
    # skipna=False: a draw without an exact curve has no exact capacity (NaN, never 0)
    ds["memory_capacity_theory"] = ds.memory_function_linear_theory.sum(
        "k", skipna=False).assign_attrs(
        long_name="exact MC of the linear reservoir up to k_max (NaN where the noise-free "
                  "covariance is not resolvable in float64)", **unit)
    return ds.transpose("phi", "N", "input_scale", "noise", "seed", "rho", "k", ...)


#: delays at which the memory curve is checked (those that exist and whose SE allows it)
CURVE_LAGS = (0, 1, 2, 5, 10, 20, 50, 100, 200)
#: a lag is checked where the SE of the mean memory is below this fraction of it
CURVE_MAX_REL_SE = 0.2


def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """Memory curves and capacities against the exact theory, MC <= N, MC = N noise-free.

    * ``prediction``: the adjusted in-sample memory m(k) of the linear reservoir at the
      lags :data:`CURVE_LAGS` (noisy points, where the SE is below 20 % of m) and the total
      capacity (every noisy point and every noise-free point whose covariance is resolvable
      in float64) against the exact values of the same draws, paired per seed;
      Sidak-corrected families, Student t;
    * ``identity``: the small-input limit of every noisy tanh point against the exact linear
      capacity of the same matrices (linear by construction: a test of the tanh code); the
      exact noise-free capacity summed over all lags against the controllability rank N;
    * ``bound``: no exact capacity exceeds N; the simulated MC <= N at every point (linear
      and tanh), one-sided.
    """
    out = []
    S = ds.sizes["seed"]
    dof = S - 1
    lin = ds.sel(phi="linear").isel(input_scale=0) if "linear" in ds.phi.values else None
    if lin is not None:
        curve, totals = [], []
        for N in ds.N.values:
            for eps in ds.noise.values:
                for rho in ds.rho.values:
                    pt = lin.sel(N=N, noise=eps, rho=rho)
                    if not bool(pt.memory_function_linear_theory.notnull().all()):
                        continue  # some draw not resolvable: no exact value to compare with
                    totals.append((N, eps, rho, pt))
                    if eps == 0:
                        continue  # m(k) = 1 or 0 to 1e-7: the per-lag check has no content
                    d = pt.memory_function_adjusted - pt.memory_function_linear_theory
                    m, se = chk.mean_se(d, "seed")
                    th = pt.memory_function_linear_theory.mean("seed")
                    for k in CURVE_LAGS:
                        if k in pt.k.values and float(se.sel(k=k)) < CURVE_MAX_REL_SE * float(
                                th.sel(k=k)):
                            curve.append((N, eps, rho, k, pt, float(se.sel(k=k))))
        z1 = chk.sidak(len(curve), dof=dof) if curve else 3.0
        for N, eps, rho, k, pt, se in curve:
            out.append(chk.within_se(
                f"memory_curve_N{N}_eps{eps:g}_rho{rho:g}_k{k}",
                f"linear reservoir N={N}, eps={eps:g}, rho={rho:g}, delay {k}: adjusted "
                f"in-sample r^2 vs the exact m(k) of the same draw, paired, mean over {S} "
                f"seeds; Sidak over {len(curve)}, Student t with {dof} dof",
                float(pt.memory_function_linear_theory.sel(k=k).mean()),
                float(pt.memory_function_adjusted.sel(k=k).mean()), se, z1, dof=dof))
        z1 = chk.sidak(len(totals), dof=dof) if totals else 3.0
        for N, eps, rho, pt in totals:
            diff = pt.memory_capacity_adjusted - pt.memory_capacity_theory
            _, se = chk.mean_se(diff, "seed")
            out.append(chk.within_se(
                f"total_mc_N{N}_eps{eps:g}_rho{rho:g}",
                f"linear reservoir N={N}, eps={eps:g}, rho={rho:g}: MC (adjusted in-sample, "
                f"k <= {int(ds.k.max())}) vs the exact MC of the same draws, paired, mean "
                f"over {S} seeds; Sidak over {len(totals)}, Student t with {dof} dof",
                float(pt.memory_capacity_theory.mean()),
                float(pt.memory_capacity_adjusted.mean()), float(se), z1, dof=dof))
        if "memory_capacity_small_input" in ds and "tanh" in ds.phi.values:
            tanh = ds.sel(phi="tanh").isel(input_scale=0)  # its own draws and exact theory
            small = []
            for N in ds.N.values:
                for eps in ds.noise.values[ds.noise.values > 0]:
                    for rho in ds.rho.values:
                        pt = tanh.sel(N=N, noise=eps, rho=rho)
                        th = pt.memory_capacity_theory  # the same matrices, made linear
                        if bool(pt.memory_capacity_small_input.notnull().all()) and bool(
                                th.notnull().all()):
                            small.append((N, eps, rho, pt.memory_capacity_small_input, th))
            z1 = chk.sidak(len(small), dof=dof) if small else 3.0
            scale = ds.attrs["small_input_scale"]
            for N, eps, rho, mc, th in small:
                _, se = chk.mean_se(mc - th, "seed")
                out.append(chk.within_se(
                    f"tanh_small_input_N{N}_eps{eps:g}_rho{rho:g}",
                    f"tanh reservoir N={N}, eps={eps:g}, rho={rho:g} with input x {scale:g} and "
                    "noise x its square: MC (adjusted in-sample) vs the exact MC of the same "
                    f"matrices made linear (small-input limit), paired over {S} seeds; Sidak "
                    f"over {len(small)}, Student t; linear by construction, so a test of the "
                    "tanh code, not of tanh science", float(th.mean()), float(mc.mean()),
                    float(se), z1, dof=dof, kind="identity"))
        exact = lin.memory_capacity_theory
        out.append(chk.at_most(
            "exact_mc_at_most_N", "max over every linear draw of exact MC - N (a theorem: "
            "a violation would be a bug in the exact solver)", 1e-6 * float(ds.N.max()),
            float((exact - lin.N).max()) if bool(exact.notnull().any()) else -np.inf))
        if "memory_capacity_exact_all_lags" in lin:
            tot = lin.memory_capacity_exact_all_lags.sel(noise=0.0) if 0.0 in ds.noise.values \
                else None
            if tot is not None and bool(tot.notnull().any()):
                err = np.abs(tot - lin.memory_capacity_limit.sel(noise=0.0))
                worst = err.where(tot.notnull()).max()
                out.append(chk.within(
                    "noise_free_mc_equals_N",
                    "noise-free linear reservoirs resolvable in float64 "
                    f"({int(tot.notnull().sum())} draws): max |sum over all lags of the "
                    "exact m(k) - rank of the controllability matrix (N)|; tolerance from the "
                    "precision of the solve (condition number <= 1e9)", 0.0,
                    float(worst), 1e-6 * float(ds.N.max()), kind="identity"))
    # MC <= N for every reservoir, linear or not: one-sided, per point, z of the mean
    mc, se = chk.mean_se(ds.memory_capacity_adjusted, "seed")
    z = ((mc - ds.N) / se).where(se > 0)
    m = int(z.notnull().sum())
    thr = chk.sidak(m, dof=dof, one_sided=True) if m else 3.0
    worst = z.where(z == z.max(), drop=True)
    at = {d: worst[d].values[0] for d in worst.dims}
    out.append(chk.at_most_se(
        "mc_at_most_N", f"max over {m} points (every phi, N, input scale, noise and rho) of "
        f"z = (MC - N)/SE, MC from the adjusted in-sample r^2 over {S} seeds; worst at "
        + ", ".join(f"{d}={v}" for d, v in at.items()) + f"; Sidak, t({dof})",
        float(ds.N.sel(N=at["N"])), float(mc.sel(at)), float(se.sel(at)), thr, dof=dof))
    return out

