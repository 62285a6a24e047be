r"""Deep linear learning dynamics (Saxe, McClelland & Ganguli): theory, checks, figures.

A two-layer linear network :math:`\hat y = W_2 W_1 x` trained by full-batch gradient descent
on the squared error :math:`\tfrac12\sum_\mu\|y^\mu - W_2W_1x^\mu\|^2` with learning rate
:math:`\lambda`. With whitened inputs (:math:`\Sigma^x = \sum_\mu x^\mu x^{\mu\top} = I`, one-hot
items) and :math:`\Sigma^{yx} = \sum_\mu y^\mu x^{\mu\top} = USV^\top`, a small balanced
start aligned with the modes keeps them decoupled and each mode strength
:math:`a_\alpha = u_\alpha^\top W_2W_1 v_\alpha` follows (Saxe et al., ICLR 2014, Eq. 6)

.. math:: a(t) = \frac{s\,e^{2st/\tau}}{e^{2st/\tau} - 1 + s/a_0}, \qquad
          t_{1/2} = \frac{\tau}{2s}\ln\!\left(\frac{s}{a_0} - 1\right),

with :math:`\tau = 1/\lambda` and t in full-batch steps when the Σ's are *sums* over the P
examples (loss summed); when they are *means* (:math:`\Sigma/P`, inputs whitened so that
:math:`\Sigma^x = I` as a mean) the same descent has :math:`\tau = 1/(P\lambda)`
(``normalisation="mean"``; SCIENCE.md §4). A one-layer network learns each mode exponentially,
:math:`a(t) = s - (s - a_0)e^{-t/\tau}`: no plateau.

Hierarchical data (Saxe, McClelland & Ganguli, PNAS 2019): a binary tree of depth L, one
one-hot item per leaf, one feature per tree node (an item has the features of its ancestors):
singular values :math:`\sqrt{2^{L+1}-1}` (root) and :math:`\sqrt{2^{L-m}-1}` with multiplicity
:math:`2^m` for the splits at depth m (L = 3: 3.873, 2.646, 1.732 ×2, 1 ×4).
"""

from __future__ import annotations

import numpy as np

__all__ = ["truncation_rank", "mode_trajectory", "half_learning_time", "shallow_trajectory",
           "hierarchical_dataset", "input_output_modes", "tree_singular_values", "tau"]

TITLE = "Deep linear network learning dynamics and progressive differentiation"
REFERENCES = ("Saxe, McClelland & Ganguli (2014) ICLR, arXiv:1312.6120; Saxe, McClelland & "
              "Ganguli (2019) PNAS 116:11537")


def tau(lr: float, n_examples: int = 1, normalisation: str = "sum") -> float:
    """Time constant in steps: 1/lr for summed Σ's, 1/(P lr) for averaged ones."""
    if normalisation not in ("sum", "mean"):
        raise ValueError(f"normalisation must be 'sum' or 'mean', got {normalisation!r}")
    return 1 / lr if normalisation == "sum" else 1 / (n_examples * lr)


def mode_trajectory(t, s, a0, tau):
    r"""Closed-form mode strength :math:`a(t)` of a two-layer linear network (aligned start)."""
    t, s = np.asarray(t, float), np.asarray(s, float)
    x = np.exp(np.minimum(2 * s * t / tau, 700.0))
    return s * x / (x - 1 + s / a0)


def half_learning_time(s, a0, tau):
    r""":math:`t_{1/2} = (\tau/2s)\ln(s/a_0 - 1)` (s = 1, τ = 1, a0 = 1e-3 → 3.453)."""
    s = np.asarray(s, float)
    if np.any(s <= 2 * a0):
        raise ValueError("half-learning time needs s > 2 a0")
    return tau / (2 * s) * np.log(s / a0 - 1)


def shallow_trajectory(t, s, a0, tau):
    """One-layer network: a(t) = s - (s - a0) exp(-t/tau) (exponential, no plateau)."""
    return s - (s - a0) * np.exp(-np.asarray(t, float) / tau)


def tree_singular_values(depth: int) -> np.ndarray:
    """Singular values of the one-feature-per-node binary tree, largest first."""
    vals = [np.sqrt(2 ** (depth + 1) - 1)]
    for m in range(depth):
        vals += [np.sqrt(2 ** (depth - m) - 1)] * 2**m
    return np.array(vals)


