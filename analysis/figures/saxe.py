"""Figures of the saxe study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from memory_dynamics.sim.saxe import hierarchical_dataset

from .. import plotting
from ..checks import mean_se
from ..saxe import (
    classical_mds,
    half_learning_time,
    input_output_modes,
    mode_trajectory,
    procrustes_align,
)


def _pick_point(ds):
    L = 3 if 3 in ds.tree_depth.values else int(ds.tree_depth.values[0])
    e = 0.0 if 0.0 in ds.flip_prob.values else float(ds.flip_prob.values[0])
    pt = ds.sel(tree_depth=L, flip_prob=e)
    modes = np.isfinite(pt.s.values)
    return L, e, pt.isel(mode=modes, unit=np.isfinite(pt.hidden_aligned.isel(step=0, item=0)
                                                      .values),
                         item=np.isfinite(pt.hidden_aligned.isel(step=0, unit=0).values))


def _distinct_modes(s):
    """First mode of each group of tied singular values."""
    keep, last = [], None
    for m, v in enumerate(s):
        if last is None or abs(v - last) > 1e-9 * s[0]:
            keep.append(m)
            last = v
    return keep


def _fig_modes(ds, plt):
    L, e, pt = _pick_point(ds)
    fig, ax = plt.subplots(figsize=(3.6, 2.8))
    t = pt.step.values
    modes = _distinct_modes(pt.s.values)
    for c, m in zip(plotting.colors(len(modes)), modes):
        s = float(pt.s[m])
        ax.plot(t, pt.a_theory.isel(mode=m), "-", color=c, lw=1.2,
                label=f"s = {s:.3f}")
        ax.plot(t[::40], pt.a_aligned.isel(mode=m)[::40], "o", color=c, ms=3)
        for r in pt.init_random.values:
            ax.plot(t, pt.a_random.isel(mode=m, init_random=r), "-", color=c, lw=0.5,
                    alpha=0.6)
    ax.plot([], [], "ko", ms=3, label="aligned start (simulation)")
    ax.plot([], [], "k-", lw=0.5, label="random small starts")
    ax.plot([], [], "k-", lw=1.2, label="closed form")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel(r"mode strength $a_\alpha = u_\alpha^\top W_2W_1 v_\alpha$")
    ax.set_title(f"binary tree, depth {L}, lr = {float(pt.lr):.3g}", fontsize=8)
    ax.legend(fontsize=5.5)
    return fig


def _fig_half(ds, plt):
    fig, ax = plt.subplots(figsize=(3.4, 2.7))
    a0 = ds.attrs["a0"]
    xs, measured = [], 0
    for c, L in zip(plotting.colors(ds.sizes["tree_depth"]), ds.tree_depth.values):
        pt = ds.sel(tree_depth=L, flip_prob=ds.flip_prob.values[0])
        ok = np.isfinite(pt.half_time.values) & np.isfinite(pt.s.values)
        T = float(pt.tau)
        ax.plot(1 / pt.s.values[ok], pt.half_time.values[ok] / T, "o", color=c, ms=4,
                mfc="none", label=f"tree depth {L}")
        xs += list(1 / pt.s.values[np.isfinite(pt.s.values)])  # every mode: the theory's range
        measured += int(ok.sum())
    if not measured:
        ax.set_title("no mode reached half its strength within the run (steps)", fontsize=7)
    x = np.linspace(min(xs) * 0.9, max(xs) * 1.05, 200)
    ax.plot(x, half_learning_time(1 / x, a0, 1.0), "k-", lw=1,
            label=r"$\frac{\tau}{2s}\ln(s/a_0-1)$")
    ax.set_xlabel("1 / singular value")
    ax.set_ylabel(r"half-learning time / $\tau$")
    ax.legend(fontsize=6)
    return fig


def _fig_mds(ds, plt):
    """Progressive differentiation: MDS of the items' hidden representations (top, shared
    axes) and their similarity matrices (bottom: every split of the tree, leaves included)."""
    L, e, pt = _pick_point(ds)
    if e != 0:
        fig, ax = plt.subplots(figsize=(7.0, 1.6))
        plotting.nothing_to_show(ax, "progressive differentiation is drawn for the "
                                     "noise-free tree: flip_prob has no 0")
        return fig
    a0 = ds.attrs["a0"]
    T = float(pt.tau)
    half = half_learning_time(pt.s.values, a0, T)
    groups = _distinct_modes(pt.s.values)
    times = [0.5 * half.min()] + [half[m] * 1.1 for m in groups[:3]] + [float(pt.step.max())]
    fig, grid = plt.subplots(2, len(times) + 1, figsize=(7.0, 3.6),
                             gridspec_kw={"width_ratios": [1] * len(times) + [0.07]})
    axes = grid[:, :-1]
    grid[0, -1].axis("off")
    n_items = pt.sizes["item"]
    colors = plt.get_cmap("tab10")(np.arange(n_items) // max(1, n_items // 4) % 10)
    Vt = _item_modes(pt)
    snaps = []
    for t in times:
        k = int(np.argmin(np.abs(pt.step.values - t)))
        rep = pt.hidden_random.isel(step=k, init_random=0).values
        a_th = mode_trajectory(pt.step.values[k], pt.s.values, a0, T)
        th = np.sqrt(a_th)[:, None] * Vt  # theory: diag(sqrt a) V^T
        snaps.append((k, rep, th))
    ref = classical_mds(snaps[-1][2])  # common axes: the final (learned) configuration
    lim = 1.25 * np.abs(ref).max()
    vmax = max(float(np.abs(th.T @ th).max()) for _, _, th in snaps)
    for j, (k, rep, th) in enumerate(snaps):
        ax, bx = axes[0, j], axes[1, j]
        Y_th = classical_mds(th)
        Y_sim = procrustes_align(classical_mds(rep), Y_th)
        ax.scatter(*Y_th.T, s=30, facecolors="none", edgecolors=colors, lw=0.8)
        ax.scatter(*Y_sim.T, s=8, c=colors)
        ax.set_title(f"step {int(pt.step.values[k])}", fontsize=7)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=5)
        ax.set_xlabel("MDS 1", fontsize=6)
        if j:
            ax.set_yticklabels([])
        # similarity: lower triangle simulated, upper triangle theory, one colour scale
        S_sim, S_th = rep.T @ rep, th.T @ th
        M = np.where(np.tri(n_items, dtype=bool), S_sim, S_th)
        im = bx.imshow(M, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        bx.set_xticks(range(n_items))
        bx.set_yticks(range(n_items))
        bx.tick_params(labelsize=4.5, length=1.5)
        if j:
            bx.set_yticklabels([])
        bx.set_xlabel("item", fontsize=6)
    axes[0, 0].set_ylabel("MDS 2", fontsize=6)
    axes[1, 0].set_ylabel("item", fontsize=6)
    cb = fig.colorbar(im, cax=grid[1, -1])
    cb.ax.tick_params(labelsize=5)
    cb.set_label("similarity $h_i^\\top h_j$", fontsize=6)
    fig.suptitle(f"tree depth {L}, hidden representations of the items. Top: MDS (dots: one "
                 "random start, simulated; circles: theory; shared axes; colour: branch at "
                 "level 2).\nBottom: similarity matrices on one colour scale (lower triangle "
                 "simulated, upper theory): every split of the tree, leaves included",
                 fontsize=6.5)
    return fig


def _fig_random(ds, plt):
    """Half-learning times of random starts: measured against three theories."""
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.4))
    a0 = ds.attrs["a0"]
    for c, L in zip(plotting.colors(ds.sizes["tree_depth"]), ds.tree_depth.values):
        pt = ds.sel(tree_depth=L, flip_prob=ds.flip_prob.values[0])
        if "half_time_random_theory" not in pt:
            continue
        T = float(pt.tau)
        meas = pt.half_time_random / T
        nominal = (pt.half_time_theory / T).broadcast_like(meas)
        for ax, (th, mk, lab) in zip(axes, (
                (pt.half_time_random_theory / T, "o", "decoupled, own start"),
                (pt.half_time_random_projected_theory / T, "s", "decoupled, own start, "
                 "stronger modes' directions removed"))):
            ax.plot(nominal.values.ravel(), meas.values.ravel(), "x", color="0.6", ms=2.5,
                    mew=0.5)
            ax.plot(th.values.ravel(), meas.values.ravel(), mk, color=c, ms=2.5,
                    mfc="none", mew=0.6, label=f"depth {L}")
            ax.set_title(lab, fontsize=7)
    hi = max(max(ax.get_xlim()[1], ax.get_ylim()[1]) for ax in axes)
    if "half_time_random" not in ds or not np.isfinite(ds.half_time_random).any():
        for ax in axes:
            ax.text(0.5, 0.6, "no random start reached half its strength within the run",
                    ha="center", transform=ax.transAxes, fontsize=6.5, color="0.3")
    for ax in axes:
        ax.plot([0, hi], [0, hi], "k-", lw=0.8, label="measured = theory")
        ax.plot([], [], "x", color="0.6", ms=2.5, label=rf"scalar theory at $a_0$ = {a0:g}")
        ax.set_xlim(0, hi)
        ax.set_ylim(0, hi)
        ax.set_aspect("equal")
        ax.set_xlabel(r"theory $t_{1/2}/\tau$")
    axes[0].set_ylabel(r"measured $t_{1/2}/\tau$ (random starts, every mode)")
    axes[0].legend(fontsize=5.5, loc="upper left")
    return fig


def _item_modes(pt):
    """V^T of the point's input-output correlation (modes x items), from the dataset."""
    X, Y = hierarchical_dataset(int(pt.tree_depth)) if float(pt.flip_prob) == 0 else (
        None, None)
    if X is None:
        raise ValueError("the MDS figure uses the noise-free tree (flip_prob = 0)")
    return input_output_modes(X, Y)[2].T


