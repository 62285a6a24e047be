r"""Echo-state memory capacity: theory, checks and figures.

Jaeger's memory function (GMD Report 152, 2001): :math:`MC_k = r^2(u(n-k), y_k(n))` for the
best linear readout :math:`y_k` of the reservoir state, and :math:`MC = \sum_k MC_k \le N` for
i.i.d. input. For a linear reservoir with state noise the optimal readout is known exactly
(``SCIENCE.md`` §2 and §5): :math:`m(k) = \sigma^2 w_k^\top\Sigma_x^{-1}w_k`,
:math:`w_k = W^kv`, :math:`\Sigma_x = \sigma^2\sum_k w_kw_k^\top + C_n`
(:func:`analysis.fisher.memory_curve`, shared with the Fisher study); without noise and with
a full-rank controllability matrix, :math:`\sum_k m(k) = N`. It is bounded by the Fisher
memory of the same network, :math:`m(k) \le \sigma^2 J(k)`.
"""

from __future__ import annotations

import numpy as np

from . import fisher as _fisher

__all__ = ["memory_function", "linear_memory_function", "add_theory", "make_checks",
           "make_figures", "FIGURES"]

TITLE = "Echo-state reservoir memory capacity"
REFERENCES = ("Jaeger (2001) GMD Report 152; White, Lee & Sompolinsky (2004) PRL 92:148102; "
              "Ganguli, Huh & Sompolinsky (2008) PNAS 105:18970")


def memory_function(states, u, k_max: int, washout: int, ridge: float = 0.0,
                    test_fraction: float = 0.5) -> np.ndarray:
    """Held-out MC_k, k = 0..k_max, of states (T, N) driven by u (T,).

    One linear solve fits the readouts of every delay on the first part of the run after
    ``washout``; r^2 is evaluated on the last ``test_fraction`` of it.
    """
    from sim.reservoir import _new_moments, accumulate_moments, memory_from_moments

    X, u = np.asarray(states, float), np.asarray(u, float)
    T, N = X.shape
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be in (0, 1)")
    if k_max >= (T - washout) * min(test_fraction, 1 - test_fraction):
        raise ValueError(f"k_max = {k_max} must be < the test and training lengths "
                         f"(T - washout = {T - washout})")
    split = T - int(test_fraction * (T - washout))
    K = k_max + 1
    out = []
    for lo, hi in ((max(washout, k_max), split), (split, T)):
        m = _new_moments((), N, K)
        idx = np.arange(lo, hi)[:, None] - np.arange(K)[None, :]
        accumulate_moments(X[lo:hi], u[idx], m)
        out.append(m)
    return memory_from_moments(out[0], out[1], ridge, in_sample=False)["held_out"]


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
    from . import checks as chk

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
            "at T = 2e5, scaled as 1/sqrt(T); O(1/T) bias removed)", 0.0, float(d.max()), tol))
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
                    se = diff.std(ddof=1) / np.sqrt(diff.size)
                    out.append(chk.within_se(
                        f"total_mc_N{N}_eps{eps:g}_rho{rho:g}",
                        f"linear reservoir N={N}, eps={eps:g}, rho={rho:g}: simulated MC "
                        f"(held-out, O(1/T) bias removed) minus exact MC, mean over "
                        f"{n_seeds} seeds; 3-sigma coverage with t({n_seeds - 1})",
                        0.0, float(diff.mean()), float(se), n_se))
    return out


# ------------------------------------------------------------------------------ figures
FIGURES = {
    "reservoir_memory_function": "MC_k vs k for several rho, linear with exact curves, tanh",
    "reservoir_capacity_vs_rho": "total MC vs rho, linear/tanh, with and without noise",
    "reservoir_capacity_vs_N": "total MC vs N with the MC = N line",
    "reservoir_memory_vs_fisher": "m(k) against the Fisher memory of the same network",
}


def _first(ds, dim, value):
    vals = ds[dim].values
    return value if value in vals else vals[0]


def _fig_function(ds, plt):
    from . import plotting

    N = _first(ds, "N", 50)
    eps = _first(ds, "noise", 0.01)
    phis = list(ds.phi.values)
    fig, axes = plt.subplots(1, len(phis), figsize=(3.3 * len(phis), 2.7), squeeze=False,
                             sharey=True)
    for ax, phi in zip(axes[0], phis):
        pt = ds.sel(phi=phi, N=N, noise=eps).isel(input_scale=0)
        for c, rho in zip(plotting.colors(ds.sizes["rho"]), ds.rho.values):
            m = pt.memory_function.sel(rho=rho)
            ax.plot(ds.k[::3], m.mean("seed")[::3], "o", ms=2.5, color=c,
                    label=rf"$\rho$ = {rho:g}")
            ls = "-" if phi == "linear" else ":"
            ax.plot(ds.k, pt.memory_function_linear_theory.sel(rho=rho).mean("seed"), ls,
                    color=c, lw=1)
        ax.set_title(f"{phi}, N = {N}, $\\varepsilon$ = {eps:g}"
                     + (" (dotted: linear theory)" if phi != "linear" else ""), fontsize=7)
        ax.set_xlabel("delay $k$")
    axes[0][0].set_ylabel(r"memory function $MC_k$")
    axes[0][0].legend(fontsize=6, title="lines: exact m(k)", title_fontsize=6)
    return fig