def hierarchical_dataset(depth: int, flip_prob: float = 0.0, seed=None,
                         n_features: int | None = None):
    r"""Items and features of a binary tree of depth ``depth`` (2^depth one-hot items).

    ``flip_prob = 0``: one feature per tree node (2^(depth+1) - 1 features), 1 for the items
    below the node, 0 elsewhere. ``flip_prob > 0``: the branching-diffusion variant of Saxe et
    al. (2014, Fig. 3): each of ``n_features`` (default 100) features draws ±1 at the root and
    flips with probability ``flip_prob`` along every tree edge down to the items.

    Returns
    -------
    X : ndarray, shape (P, P)
        One-hot items as columns (identity).
    Y : ndarray, shape (n_features, P)
        Feature values of each item (columns).
    """
    if depth < 1:
        raise ValueError("depth must be >= 1")
    P = 2**depth
    X = np.eye(P)
    if flip_prob == 0:
        rows = []
        for level in range(depth + 1):
            width = 2 ** (depth - level)  # items under a node of this level
            for node in range(2**level):
                row = np.zeros(P)
                row[node * width:(node + 1) * width] = 1
                rows.append(row)
        return X, np.array(rows)
    if not 0 < flip_prob < 0.5:
        raise ValueError("flip_prob must be in [0, 0.5)")
    from sim.rng import as_generator

    rng = as_generator(seed)
    F = n_features or 100
    values = rng.choice([-1.0, 1.0], size=(F, 1))
    for _ in range(depth):
        children = np.repeat(values, 2, axis=1)
        flips = rng.random(children.shape) < flip_prob
        values = np.where(flips, -children, children)
    return X, values


def truncation_rank(s, max_rank: int = 4, rtol: float = 1e-9) -> int:
    """Largest h <= max_rank that does not split a group of tied singular values."""
    s = np.asarray(s, float)
    for h in range(min(max_rank, len(s) - 1), 0, -1):
        if s[h - 1] - s[h] > rtol * s[0]:
            return h
    return 1


def input_output_modes(X, Y):
    """SVD of the input-output correlation Σ^yx = Y X^T (sums over items): (U, s, V)."""
    U, s, Vt = np.linalg.svd(np.asarray(Y) @ np.asarray(X).T, full_matrices=False)
    return U, s, Vt.T


# --------------------------------------------------------------------------- comparison
def _tau(ds):
    """Time constant per point: 1/lr (summed loss) or 1/(P lr) (mean loss)."""
    P = ds.attrs.get("n_items", 1) if ds.attrs.get("normalisation", "sum") == "mean" else 1
    return 1 / (P * ds.lr)


