"""Figures of the hopfield study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..hopfield import (
    _mean_se,
    ags_overlap,
    alpha_at_one_step_error,
    critical_capacity,
    empirical_capacities,
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
    zero = bool(ds.attrs.get("zero_diagonal", 1))
    ax.plot(a, one_step_error(a, None, zero), "k-", lw=1.2, label=r"$\Phi(-1/\sqrt{\alpha})$")
    ax.axhline(0.01, color="0.5", lw=0.6, ls=":")
    if zero:
        a1 = alpha_at_one_step_error(0.01)
        ax.axvline(a1, color="0.5", lw=0.6, ls=":")
        ax.annotate(rf"1 % at $\alpha$ = {a1:.3f}", (a1, 0.01), (6, -14),
                    textcoords="offset points", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylim(1e-6, 0.2)
    ax.set_xlabel(r"load $\alpha = P/N$")
    ax.set_ylabel("one-step bit error")
    ax.legend(title="simulation (dashed: finite-N theory)", fontsize=6, title_fontsize=6)
    return fig


def _fig_overlap(ds, plt):
    fig, axes = plt.subplots(1, 2, figsize=plotting.DOUBLE_SHORT, sharey=True)
    colors = plotting.colors(ds.sizes["N"])
    a = np.linspace(0.005, float(ds.alpha.max()), 400)
    m_ags = ags_overlap(a)
    ac = critical_capacity()
    for ax, var, title in ((axes[0], "overlap", "start: stored pattern"),
                           (axes[1], "cue_overlap",
                            "start: cue with "
                            f"{100 * ds.attrs.get('cue_flip', 0.1):g} % of bits flipped")):
        mean, se = _mean_se(ds[var])
        for c, N in zip(colors, ds.N.values):
            ax.errorbar(ds.alpha, mean.sel(N=N), yerr=se.sel(N=N), fmt="o-", ms=2.5, lw=0.7,
                        color=c, label=f"N = {N}")
        ax.plot(a[a <= ac], m_ags[a <= ac], "k-", lw=1.4, label="AGS theory")
        ax.axvline(ac, color="k", ls=":", lw=0.8)
        ax.annotate(rf"$\alpha_c$ = {ac:.3f}", (ac, 0.05), (4, 0), textcoords="offset points",
                    fontsize=7)
        ax.set_xlabel(r"load $\alpha = P/N$")
        ax.set_title(title, fontsize=8)
    axes[0].set_ylabel("final overlap $m$")
    axes[0].set_ylim(0, 1.03)
    axes[0].legend(fontsize=6, loc="lower left")
    return fig


def _fig_fixed_points(ds, plt):
    fig, ax = plt.subplots(figsize=plotting.SINGLE)
    colors = plotting.colors(ds.sizes["N"])
    fp, se = _mean_se(ds.fixed_point_fraction)
    for c, N in zip(colors, ds.N.values):
        x = ds.P.sel(N=N) * np.log(N) / N
        ax.errorbar(x, fp.sel(N=N), yerr=se.sel(N=N), fmt="o", ms=3, color=c, lw=0.8,
                    label=f"N = {N}")
        ax.plot(x, ds.fixed_point_fraction_theory.sel(N=N), "-", color=c, lw=0.8)
    ax.axvline(0.5, color="k", ls="--", lw=0.8)
    ax.axvline(0.25, color="k", ls=":", lw=0.8)
    for x, label in ((0.25, r"all: $P = N/4\ln N$"), (0.5, r"most: $P = N/2\ln N$")):
        ax.annotate(label, (x, 0.05), (-2, 0), textcoords="offset points", fontsize=6,
                    rotation=90, ha="right", va="bottom")
    ax.set_xlim(0, min(1.6, float((ds.P * np.log(ds.N) / ds.N).max())))
    ax.set_xlabel(r"$P \ln N / N$")
    ax.set_ylabel("fraction of patterns that are fixed points")
    ax.legend(title=r"lines: $(1-p_N)^N$", fontsize=6, title_fontsize=6)
    return fig


def _fig_capacity(ds, plt):
    caps = empirical_capacities(ds)
    fig, ax = plt.subplots(figsize=plotting.SINGLE)
    Ns = ds.N.values
    Nf = np.geomspace(Ns.min(), Ns.max(), 200)
    ax.errorbar(Ns, caps.alpha_one_step, yerr=caps.alpha_one_step_se, fmt="o", color="C0",
                label="1 % one-step error")
    if ds.attrs.get("zero_diagonal", 1):
        ax.plot(Nf, alpha_at_one_step_error(0.01, N=Nf), "-", color="C0", lw=0.8)
        ax.axhline(alpha_at_one_step_error(0.01), color="C0", lw=0.6, ls=":")
    ax.errorbar(Ns, caps.alpha_retrieval, yerr=caps.alpha_retrieval_se, fmt="s", color="C1",
                label=r"retrieval limit ($\bar m$ = 0.8)")
    ax.axhline(critical_capacity(), color="C1", lw=0.8, label=r"AGS $\alpha_c$")
    ax.errorbar(Ns, caps.alpha_fixed_points, yerr=caps.alpha_fixed_points_se, fmt="^",
                color="C2", label="half of patterns fixed points")
    ax.plot(Nf, perfect_recall_load(Nf), "-", color="C2", lw=0.8,
            label=r"McEliece $1/(2\ln N)$")
    plotting.log_xticks(ax, Ns)
    ax.set_xlabel("number of neurons $N$")
    ax.set_ylabel(r"capacity $\alpha = P/N$")
    ax.set_ylim(0, 0.3)
    ax.legend(fontsize=6, ncol=1)
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "hopfield_one_step_error_vs_alpha": _fig_one_step,
    "hopfield_overlap_vs_alpha": _fig_overlap,
    "hopfield_fixed_points_vs_load": _fig_fixed_points,
    "hopfield_capacity_vs_N": _fig_capacity,
}