def _fig_rho(ds, plt):
    N = _first(ds, "N", 50)
    fig, ax = plt.subplots(figsize=(3.4, 2.7))
    styles = {("linear", True): ("C0", "o"), ("linear", False): ("C0", "s"),
              ("tanh", True): ("C3", "o"), ("tanh", False): ("C3", "s")}
    for phi in ds.phi.values:
        for eps in ds.noise.values:
            c, m = styles[(str(phi), bool(eps > 0))]
            pt = ds.sel(phi=phi, N=N, noise=eps).isel(input_scale=0)
            mc = pt.memory_capacity
            ax.errorbar(ds.rho, mc.mean("seed"), yerr=mc.std("seed", ddof=1)
                        / np.sqrt(mc.sizes["seed"]), fmt=m, color=c, ms=3.5,
                        mfc="none" if eps == 0 else c, label=f"{phi}, $\\varepsilon$ = {eps:g}")
            if phi == "linear":
                ax.plot(ds.rho, pt.memory_capacity_theory.mean("seed"), "-", color=c, lw=0.8)
    ax.axhline(N, color="k", lw=0.8, ls="--", label="bound MC = N")
    ax.set_xlabel(r"spectral radius $\rho$")
    ax.set_ylabel(f"memory capacity (k ≤ {int(ds.k.max())})")
    ax.set_title(f"N = {N} (lines: exact, linear)", fontsize=8)
    ax.legend(fontsize=5.5)
    return fig


def _fig_N(ds, plt):
    from . import plotting

    rho = _first(ds, "rho", 0.95)
    eps = _first(ds, "noise", 0.0)
    fig, ax = plt.subplots(figsize=(3.4, 2.7))
    Ns = ds.N.values
    for c, phi in zip(("C0", "C3"), ds.phi.values):
        mc = ds.memory_capacity.sel(phi=phi, rho=rho, noise=eps).isel(input_scale=0)
        ax.errorbar(Ns, mc.mean("seed"), yerr=mc.std("seed", ddof=1) / np.sqrt(
            mc.sizes["seed"]), fmt="o", color=c, label=f"{phi} (simulation)")
        if phi == "linear":
            th = ds.memory_capacity_theory.sel(phi=phi, rho=rho, noise=eps).isel(
                input_scale=0).mean("seed")
            ax.plot(Ns, th, "-", color=c, lw=0.8, label="linear, exact")
    ax.plot(Ns, Ns, "k--", lw=0.8, label="MC = N")
    plotting.log_xticks(ax, Ns)
    ax.set_xlabel("reservoir size $N$")
    ax.set_ylabel("memory capacity")
    ax.set_title(rf"$\rho$ = {rho:g}, $\varepsilon$ = {eps:g}", fontsize=8)
    ax.legend(fontsize=6)
    return fig


def _fig_fisher(ds, plt):
    from . import plotting

    N = _first(ds, "N", 50)
    noisy = ds.noise.values[ds.noise.values > 0]
    fig, ax = plt.subplots(figsize=(3.4, 2.7))
    if "linear" in ds.phi.values and noisy.size:
        pt = ds.sel(phi="linear", N=N, noise=noisy[0]).isel(input_scale=0, seed=0)
        for c, rho in zip(plotting.colors(ds.sizes["rho"]), ds.rho.values):
            J = pt.fisher_J.sel(rho=rho)
            ax.plot(ds.k, np.minimum(J, 1.0), "--", color=c, lw=0.8)
            ax.plot(ds.k, pt.memory_function_linear_theory.sel(rho=rho), "-", color=c, lw=1,
                    label=rf"$\rho$ = {rho:g}")
            ax.plot(ds.k[::4], pt.memory_function.sel(rho=rho)[::4], "o", color=c, ms=2.5)
        ax.set_title(f"linear, N = {N}, $\\varepsilon$ = {noisy[0]:g}: m(k) (solid), "
                     r"min(1, $\sigma^2 J(k)$) (dashed)", fontsize=6.5)
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 1.5)
    ax.set_xlabel("delay $k$")
    ax.set_ylabel("memory / Fisher memory")
    ax.legend(fontsize=6)
    return fig


def make_figures(ds, outdir):
    """Draw every reservoir figure into ``outdir`` as PNG and PDF; return the paths."""
    from . import plotting

    return plotting.draw(ds, outdir, {
        "reservoir_memory_function": _fig_function,
        "reservoir_capacity_vs_rho": _fig_rho,
        "reservoir_capacity_vs_N": _fig_N,
        "reservoir_memory_vs_fisher": _fig_fisher,
    })
