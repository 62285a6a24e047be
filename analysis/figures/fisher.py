"""Figures of the fisher study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..checks import mean_se

FIGURES = {
    "fisher_memory_curves": "J(k) of the ensembles, exact, closed form and simulated",
    "fisher_total_memory_vs_N": "J_tot vs N: normal, delay line, Gaussian, bound N",
    "fisher_total_memory_histogram": "J_tot over Gaussian networks, random vs optimal v",
    "fisher_delay_lines": "delay lines with alpha < 1 and alpha > 1",
}
_LABEL = {"orthogonal": "scaled orthogonal", "symmetric": "random symmetric",
          "delay_ring": "delay ring", "delay_line": "delay line", "gaussian": "Gaussian"}


def _sim_N(ds):
    """The N at which simulations exist (largest), else the largest N."""
    has = np.isfinite(ds.J_sim).any(("ensemble", "alpha", "lag"))
    return int(ds.N.values[has.values].max()) if has.any() else int(ds.N.max())


def _fig_curves(ds, plt):
    a = float(ds.alpha.values[ds.alpha.values < 1].max())
    N = _sim_N(ds)
    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    k = ds.k.values[1:]
    for c, e in zip(plotting.colors(ds.sizes["ensemble"]), ds.ensemble.values):
        J = ds.J.sel(ensemble=e, N=N, alpha=a).where(lambda x: x > 0)  # log axis: no zeros
        ax.plot(k, J.mean("network")[1:], color=c, lw=1.2,
                label=f"{_LABEL.get(e, e)} (exact, mean of {J.sizes['network']})")
        sim = ds.J_sim.sel(ensemble=e, N=N, alpha=a)
        ok = np.isfinite(sim.values) & (ds.lag.values > 0)
        if ok.any():
            # simulated network 0 against its own exact curve
            ax.plot(k, J.isel(network=0)[1:], color=c, lw=0.5, ls=":")
            ax.errorbar(ds.lag.values[ok], sim.values[ok],
                        yerr=ds.J_sim_se.sel(ensemble=e, N=N, alpha=a).values[ok],
                        fmt="o", ms=3.5, color=c, mec="k", mew=0.4, lw=0.8)
            t = ds.J_sim_tanh.sel(ensemble=e, N=N, alpha=a).values
            okt = np.isfinite(t) & (ds.lag.values > 0)
            ax.plot(ds.lag.values[okt], t[okt], "s", ms=3.5, mfc="none", color=c, mew=0.7)
    ax.plot(k, ds.J_orthogonal_theory.sel(alpha=a)[1:], "k--", lw=0.8,
            label=r"$\alpha^k(1-\alpha)$ (normal, closed form)")
    ax.plot(k, ds.J_symmetric_theory.sel(alpha=a)[1:], "k-.", lw=0.8,
            label="semicircle mean (symmetric)")
    kk = np.array([5.0, 60.0])
    ax.plot(kk, 0.5 * kk**-2.5, color="0.4", lw=2, alpha=0.5, label=r"$\propto k^{-5/2}$")
    ax.plot([], [], "ko", ms=3.5, label="simulated network 0, linear (±SE)")
    ax.plot([], [], "ks", ms=3.5, mfc="none", label="simulated network 0, tanh")
    ax.plot([], [], "k:", lw=0.5, label="exact J(k) of network 0")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-7, 2)
    ax.set_xlabel("lag $k$ (steps)")
    ax.set_ylabel(r"Fisher memory $J(k)$ ($1/\varepsilon$)")
    ax.set_title(f"N = {N}, $\\alpha$ = {a:g}", fontsize=8)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def _fig_total_vs_N(ds, plt):
    a = float(ds.alpha.values[ds.alpha.values < 1].max())
    fig, ax = plt.subplots(figsize=(3.4, 2.8))
    Ns = ds.N.values
    ax.plot(Ns, Ns, "k-", lw=0.8, label="bound $J_{tot} = N$")
    ax.axhline(1, color="k", ls="--", lw=0.8, label="sum rule, normal W")
    for e, m, c in (("orthogonal", "o", "C0"), ("symmetric", "v", "C1"),
                    ("delay_ring", "^", "C2")):
        if e in ds.ensemble.values:
            ax.plot(Ns, ds.J_total.sel(ensemble=e, alpha=a).mean("network"), m, color=c,
                    label=_LABEL[e])
    if "delay_line" in ds.ensemble.values:
        ax.plot(Ns, ds.J_total_delay_line_theory.sel(alpha=a), "-", color="C3", lw=0.8)
        ax.plot(Ns, ds.J_total.sel(ensemble="delay_line", alpha=a).isel(network=0), "D",
                color="C3", ms=3.5, label="delay line (line: closed form)")
    if "gaussian" in ds.ensemble.values:
        for var, m, lab in (("J_total_optimal", "s", "Gaussian, optimal $v$"),
                            ("J_total", "x", "Gaussian, random $v$")):
            g = ds[var].sel(ensemble="gaussian", alpha=a)
            mean, se = mean_se(g, "network")
            ax.errorbar(Ns, mean, yerr=se, fmt=m, color="C4", ms=4, label=lab)
    plotting.log_xticks(ax, Ns)
    ax.set_yscale("log")
    ax.set_xlabel("network size $N$")
    ax.set_ylabel(r"total memory $J_{tot}$ ($1/\varepsilon$)")
    ax.set_title(rf"$\alpha$ = {a:g}", fontsize=8)
    ax.legend(fontsize=5.5)
    return fig


def _fig_hist(ds, plt):
    a = float(ds.alpha.values[ds.alpha.values < 1].max())
    Ns = ds.N.values
    N = int(Ns[Ns <= 100].max()) if np.any(Ns <= 100) else int(Ns.min())
    fig, ax = plt.subplots(figsize=(3.4, 2.6))
    if "gaussian" in ds.ensemble.values:
        g = ds.sel(ensemble="gaussian", N=N, alpha=a)
        hi = float(g.J_total_optimal.max()) * 1.1
        bins = np.linspace(0, hi, 30)
        ax.hist(g.J_total, bins=bins, color="C0", alpha=0.7, label="random $v$")
        ax.hist(g.J_total_optimal, bins=bins, color="C3", alpha=0.7, label="optimal $v$")
        for var, c in (("J_total", "C0"), ("J_total_optimal", "C3")):
            ax.axvline(float(g[var].mean()), color=c, lw=1.2)
        ax.set_title(f"Gaussian W, N = {N}, $\\alpha$ = {a:g}, "
                     f"{g.sizes['network']} networks "
                     f"({int(g.n_rejected.sum())} unstable draws rejected)", fontsize=7)
    ax.axvline(1, color="k", ls="--", lw=0.8, label="normal W: $J_{tot}$ = 1")
    ax.set_xlabel(r"total memory $J_{tot}$ ($1/\varepsilon$)")
    ax.set_ylabel("networks")
    ax.legend(fontsize=6)
    return fig


def _fig_delay(ds, plt):
    N = _sim_N(ds)
    fig, ax = plt.subplots(figsize=(3.4, 2.8))
    if "delay_line" in ds.ensemble.values:
        alphas = ds.alpha.values
        k = ds.k.values
        kk = k[k <= N + 5]
        for c, a in zip(plotting.colors(len(alphas)), alphas):
            th = ds.J_delay_line_theory.sel(N=N, alpha=a).values[: kk.size]
            ax.plot(kk, np.where(th > 0, th, np.nan), "-", color=c, lw=1,
                    label=rf"$\alpha$ = {a:g}")
            ex = ds.J.sel(ensemble="delay_line", N=N, alpha=a).isel(network=0).values
            step = max(1, N // 12)
            ax.plot(kk[::step], np.where(ex[: kk.size] > 0, ex[: kk.size], np.nan)[::step],
                    "+", color=c, ms=5)
            sim = ds.J_sim.sel(ensemble="delay_line", N=N, alpha=a).values
            ok = np.isfinite(sim)
            ax.errorbar(ds.lag.values[ok], sim[ok],
                        yerr=ds.J_sim_se.sel(ensemble="delay_line", N=N, alpha=a).values[ok],
                        fmt="o", ms=3.5, color=c, mec="k", mew=0.4)
        ax.plot([], [], "k+", label="general formula")
        ax.plot([], [], "ko", ms=3.5, label="simulated (±SE)")
    ax.set_yscale("log")
    ax.set_xlabel("lag $k$ (steps)")
    ax.set_ylabel(r"$J(k)$ ($1/\varepsilon$)")
    ax.set_title(f"delay line, N = {N} (lines: closed form)", fontsize=8)
    ax.legend(fontsize=5.5, ncol=2)
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "fisher_memory_curves": _fig_curves,
    "fisher_total_memory_vs_N": _fig_total_vs_N,
    "fisher_total_memory_histogram": _fig_hist,
    "fisher_delay_lines": _fig_delay,
}
