"""Figures of the saxe study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from ...sim.saxe import hierarchical_dataset
from .. import plotting
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
    xs = []
    for c, L in zip(plotting.colors(ds.sizes["tree_depth"]), ds.tree_depth.values):
        pt = ds.sel(tree_depth=L, flip_prob=ds.flip_prob.values[0])
        ok = np.isfinite(pt.half_time.values) & np.isfinite(pt.s.values)
        T = float(pt.tau)
        ax.plot(1 / pt.s.values[ok], pt.half_time.values[ok] / T, "o", color=c, ms=4,
                mfc="none", label=f"tree depth {L}")
        xs += list(1 / pt.s.values[ok])
    x = np.linspace(min(xs) * 0.9, max(xs) * 1.05, 200)
    ax.plot(x, half_learning_time(1 / x, a0, 1.0), "k-", lw=1,
            label=r"$\frac{\tau}{2s}\ln(s/a_0-1)$")
    ax.set_xlabel("1 / singular value")
    ax.set_ylabel(r"half-learning time / $\tau$")
    ax.legend(fontsize=6)
    return fig


def _fig_mds(ds, plt):
    L, e, pt = _pick_point(ds)
    a0 = ds.attrs["a0"]
    T = float(pt.tau)
    half = half_learning_time(pt.s.values, a0, T)
    times = [0.5 * half.min(), half[0] * 1.1, half[1] * 1.1, half[2] * 1.1,
             float(pt.step.max())]
    fig, axes = plt.subplots(1, len(times), figsize=(7.0, 1.8))
    n_items = pt.sizes["item"]
    colors = plt.get_cmap("tab10")(np.arange(n_items) // max(1, n_items // 4) % 10)
    for ax, t in zip(axes, times):
        k = int(np.argmin(np.abs(pt.step.values - t)))
        rep = pt.hidden_random.isel(step=k, init_random=0).values
        a_th = mode_trajectory(pt.step.values[k], pt.s.values, a0, T)
        th = np.sqrt(a_th)[:, None] * _item_modes(pt)  # theory: diag(sqrt a) V^T
        Y_th = classical_mds(th)
        Y_sim = procrustes_align(classical_mds(rep), Y_th)
        ax.scatter(*Y_th.T, s=30, facecolors="none", edgecolors=colors, lw=0.8)
        ax.scatter(*Y_sim.T, s=8, c=colors)
        ax.set_title(f"step {int(pt.step.values[k])}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        lim = np.abs(np.r_[Y_th.ravel(), Y_sim.ravel()]).max() * 1.2 + 1e-12
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    axes[0].set_ylabel("MDS 2", fontsize=7)
    fig.suptitle("hidden representations of the items (dots: random start, simulated; "
                 "circles: theory); colour: branch at tree level 2", fontsize=7)
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
    ax.plot(t, pt.a_deep3.isel(mode=m) / s, "-", color="C3", lw=1,
            label="three layers (simulation)")
    ax.plot(t, pt.a_tanh.isel(mode=m).mean("init_tanh") / s, "--", color="C2", lw=1,
            label="two layers tanh (simulation)")
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
}
