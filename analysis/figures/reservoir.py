"""Figures of the reservoir study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..checks import mean_se


def _first(ds, dim, value):
    vals = ds[dim].values
    return value if value in vals else vals[0]


def _fig_function(ds, plt):
    """m(k) on a log scale: adjusted in-sample (unbiased) and held-out estimates, exact."""
    N = _first(ds, "N", 50)
    eps = _first(ds, "noise", 0.01)
    phis = list(ds.phi.values)
    fig, axes = plt.subplots(1, len(phis), figsize=(3.4 * len(phis), 2.8), squeeze=False,
                             sharey=True)
    for ax, phi in zip(axes[0], phis):
        pt = ds.sel(phi=phi, N=N, noise=eps).isel(input_scale=0)
        for c, rho in zip(plotting.colors(ds.sizes["rho"]), ds.rho.values):
            m, se = mean_se(pt.memory_function_adjusted.sel(rho=rho), "seed")
            ax.errorbar(ds.k[::3], m.where(m > 0)[::3], yerr=se.where(m > 0)[::3], fmt="o",
                        ms=2.5, color=c, lw=0.5, capsize=0, label=rf"$\rho$ = {rho:g}")
            h, hse = mean_se(pt.memory_function.sel(rho=rho), "seed")
            ax.errorbar(ds.k[1::3], h.where(h > 0)[1::3], yerr=hse.where(h > 0)[1::3],
                        fmt="x", ms=2.5, mew=0.6, color=c, lw=0.5, capsize=0)
            ls = "-" if phi == "linear" else ":"
            ax.plot(ds.k, pt.memory_function_linear_theory.sel(rho=rho).mean("seed"), ls,
                    color=c, lw=1)
        ax.axhline(N / ds.attrs["n_train"], color="0.5", lw=0.6, ls="--")
        ax.annotate("$N/n_{train}$", (float(ds.k.max()), N / ds.attrs["n_train"]),
                    fontsize=6, ha="right", va="bottom", color="0.4")
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 1.5)
        ax.set_xlim(0, float(ds.k.max()))
        ax.set_title(f"{phi}, N = {N}, $\\varepsilon$ = {eps:g}"
                     + (" (dotted: linear theory)" if phi != "linear" else ""), fontsize=7)
        ax.set_xlabel("delay $k$")
    axes[0][0].set_ylabel(r"memory function $m(k)$")
    ax = axes[0][0]
    ax.plot([], [], "ko", ms=2.5, label="adjusted in-sample $r^2$")
    ax.plot([], [], "kx", ms=2.5, mew=0.6, label="held-out $r^2$ (biased low)")
    ax.plot([], [], "k-", lw=1, label="exact $m(k)$")
    fig.legend(*ax.get_legend_handles_labels(), fontsize=6, loc="upper center",
               bbox_to_anchor=(0.5, 0.0), ncol=5, frameon=False)
    return fig


def _fig_rho(ds, plt):
    N = _first(ds, "N", 50)
    fig, ax = plt.subplots(figsize=(3.6, 2.8))
    styles = {("linear", True): ("C0", "o"), ("linear", False): ("C0", "s"),
              ("tanh", True): ("C3", "o"), ("tanh", False): ("C3", "s")}
    for phi in ds.phi.values:
        for eps in ds.noise.values:
            c, m = styles[(str(phi), bool(eps > 0))]
            pt = ds.sel(phi=phi, N=N, noise=eps).isel(input_scale=0)
            mean, se = mean_se(pt.memory_capacity_adjusted, "seed")
            ax.errorbar(ds.rho, mean, yerr=se, fmt=m, color=c, ms=3.5,
                        mfc="none" if eps == 0 else c, label=f"{phi}, $\\varepsilon$ = {eps:g}")
            if phi == "linear":
                ax.plot(ds.rho, pt.memory_capacity_theory.mean("seed", skipna=False), "-",
                        color=c, lw=0.8)
                if eps == 0 and "memory_capacity_precision_estimate" in pt:
                    est = pt.memory_capacity_precision_estimate.mean("seed")
                    ax.plot(ds.rho, est, ":", color=c, lw=0.9,
                            label=f"float64 limit (estimate, r = {ds.attrs['ridge_relative']:g})")
    if "memory_capacity_small_input" in ds and "tanh" in ds.phi.values:
        for eps in ds.noise.values[ds.noise.values > 0]:
            mc = ds.memory_capacity_small_input.sel(phi="tanh", N=N, noise=eps).isel(
                input_scale=0)
            if bool(mc.notnull().any()):
                mean, se = mean_se(mc, "seed")
                ax.errorbar(ds.rho, mean, yerr=se, fmt="D", color="C3", ms=3.5, mfc="none",
                            label=f"tanh, input x {ds.attrs['small_input_scale']:g}"
                                  f", $\\varepsilon$ = {eps:g} x its square (small-input limit)")
    ax.axhline(N, color="k", lw=0.8, ls="--", label="bound MC = N")
    ax.set_xlabel(r"spectral radius $\rho$")
    ax.set_ylabel(f"memory capacity (k ≤ {int(ds.k.max())})")
    ax.set_title(f"N = {N} (lines: exact, linear; absent where float64 cannot resolve it)",
                 fontsize=6.5)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return fig


def _fig_N(ds, plt):
    rho = _first(ds, "rho", 0.95)
    eps = _first(ds, "noise", 0.0)
    fig, ax = plt.subplots(figsize=(3.4, 2.7))
    Ns = ds.N.values
    for c, phi in zip(("C0", "C3"), ds.phi.values):
        mc = ds.memory_capacity_adjusted.sel(phi=phi, rho=rho, noise=eps).isel(input_scale=0)
        mean, se = mean_se(mc, "seed")
        ax.errorbar(Ns, mean, yerr=se, fmt="o", color=c, label=f"{phi} (simulation)")
        if phi == "linear":
            th = ds.memory_capacity_theory.sel(phi=phi, rho=rho, noise=eps).isel(
                input_scale=0).mean("seed", skipna=False)
            ax.plot(Ns, th, "-", color=c, lw=3, alpha=0.35,
                    label="linear, exact (under MC = N where it equals N)")
    ax.plot(Ns, Ns, "k--", lw=0.8, label="MC = N")
    plotting.log_xticks(ax, Ns)
    ax.set_xlabel("reservoir size $N$")
    ax.set_ylabel("memory capacity")
    ax.set_title(rf"$\rho$ = {rho:g}, $\varepsilon$ = {eps:g}", fontsize=8)
    ax.legend(fontsize=6)
    return fig


def _fig_fisher(ds, plt):
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
            m = pt.memory_function_adjusted.sel(rho=rho)
            ax.plot(ds.k[::4], m.where(m > 0)[::4], "o", color=c, ms=2.5)
        ax.set_title(f"linear, N = {N}, $\\varepsilon$ = {noisy[0]:g}: m(k) (solid), "
                     r"min(1, $\sigma^2 J(k)$) (dashed)", fontsize=6.5)
    else:
        plotting.nothing_to_show(ax, "the Fisher memory needs a linear reservoir with state "
                                     "noise: phi has no linear or noise no value > 0")
        return fig
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 1.5)
    ax.set_xlabel("delay $k$")
    ax.set_ylabel("memory / Fisher memory")
    ax.legend(fontsize=6)
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "reservoir_memory_function": _fig_function,
    "reservoir_capacity_vs_rho": _fig_rho,
    "reservoir_capacity_vs_N": _fig_N,
    "reservoir_memory_vs_fisher": _fig_fisher,
}
