r"""Gradient-descent training of deep linear (and tanh) networks on structured data.

Full-batch gradient descent with learning rate :math:`\lambda` on
:math:`L = \tfrac12\sum_\mu \|y^\mu - W_d\cdots W_1 x^\mu\|^2` (``docs/saxe.md``). For a
linear network the gradient depends on the data only through
:math:`\Sigma^x = XX^\top` and :math:`\Sigma^{yx} = YX^\top`:
:math:`\Delta W_k = \lambda\, (W_{>k})^\top (\Sigma^{yx} - W\Sigma^x) (W_{<k})^\top`, with
:math:`W = W_d\cdots W_1`. Mode strengths :math:`a_\alpha = u_\alpha^\top W v_\alpha` are recorded
in the SVD basis of :math:`\Sigma^{yx}` (Saxe, McClelland & Ganguli, ICLR 2014). Several random
starts are trained together as one batch of stacked weight matrices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from .limits import step_stiffness
from .rng import SeedLike, as_generator, haar_orthogonal

__all__ = ["train_linear_network", "step_stiffness"]


def _init(kind, dims, U, V, a0, n_init, rng, scale):
    """Weights per layer, stacked over ``n_init`` starts: list of (n_init, out, in)."""
    d = len(dims) - 1
    if kind == "aligned":
        r = min(min(dims[1:-1], default=dims[0]), U.shape[1])
        c = a0 ** (1 / d)
        Rs = [haar_orthogonal(h, rng)[:, :r] for h in dims[1:-1]]
        left = [V[:, :r].T] + [R.T for R in Rs]  # maps into mode space
        right = Rs + [U[:, :r]]  # maps out of mode space
        Ws = [c * (right[k] @ left[k]) for k in range(d)]
        return [np.broadcast_to(W, (n_init, *W.shape)).copy() for W in Ws]
    if kind == "random":
        return [rng.standard_normal((n_init, dims[k + 1], dims[k])) * scale
                / np.sqrt(dims[k]) for k in range(d)]
    raise ValueError(f"init must be 'aligned' or 'random', got {kind!r}")


def _product(Ws):
    M = Ws[0]
    for W in Ws[1:]:
        M = W @ M
    return M


def _hidden_sizes(hidden, depth, P, batch_size, phi, normalisation) -> list:
    """The hidden sizes, after every argument of :func:`train_linear_network` is checked."""
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    hs = [hidden] * (depth - 1) if np.ndim(hidden) == 0 else list(hidden)
    if len(hs) != depth - 1 or any(int(h) < 1 for h in hs):
        raise ValueError(f"need depth - 1 = {depth - 1} hidden sizes >= 1, got {hidden}")
    if batch_size is not None and not 1 <= batch_size <= P:
        raise ValueError(f"batch_size must be in 1..P = {P}, got {batch_size}")
    if batch_size is not None and phi != "linear":
        raise ValueError("batch_size (SGD) is implemented for linear networks")
    if phi not in ("linear", "tanh") or (phi == "tanh" and depth != 2):
        raise ValueError("phi must be 'linear', or 'tanh' with depth 2")
    if normalisation not in ("sum", "mean"):
        raise ValueError(f"normalisation must be 'sum' or 'mean', got {normalisation!r}")
    return hs


def _linear_step(Ws, E, lr):
    r"""One gradient step of a deep linear network from the negative gradient E with
    respect to the product: :math:`\Delta W_k = \lambda W_{>k}^\top E W_{<k}^\top`, with
    :math:`W_{<k} = W_{k-1}\cdots W_1` (identity for k = 1)."""
    depth = len(Ws)
    below = [None] * depth
    acc = None
    for k in range(depth):
        below[k] = acc
        acc = Ws[k] if acc is None else Ws[k] @ acc
    above = [None] * depth
    acc = None
    for k in reversed(range(depth)):
        above[k] = acc
        acc = Ws[k] if acc is None else acc @ Ws[k]
    new = []
    for k in range(depth):
        G = E @ np.swapaxes(below[k], 1, 2) if below[k] is not None else E
        if above[k] is not None:
            G = np.swapaxes(above[k], 1, 2) @ G
        new.append(Ws[k] + lr * G)
    return new


def _dataset(a, loss, s, rec, reps, W_final, r1, r2, P, attrs) -> xr.Dataset:
    """The records of :func:`train_linear_network` as a dataset."""
    n_init = a.shape[0]
    normalisation = attrs["normalisation"]
    coords = {"init": ("init", np.arange(n_init), {"long_name": "start", "units": "1"}),
              "step": ("step", np.array(rec), {"long_name": "gradient-descent step (count)",
                                               "units": "1"}),
              "mode": ("mode", np.arange(len(s)), {"long_name": "input-output mode",
                                                   "units": "1"}),
              "item": ("item", np.arange(P), {"long_name": "item (example)", "units": "1"})}
    if reps is not None:
        coords["unit"] = ("unit", np.arange(reps.shape[2]), {"long_name": "first hidden unit",
                                                       "units": "1"})
    data = {
        "a": (("init", "step", "mode"), a, {"long_name": "mode strength u^T W v",
                                            "units": "1"}),
        "loss": (("init", "step"), loss, {"long_name": f"training loss ({normalisation})",
                                          "units": "1"}),
        "s": ("mode", s / (P if normalisation == "mean" else 1), {
            "long_name": f"singular value of Sigma^yx ({normalisation} over examples)",
            "units": "1"}),
    }
    data["W_final"] = (("init", "out_unit", "in_unit"), W_final, {
                           "long_name": "input-output map at the last step", "units": "1"})
    if reps is not None:
        data["hidden_rep"] = (("init", "step", "unit", "item"), reps, {
            "long_name": "hidden representation of each item", "units": "1"})
    if r1 is not None:
        data["r1_start"] = (("init", "mode", "unit"), r1, {
            "long_name": "W1 v of each mode at the start (hidden vector)", "units": "1"})
        data["r2_start"] = (("init", "mode", "unit"), r2, {
            "long_name": "W2^T u of each mode at the start (hidden vector)", "units": "1"})
    return xr.Dataset(data, coords=coords, attrs=attrs)


def train_linear_network(X: np.ndarray, Y: np.ndarray, hidden: int | Sequence[int],
                         lr: float, steps: int, init: str = "aligned",
                         depth: int = 2, seed: SeedLike = 0, record_every: int = 30,
                         a0: float = 1e-3, n_init: int = 1, init_scale: float | None = None,
                         normalisation: str = "sum", phi: str = "linear",
                         batch_size: int | None = None) -> xr.Dataset:
    r"""Train ``n_init`` networks by full-batch gradient descent; record mode strengths.

    Parameters
    ----------
    X : ndarray, shape (n_in, P)
        Inputs as columns (one-hot items give :math:`\Sigma^x = I`).
    Y : ndarray, shape (n_out, P)
        Targets as columns.
    hidden : int or sequence of int
        Hidden layer width(s); ``depth - 1`` layers (a single int is repeated).
    lr : float
        Learning rate λ; ``lr * step_stiffness(s_max, c, depth)`` must be < 1 or descent
        diverges (two layers: ``lr * s_max < 1``).
    steps : int
        Full-batch steps.
    init : {"aligned", "random"}
        "aligned": balanced start with product ``a0 U V^T`` (exact theory); "random": i.i.d.
        Gaussian entries of std ``init_scale / sqrt(fan_in)`` (default ``a0**(1/depth)``).
    depth : int
        Number of weight layers (1 = shallow).
    seed : seed-like
    record_every : int
        Steps between records (step 0 and the last step are always recorded).
    a0 : float
        Initial mode strength of the aligned start.
    n_init : int
        Starts trained together (random init: independent draws).
    normalisation : {"sum", "mean"}
        How the correlations are normalised (Saxe et al.): :math:`\Sigma = \sum_\mu` (τ = 1/λ)
        or :math:`\Sigma = \frac1P\sum_\mu` (τ = 1/(Pλ)); the loss is summed over examples
        either way, only ``s`` and τ are expressed differently. The closed form assumes
        :math:`\Sigma^x = I` under the chosen normalisation (one-hot items: pass
        ``sqrt(P) * X`` with "mean").
    phi : {"linear", "tanh"}
        Hidden nonlinearity (tanh only with depth 2): a contrast to the linear theory.
    batch_size : int, optional
        Stochastic gradient descent: each step uses ``batch_size`` examples drawn without
        replacement, and the gradient is scaled by P / batch_size so that its mean is the
        full-batch gradient. None (default): full batch.

    Returns
    -------
    xarray.Dataset
        ``a`` (init, step, mode), ``loss`` (init, step), ``hidden_rep`` (init, step, unit,
        item; depth >= 2), singular values ``s`` (mode); for depth 2 also each mode's
        hidden vectors at the start, ``r1_start`` :math:`= W_1 v_\alpha` and ``r2_start``
        :math:`= W_2^\top u_\alpha` (the decoupled theory of a random start,
        ``docs/saxe.md`` §2).

    Raises
    ------
    ValueError
        For a learning rate above the stable limit, or bad sizes.
    FloatingPointError
        If the weights still diverge (flagged, never returned as NaN).
    """
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    rng = as_generator(seed)
    hs = _hidden_sizes(hidden, depth, X.shape[1], batch_size, phi, normalisation)
    P = X.shape[1]
    norm = 1.0  # the loss is always summed over examples; see the docstring
    Syx, Sx = Y @ X.T, X @ X.T
    U, s, Vt = np.linalg.svd(Syx, full_matrices=False)
    V = Vt.T
    stiff = lr * step_stiffness(s.max(), np.linalg.eigvalsh(Sx).max(), depth)
    if stiff >= 1:
        raise ValueError(f"learning rate too large for stable descent at depth {depth}: "
                         f"lr * lambda_max / 2 = {stiff:.3g} >= 1 (allowed: below 1; "
                         "lower lr)")
    dims = [X.shape[0], *map(int, hs), Y.shape[0]]
    scale = init_scale if init_scale is not None else a0 ** (1 / depth)
    Ws = _init(init, dims, U, V, a0, n_init, rng, scale)
    if depth == 2:  # each mode's hidden vectors r1 = W1 v, r2 = W2^T u at the start
        r1 = np.einsum("nhi,im->nmh", Ws[0], V)
        r2 = np.einsum("noh,om->nmh", Ws[1], U)
    rec = sorted(set(range(0, steps + 1, record_every)) | {steps})
    a = np.empty((n_init, len(rec), len(s)))
    loss = np.empty((n_init, len(rec)))
    reps = np.empty((n_init, len(rec), dims[1], P)) if depth >= 2 else None
    j = 0
    for t in range(steps + 1):
        if phi == "tanh":
            Hpre = Ws[0] @ X
            H = np.tanh(Hpre)
            out = Ws[1] @ H
            E = (Y - out) * norm  # (n_init, n_out, P)
            if t == rec[j]:
                M = out @ X.T  # input-output map on the items
        else:
            M = _product(Ws)
            if batch_size is None:
                E = (Syx - M @ Sx) * norm  # negative gradient wrt the product
            else:  # minibatch estimate of the same gradient
                b = rng.choice(P, batch_size, replace=False)
                Xb = X[:, b]
                E = (Y[:, b] - M @ Xb) @ Xb.T * (P / batch_size)
        if t == rec[j]:
            a[:, j] = np.einsum("io,nij,jo->no", U, M, V)
            resid = (Y - (out if phi == "tanh" else M @ X))
            loss[:, j] = 0.5 * (resid**2).sum(axis=(1, 2)) * norm
            if reps is not None:
                reps[:, j] = np.tanh(Ws[0] @ X) if phi == "tanh" else Ws[0] @ X
            if not np.all(np.isfinite(loss[:, j])):
                raise FloatingPointError(f"gradient descent diverged at step {t} "
                                         f"(lr = {lr}); lower the learning rate")
            j += 1
        if t == steps:
            break
        if phi == "tanh":
            dW2 = E @ np.swapaxes(H, 1, 2)
            dH = (np.swapaxes(Ws[1], 1, 2) @ E) * (1 - H**2)
            dW1 = dH @ X.T
            Ws = [Ws[0] + lr * dW1, Ws[1] + lr * dW2]
            continue
        Ws = _linear_step(Ws, E, lr)
    return _dataset(a, loss, s, rec, reps, M if phi == "linear" else out @ X.T,
                    r1 if depth == 2 else None, r2 if depth == 2 else None, P,
                    {"lr": lr, "depth": depth, "init": init, "a0": a0,
                     "normalisation": normalisation, "phi": phi})


def hierarchical_dataset(depth: int, flip_prob: float = 0.0, seed: SeedLike = None,
                         n_features: int = 100) -> tuple[np.ndarray, np.ndarray]:
    r"""Items and features of a binary tree of depth ``depth`` (2^depth one-hot items).

    ``flip_prob = 0``: one feature per tree node (2^(depth+1) - 1 features), 1 for the items
    below the node, 0 elsewhere. ``flip_prob > 0``: the branching-diffusion variant of Saxe et
    al. (2014, Fig. 3): each of ``n_features`` features draws ±1 at the root and
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
    rng = as_generator(seed)
    F = n_features
    values = rng.choice([-1.0, 1.0], size=(F, 1))
    for _ in range(depth):
        children = np.repeat(values, 2, axis=1)
        flips = rng.random(children.shape) < flip_prob
        values = np.where(flips, -children, children)
    return X, values