def _fig_deep(ds, plt):
    L, e, pt = _pick_point(ds)
    fig, ax = plt.subplots(figsize=(3.6, 2.8))
    t = pt.step.values
    m = 0
    s = float(pt.s[m])
    ax.plot(t, pt.a_theory.isel(mode=m) / s, "k-", lw=1.2, label="two layers, theory")
    ax.plot(t[::40], pt.a_aligned.isel(mode=m)[::40] / s, "ko", ms=3,
            label="two layers, simulation")
    ax.plot(t, pt.a_shallow_theory.isel(mode=m) / s, "-", color="C0", lw=1.2,
            label="one layer, theory")
    ax.plot(t[::40], pt.a_shallow.isel(mode=m)[::40] / s, "o", color="C0", ms=3,
            label="one layer, simulation")
    if "a_deep3_theory" in pt:
        ax.plot(t, pt.a_deep3_theory.isel(mode=m) / s, "-", color="C3", lw=1.2,
                label=r"three layers, theory $\tau\dot a = 3a^{4/3}(s-a)$")
    ax.plot(t[::40], pt.a_deep3.isel(mode=m)[::40] / s, "o", color="C3", ms=3,
            label="three layers, simulation")
    tm, tse = mean_se(pt.a_tanh.isel(mode=m), "init_tanh")
    ax.plot(t, tm / s, "--", color="C2", lw=1, label="two layers tanh (simulation, ±SE)")
    ax.fill_between(t, (tm - tse) / s, (tm + tse) / s, color="C2", alpha=0.3, lw=0)
    if "half_time_deep3" in pt and np.isfinite(float(pt.half_time_deep3.isel(mode=m))):
        ax.set_xlim(0, min(float(t.max()), 1.6 * float(pt.half_time_deep3.isel(mode=m))))
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel(r"$a_1 / s_1$ (root mode)")
    ax.set_title(f"tree depth {L}: deep networks have a plateau, shallow ones do not",
                 fontsize=7)
    ax.legend(fontsize=5.5)
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "saxe_mode_trajectories": _fig_modes,
    "saxe_half_learning_time": _fig_half,
    "saxe_progressive_differentiation": _fig_mds,
    "saxe_deep_vs_shallow": _fig_deep,
    "saxe_random_starts": _fig_random,
}
