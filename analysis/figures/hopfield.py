"""Figures of the hopfield study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..checks import mean_se
from ..hopfield import (
    ags_overlap,
    alpha_at_one_step_error,
    critical_capacity,
    crossing,
    empirical_capacities,
    finite_size_extrapolation,
    one_step_error,
    one_step_error_se,
    perfect_recall_load,
)


def _fig_one_step(ds, plt):
    fig, ax = plt.subplots(figsize=plotting.SINGLE)
    colors = plotting.colors(ds.sizes["N"])
    err, se = one_step_error_se(ds)
    for c, N in zip(colors, ds.N.values):
        e, s = err.sel(N=N).values, se.sel(N=N).values
        ok = e > 0
        ax.errorbar(ds.alpha.values[ok], e[ok], yerr=s[ok], fmt="o", ms=3, color=c,
                    label=f"N = {N}", capsize=0, lw=0.8)
        ax.plot(ds.alpha, ds.one_step_error_theory.sel(N=N), "--", color=c, lw=0.8)
    a = np.linspace(float(ds.alpha.min()), float(ds.alpha.max()), 300)
    zero = bool(ds.attrs["zero_diagonal"])
    ax.plot(a, one_step_error(a, None, zero), "k-", lw=1.2, label=r"$\Phi(-1/\sqrt{\alpha})$")
    ax.axhline(0.01, color="0.5", lw=0.6, ls=":")
    if zero:
        a1 = alpha_at_one_step_error(0.01)
        ax.axvline(a1, color="0.5", lw=0.6, ls=":")
        ax.annotate(rf"1 % at $\alpha$ = {a1:.3f}", (a1, 0.01), (6, -14),
                    textcoords="offset points", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylim(1e-8, 0.1)
    ax.set_xlabel(r"load $\alpha = P/N$")
    ax.set_ylabel("one-step bit error")
    ax.legend(title="simulation (dashed: finite-N theory)", fontsize=6, title_fontsize=6)
    return fig


def _fig_overlap(ds, plt):
    fig, axes = plt.subplots(1, 3, figsize=(plotting.DOUBLE_SHORT[0], 2.5))
    colors = plotting.colors(ds.sizes["N"])
    a = np.linspace(0.005, float(ds.alpha.max()), 400)
    m_ags = ags_overlap(a)
    ac = critical_capacity()
    mean, se = mean_se(ds.overlap, "network")
    cue, cue_se = mean_se(ds.cue_overlap, "network")
    flip = 100 * ds.attrs["cue_flip"]
    for c, N in zip(colors, ds.N.values):
        axes[0].errorbar(ds.alpha, mean.sel(N=N), yerr=se.sel(N=N), fmt="o-", ms=2.5, lw=0.7,
                         color=c, label=f"N = {N}")
        d, s = (1 - mean.sel(N=N)).values, se.sel(N=N).values
        ok = (d > 0) & (ds.alpha.values <= ac + 0.02)
        axes[1].errorbar(ds.alpha.values[ok], d[ok], yerr=np.minimum(s[ok], 0.999 * d[ok]),
                         fmt="o-", ms=2.5, lw=0.7, color=c)
        axes[2].errorbar(ds.alpha, cue.sel(N=N), yerr=cue_se.sel(N=N), fmt="o-", ms=2.5,
                         lw=0.7, color=c)
    for ax in (axes[0], axes[2]):
        ax.plot(a[a <= ac], m_ags[a <= ac], "k-", lw=1.4, label="AGS theory")
        ax.axvline(ac, color="k", ls=":", lw=0.8)
        ax.annotate(rf"$\alpha_c$ = {ac:.3f}", (ac, 0.05), (4, 0), textcoords="offset points",
                    fontsize=7)
        ax.set_ylim(0, 1.03)
        ax.set_ylabel("final overlap $m$")
    axes[1].plot(a[a <= ac], 1 - m_ags[a <= ac], "k-", lw=1.4, label="AGS $1 - m$")
    axes[1].axvline(ac, color="k", ls=":", lw=0.8)
    axes[1].set_yscale("log")
    axes[1].set_ylim(1e-6, 1)
    axes[1].set_ylabel("retrieval defect $1 - m$")
    axes[1].legend(fontsize=6, loc="upper left")
    axes[0].set_title("start: stored pattern", fontsize=8)
    axes[1].set_title("start: stored pattern (log scale)", fontsize=8)
    axes[2].set_title(f"start: cue with {flip:g} % of bits flipped", fontsize=8)
    for ax in axes:
        ax.set_xlabel(r"load $\alpha = P/N$")
    axes[0].legend(fontsize=6, loc="lower left")
    return fig


def _fig_fixed_points(ds, plt):
    """(a) fraction of fixed points vs P ln N / N; (b) the same on a log scale (the tail)."""
    fig, axes = plt.subplots(1, 2, figsize=plotting.DOUBLE_SHORT)
    colors = plotting.colors(ds.sizes["N"])
    fp, se = mean_se(ds.fixed_point_fraction, "network")
    xmax = min(1.6, float((ds.P * np.log(ds.N) / ds.N).max()))
    for ax in axes:
        for c, N in zip(colors, ds.N.values):
            x = ds.P.sel(N=N) * np.log(N) / N
            ax.errorbar(x, fp.sel(N=N), yerr=se.sel(N=N), fmt="o", ms=3, color=c, lw=0.8,
                        label=f"N = {N}")
            ax.plot(x, ds.fixed_point_fraction_theory.sel(N=N), "-", color=c, lw=0.8)
            if "fixed_point_fraction_mixture" in ds:
                ax.plot(x, ds.fixed_point_fraction_mixture.sel(N=N), "--", color=c, lw=0.7)
        ax.axvline(0.5, color="k", ls="--", lw=0.8)
        ax.axvline(0.25, color="k", ls=":", lw=0.8)
        ax.set_xlim(0, xmax)
        ax.set_xlabel(r"$P \ln N / N$")
    ax = axes[0]
    for x, label in ((0.25, r"all: $P = N/4\ln N$"), (0.5, r"most: $P = N/2\ln N$")):
        ax.annotate(label, (x, 0.05), (-2, 0), textcoords="offset points", fontsize=6,
                    rotation=90, ha="right", va="bottom")
    ax.set_ylabel("fraction of patterns that are fixed points")
    ax.plot([], [], "k-", lw=0.8, label=r"independent bits $(1-p_N)^N$")
    ax.plot([], [], "k--", lw=0.7, label="bits independent given overlaps")
    ax.legend(fontsize=5.5, loc="upper right")
    ax.set_title("(a) verticals: the McEliece loads", fontsize=7)
    bx = axes[1]
    bx.set_yscale("log")
    pos = fp.where(fp > 0)
    bx.set_ylim(max(1e-3, 0.5 * float(pos.min())) if pos.notnull().any() else 1e-3, 1.5)
    bx.set_ylabel("fraction of fixed points (log)")
    bx.set_title(f"(b) tail: SE over {ds.sizes['network']} networks; "
                 "zeros not shown", fontsize=7)
    return fig


def _fig_capacity(ds, plt):
    caps = empirical_capacities(ds)
    fig, ax = plt.subplots(figsize=(plotting.SINGLE[0], 3.0))
    Ns = ds.N.values
    Nf = np.geomspace(Ns.min(), Ns.max(), 200)
    ac = critical_capacity()
    ax.errorbar(Ns * 0.94, caps.alpha_one_step, yerr=caps.alpha_one_step_se, fmt="o", ms=4,
                color="C0", label="1 % one-step error (line: finite-N theory)", zorder=3)
    if ds.attrs["zero_diagonal"]:
        ax.plot(Nf, alpha_at_one_step_error(0.01, N=Nf), "-", color="C0", lw=0.8)
        ax.axhline(alpha_at_one_step_error(0.01), color="C0", lw=0.6, ls=":",
                   label=r"large-N 1 % load 0.185")
    ax.errorbar(Ns * 1.06, caps.alpha_retrieval, yerr=caps.alpha_retrieval_se, fmt="s", ms=4,
                color="C1",
                label=r"retrieval limit ($\bar m$ = 0.8)")
    if len(Ns) >= 4:
        fit = finite_size_extrapolation(Ns, caps.alpha_retrieval, caps.alpha_retrieval_se)
        Nx = np.geomspace(Ns.min(), 1e5, 200)
        ax.plot(Nx, fit["alpha_inf"] + fit["c"] * Nx ** -fit["nu"], "--", color="C1", lw=0.8,
                label=rf"fit $\alpha_\infty + cN^{{-\nu}}$: $\alpha_\infty$ = "
                      rf"{fit['alpha_inf']:.3f} $\pm$ {fit['alpha_inf_se']:.3f}")
    ax.axhline(ac, color="C1", lw=0.8, label=rf"AGS $\alpha_c$ = {ac:.3f}")
    ax.errorbar(Ns, caps.alpha_fixed_points, yerr=caps.alpha_fixed_points_se, fmt="^",
                color="C2", label="90 % of patterns fixed points")
    ind = [crossing(ds.alpha.values, ds.fixed_point_fraction_theory.sel(N=N).values, 0.9)
           for N in Ns]
    ax.plot(Ns, ind, ":", color="k", lw=1.0, zorder=4,
            label=r"the same from $(1-p_N)^N$ (independent bits)")
    ax.plot(Nf, perfect_recall_load(Nf), "-", color="C2", lw=0.8,
            label=r"McEliece $1/(2\ln N)$ (asymptote)")
    ax.set_xscale("log")
    ax.set_xlabel("number of neurons $N$")
    ax.set_ylabel(r"capacity $\alpha = P/N$")
    ax.set_ylim(0, 0.3)
    ax.legend(fontsize=5.5, ncol=1, loc="upper right")
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "hopfield_one_step_error_vs_alpha": _fig_one_step,
    "hopfield_overlap_vs_alpha": _fig_overlap,
    "hopfield_fixed_points_vs_load": _fig_fixed_points,
    "hopfield_capacity_vs_N": _fig_capacity,
}
