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

from . import checks as chk
from . import fisher as _fisher

__all__ = ["linear_memory_function", "add_theory", "make_checks"]

TITLE = "Echo-state reservoir memory capacity"
REFERENCES = ("Jaeger (2001) GMD Report 152; White, Lee & Sompolinsky (2004) PRL 92:148102; "
              "Ganguli, Huh & Sompolinsky (2008) PNAS 105:18970")


def linear_memory_function(W, v, eps: float, sigma2: float = 1.0, k_max: int = 100):
    """Exact memory curve m(k) of a noisy linear reservoir (analysis.fisher.memory_curve)."""
    return _fisher.memory_curve(W, v, eps=eps, sigma2=sigma2, k_max=k_max)


def add_theory(ds):
    """Total capacities (simulated, bias-corrected, exact) beside the memory functions."""
    ds = ds.copy()
    unit = {"units": "1"}
    ds["memory_capacity"] = ds.memory_function.sum("k").assign_attrs(
        long_name="total memory capacity MC (held-out)", **unit)
    ds["memory_capacity_corrected"] = ds.memory_function_corrected.sum("k").assign_attrs(
        long_name="MC, held-out with the O(1/T) bias removed (Richardson)", **unit)
    ds["memory_capacity_theory"] = ds.memory_function_linear_theory.sum("k").assign_attrs(
        long_name="exact MC of the linear reservoir up to k_max", **unit)
    return ds.transpose("phi", "N", "input_scale", "noise", "seed", "rho", "k", ...)


def make_checks(ds):
    """Exact linear memory curve, the MC <= N bound and total MC within standard errors."""
    out = []
    lin = "linear" in ds.phi.values
    if lin and 50 in ds.N.values and 0.01 in ds.noise.values and 0.95 in ds.rho.values:
        pt = ds.sel(phi="linear", N=50, noise=0.01, rho=0.95).isel(input_scale=0, seed=0)
        d = np.abs(pt.memory_function_corrected - pt.memory_function_linear_theory)
        T = int(ds.attrs.get("T", 200_000))
        tol = 0.005 * max(1.0, np.sqrt(200_000 / T))  # 0.005 at T = 2e5, error ~ 1/sqrt(T)
        out.append(chk.within(
            "linear_memory_curve_N50_rho0.95_eps0.01",
            f"linear {ds.attrs.get('kind', '')} reservoir N=50, rho=0.95, eps=0.01, "
            f"T={T}, reservoir 0: max over k of |MC_k - m(k)| (held-out r^2; tolerance 0.005 "
            "at T = 2e5, scaled as 1/sqrt(T), a fixed tolerance, not from a standard error; "
            "O(1/T) bias removed)", 0.0, float(d.max()), tol, kind="simulation"))
    # a run's estimate scatters around its true MC (<= N): allow 3 seed-to-seed SDs
    excess = (ds.memory_capacity - ds.N - 3 * ds.memory_capacity.std("seed", ddof=1)) / ds.N
    out.append(chk.at_most("mc_bound", "max over every run of (MC - N - 3 SD over seeds) / N "
                           "(MC <= N up to estimation noise)", 0.0, float(excess.max())))
    if lin:
        from scipy.stats import t as student_t

        noisy = ds.noise.values[ds.noise.values > 0]
        # the SE comes from n_seeds independent reservoirs (each with its own input series):
        # "3 standard errors" at the coverage of 3 sigma needs Student's t with n - 1 dof
        # (4.53 SE for 8 seeds, 3.0 in the limit); a family of m such checks then fails
        # spuriously with probability 1 - 0.9973^m (4.7 % for the 18 default checks)
        n_seeds = ds.sizes["seed"]
        n_se = float(student_t.ppf(1 - 0.0027 / 2, n_seeds - 1)) if n_seeds > 1 else np.inf
        for N in ds.N.values:
            for eps in noisy:
                for rho in ds.rho.values:
                    pt = ds.sel(phi="linear", N=N, noise=eps, rho=rho).isel(input_scale=0)
                    diff = (pt.memory_capacity_corrected - pt.memory_capacity_theory).values
                    _, se = chk.mean_se(diff)
                    out.append(chk.within_se(
                        f"total_mc_N{N}_eps{eps:g}_rho{rho:g}",
                        f"linear reservoir N={N}, eps={eps:g}, rho={rho:g}: simulated MC "
                        f"(held-out, O(1/T) bias removed) minus exact MC, mean over "
                        f"{n_seeds} seeds; 3-sigma coverage with t({n_seeds - 1})",
                        0.0, float(diff.mean()), float(se), n_se))
    return out