def classical_mds(R: np.ndarray, dim: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS of the columns of R (items): coordinates (items, dim)."""
    D2 = ((R[:, :, None] - R[:, None, :]) ** 2).sum(axis=0)
    n = D2.shape[0]
    J = np.eye(n) - 1 / n
    B = -0.5 * J @ D2 @ J
    w, v = np.linalg.eigh(B)
    idx = np.argsort(w)[::-1][:dim]
    return v[:, idx] * np.sqrt(np.maximum(w[idx], 0))


def procrustes_align(A: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Rotate/reflect A (items, dim) onto ref (orthogonal Procrustes; no rescaling)."""
    from scipy.linalg import orthogonal_procrustes

    R, _ = orthogonal_procrustes(A, ref)
    return A @ R


def measured_half_times(step, a, s) -> np.ndarray:
    """First step at which each mode reaches s/2 (linear interpolation); NaN if never."""
    out = np.full(len(s), np.nan)
    for m in range(len(s)):
        y = a[:, m] - s[m] / 2
        i = np.flatnonzero(y >= 0)
        if i.size and i[0] > 0:
            k = i[0]
            out[m] = step[k - 1] + (step[k] - step[k - 1]) * (-y[k - 1]) / (y[k] - y[k - 1])
    return out


def add_theory(ds):
    """Closed-form trajectories and half-learning times beside the trained networks."""
    import xarray as xr

    ds = ds.copy()
    T = _tau(ds)
    a0 = ds.attrs["a0"]
    ds["tau"] = T.assign_attrs(long_name="time constant tau (1/lr summed; 1/(P lr) mean)",
                               units="steps")
    ds["a_theory"] = xr.apply_ufunc(lambda t, s, T: mode_trajectory(t, s, a0, T), ds.step,
                                    ds.s, T)
    ds["a_theory"].attrs = {"long_name": "closed-form mode strength (two layers, aligned)",
                            "units": "1"}
    ds["a_shallow_theory"] = xr.apply_ufunc(lambda t, s, T: shallow_trajectory(t, s, a0, T),
                                            ds.step, ds.s, T)
    ds["a_shallow_theory"].attrs = {"long_name": "one-layer mode strength s-(s-a0)e^(-t/tau)",
                                    "units": "1"}
    ds["half_time_theory"] = xr.apply_ufunc(
        lambda s, T: np.where(s > 2 * a0, T / (2 * s) * np.log(np.abs(s / a0 - 1)), np.nan),
        ds.s, T).assign_attrs(long_name="half-learning time (tau/2s) ln(s/a0 - 1)", units="steps")
    ht = xr.apply_ufunc(measured_half_times, ds.step, ds.a_aligned, ds.s,
                        input_core_dims=[["step"], ["step", "mode"], ["mode"]],
                        output_core_dims=[["mode"]], vectorize=True)
    ds["half_time"] = ht.assign_attrs(long_name="measured half-learning time, aligned run",
                                      units="steps")
    return ds


# ------------------------------------------------------------------------------- checks
def make_checks(ds):
    """Aligned runs against the closed form, tree spectrum, half times, low-rank end point."""
    from . import checks as chk

    out = []
    if 3 in ds.tree_depth.values and 0.0 in ds.flip_prob.values:
        s = ds.s.sel(tree_depth=3, flip_prob=0.0).dropna("mode").values
        ref = np.array([3.873, 2.646, 1.732, 1.732, 1, 1, 1, 1])
        mean = ds.attrs.get("normalisation", "sum") == "mean"
        if mean:  # averaged correlations of sqrt(P)-whitened items: s / sqrt(P)
            s = s * np.sqrt(len(s))
        out.append(chk.within("tree_depth3_singular_values",
                              "depth-3 tree singular values vs 3.873, 2.646, 1.732 x2, 1 x4"
                              + (" (mean normalisation, times sqrt(P))" if mean else "")
                              + ": largest deviation", 0.0, float(np.abs(s - ref).max()),
                              5e-4))
    for L in ds.tree_depth.values:
        for e in ds.flip_prob.values:
            pt = ds.sel(tree_depth=L, flip_prob=e)
            modes = np.isfinite(pt.s.values) & (pt.s.values > 0.05)
            sim = pt.a_aligned.isel(mode=modes).values
            th = pt.a_theory.isel(mode=modes).values
            rel = np.abs(sim - th) / th
            out.append(chk.at_most(
                f"aligned_trajectory_L{L}_eps{e:g}",
                f"tree depth {L}, flip {e:g}: max over steps and modes of |a_sim - a_theory| "
                "/ a_theory, aligned start (tolerance 0.5 %)", 0.005, float(rel.max())))
            if e == 0:
                ht, htt = pt.half_time.isel(mode=modes), pt.half_time_theory.isel(mode=modes)
                ok = np.isfinite(ht.values)
                rel = np.abs(ht.values[ok] / htt.values[ok] - 1)
                out.append(chk.at_most(
                    f"half_time_L{L}", f"tree depth {L}: max relative deviation of measured "
                    f"half-learning times from (tau/2s) ln(s/a0-1), {ok.sum()} modes",
                    0.02, float(rel.max()) if ok.any() else np.inf))
            out.append(chk.within(
                f"low_rank_end_point_L{L}_eps{e:g}",
                f"tree depth {L}, flip {e:g}: |W2W1 - best rank-h approximation|_F / |best|_F "
                "after training a narrow network", 0.0, float(pt.truncated_rel_error), 1e-3))
    return out


# ------------------------------------------------------------------------------ figures
FIGURES = {
    "saxe_mode_trajectories": "mode strengths vs step with the closed-form sigmoids",
    "saxe_half_learning_time": "half-learning time vs 1/s with (tau/2s) ln(s/a0 - 1)",
    "saxe_progressive_differentiation": "MDS of hidden representations over training",
    "saxe_deep_vs_shallow": "deep vs shallow (and tanh) learning curves",
}


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
    from . import plotting

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
    from . import plotting

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


def make_figures(ds, outdir):
    """Draw every Saxe figure into ``outdir`` as PNG and PDF; return the paths."""
    from . import plotting

    return plotting.draw(ds, outdir, {
        "saxe_mode_trajectories": _fig_modes,
        "saxe_half_learning_time": _fig_half,
        "saxe_progressive_differentiation": _fig_mds,
        "saxe_deep_vs_shallow": _fig_deep,
    })
