"""The per-point experiment of the Saxe deep-linear learning study.

Simulation plus the exact theory of each random draw (docs/saxe.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.analysis.saxe import truncation_rank
from memory_dynamics.sim.rng import SeedLike, as_generator
from memory_dynamics.sim.saxe import hierarchical_dataset, train_linear_network


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep-point entry (tree depth, flip probability): every training run of the study.

    Runs, all on the same data: two-layer linear from the aligned start (the exact theory),
    from ``n_seeds`` small random starts, a one-layer network, a three-layer network (aligned),
    a two-layer tanh network (random start), and a two-layer linear network with a narrow
    hidden layer trained to its end point (the best low-rank approximation).
    """
    L, eps = int(values["tree_depth"]), float(values["flip_prob"])
    rng = as_generator(seed)
    X, Y = hierarchical_dataset(L, eps, rng.spawn(1)[0], settings["n_features"])
    P = X.shape[1]
    # the learning rate is set per point so that lr * s_max (the step's stiffness, hence the
    # Euler error of the discrete descent against the continuous theory) is the same
    if settings["normalisation"] == "mean":
        X = X * np.sqrt(P)  # whitened under mean normalisation: X X^T / P = I
    s_max = np.linalg.svd(Y @ X.T, compute_uv=False)[0] / (P if settings["normalisation"]
                                                           == "mean" else 1)
    # lr * s_max (in the chosen normalisation, times P for the mean: the step's stiffness)
    lr = settings["lr_smax"] / (s_max * (P if settings["normalisation"] == "mean" else 1))
    kw = dict(lr=lr, steps=settings["steps"], a0=settings["a0"],
              record_every=settings["record_every"], normalisation=settings["normalisation"])
    runs = {
        "aligned": dict(hidden=P, init="aligned"),
        "random": dict(hidden=P, init="random", n_init=settings["n_seeds"]),
        "shallow": dict(hidden=[], init="aligned", depth=1),
        "deep3": dict(hidden=P, init="aligned", depth=3),
        "tanh": dict(hidden=P, init="random", phi="tanh", n_init=settings["n_seeds"]),
    }
    seeds = rng.spawn(len(runs) + 1)
    out = {}
    for i, (name, spec) in enumerate(runs.items()):
        ds = train_linear_network(X, Y, seed=seeds[i], **kw, **spec)
        ds = ds.drop_vars("W_final")
        out[f"a_{name}"] = ds.a.rename(init=f"init_{name}") if ds.sizes["init"] > 1 \
            else ds.a.isel(init=0, drop=True)
        out[f"loss_{name}"] = ds.loss.rename(init=f"init_{name}") if ds.sizes["init"] > 1 \
            else ds.loss.isel(init=0, drop=True)
        if name == "random":
            for v in ("r1_start", "r2_start"):
                out[f"{v}_random"] = ds[v].rename(init="init_random")
        if name in ("aligned", "random"):
            rep = ds.hidden_rep
            out[f"hidden_{name}"] = (rep.rename(init=f"init_{name}") if ds.sizes["init"] > 1
                                     else rep.isel(init=0, drop=True))
        s = ds.s
        if progress is not None:
            progress(i + 1, len(runs) + 1)
    h = truncation_rank(s.values)
    # the end point needs convergence, not Euler accuracy: a large stable step, and enough
    # steps for mode h to come within 1e-6 of s_h (about (tau/2 s_h) ln(s_h/(a0 1e-6)))
    sv = s.values
    sv_stiff = sv * (P if settings["normalisation"] == "mean" else 1)
    lr_end = 0.3 / sv_stiff[0]
    n_end = int(np.ceil(2 * sv[0] / (2 * 0.3 * sv[h - 1]) * np.log(sv[h - 1] / kw["a0"] * 1e6)))
    trunc = train_linear_network(X, Y, h, lr=lr_end, steps=n_end, a0=kw["a0"],
                                 record_every=n_end, normalisation=kw["normalisation"],
                                 seed=seeds[-1])
    # end point: the product of the narrow network against the best rank-h approximation
    Syx = Y @ X.T / (P if settings["normalisation"] == "mean" else 1)
    U, sv, Vt = np.linalg.svd(Syx, full_matrices=False)
    best = (U[:, :h] * sv[:h]) @ Vt[:h]
    a_end = trunc.a.isel(init=0, step=-1).values
    if progress is not None:
        progress(len(runs) + 1, len(runs) + 1)
    for k, v in list(out.items()):
        out[k] = v.assign_attrs(long_name=f"{v.attrs.get('long_name', k)} ({k.split('_')[-1]} "
                                "run)", units="1")
    ds = xr.Dataset(out)
    ds["s"] = s
    ds["a_truncated_end"] = ("mode", a_end, {
        "long_name": f"final mode strengths of a hidden-{h} network (best rank-{h} "
                     "approximation: s for the first h modes, 0 after)", "units": "1"})
    ds["best_rank_s"] = ("mode", np.where(np.arange(len(sv)) < h, sv, 0.0), {
        "long_name": f"mode strengths of the best rank-{h} approximation of Sigma^yx",
        "units": "1"})
    M = trunc.W_final.isel(init=0).values
    ds["truncated_rel_error"] = ((), float(np.linalg.norm(M - best) / np.linalg.norm(best)), {
        "long_name": f"|W2 W1 - best rank-{h} approximation|_F / |best|_F at the end",
        "units": "1"})
    ds["lr"] = ((), lr, {"long_name": "learning rate (lr_smax / s_max)", "units": "1"})
    # per point (they differ between tree depths, so they are variables, not attributes)
    ds["n_items"] = ((), P, {"long_name": "items P of the tree (leaves)", "units": "1"})
    ds["hidden_truncated"] = ((), h, {
        "long_name": "hidden units h of the truncated (narrow) network", "units": "1"})
    ds = ds.assign_coords(tree_depth=L, flip_prob=eps)
    ds["tree_depth"].attrs = {"long_name": "depth of the binary tree", "units": "1"}
    ds["flip_prob"].attrs = {"long_name": "feature flip probability per tree edge",
                             "units": "1"}
    ds.attrs.update({"a0": settings["a0"], "normalisation": settings["normalisation"],
                     "lr_smax": settings["lr_smax"], "steps": settings["steps"]})
    return ds
