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
(``normalisation="mean"``; docs/saxe.md §3). A one-layer network learns each mode exponentially,
:math:`a(t) = s - (s - a_0)e^{-t/\tau}`: no plateau.

Hierarchical data (Saxe, McClelland & Ganguli, PNAS 2019): a binary tree of depth L, one
one-hot item per leaf, one feature per tree node (an item has the features of its ancestors):
singular values :math:`\sqrt{2^{L+1}-1}` (root) and :math:`\sqrt{2^{L-m}-1}` with multiplicity
:math:`2^m` for the splits at depth m (L = 3: 3.873, 2.646, 1.732 ×2, 1 ×4).
"""

from __future__ import annotations

import numpy as np

from . import checks as chk

__all__ = ["truncation_rank", "mode_trajectory", "half_learning_time", "shallow_trajectory",
           "input_output_modes", "tree_singular_values", "tau"]

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
    """Aligned runs against the closed form, the tree spectrum, half-learning times."""
    out = []
    if 3 in ds.tree_depth.values and 0.0 in ds.flip_prob.values:
        s = ds.s.sel(tree_depth=3, flip_prob=0.0).dropna("mode").values
        ref = tree_singular_values(3)  # sqrt(15), sqrt(7), sqrt(3) x2, 1 x4
        mean = ds.attrs.get("normalisation", "sum") == "mean"
        if mean:  # averaged correlations of sqrt(P)-whitened items: s / sqrt(P)
            s = s * np.sqrt(len(s))
        out.append(chk.within("tree_depth3_singular_values",
                              "SVD of the depth-3 tree data vs the closed form sqrt(2^(L-m+1)-1)"
                              ": sqrt(15), sqrt(7), sqrt(3) x2, 1 x4"
                              + (" (mean normalisation, times sqrt(P))" if mean else "")
                              + ": largest deviation", 0.0, float(np.abs(s - ref).max()),
                              1e-10))
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
                "/ a_theory, aligned start (deterministic: tests the Euler error of discrete "
                "gradient descent against the continuous-time closed form; tolerance 0.5 %)",
                0.005, float(rel.max()), kind="theory"))
            if e == 0:
                ht, htt = pt.half_time.isel(mode=modes), pt.half_time_theory.isel(mode=modes)
                ok = np.isfinite(ht.values)
                rel = np.abs(ht.values[ok] / htt.values[ok] - 1)
                out.append(chk.at_most(
                    f"half_time_L{L}", f"tree depth {L}: max relative deviation of measured "
                    f"half-learning times from (tau/2s) ln(s/a0-1), {ok.sum()} modes",
                    0.02, float(rel.max()) if ok.any() else np.inf, kind="theory"))
    return out

