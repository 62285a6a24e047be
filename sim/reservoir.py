r"""Echo-state reservoirs driven by i.i.d. input, and their short-term memory.

Model (Jaeger, GMD Report 152, 2001; ``docs/reservoir.md`` §1):
:math:`x(n) = \varphi(W x(n-1) + v\,u(n)) + z(n)`, :math:`\varphi \in \{\text{linear},
\tanh\}`, :math:`\langle z_i z_j\rangle = \varepsilon\delta_{ij}`, u i.i.d. with variance
:math:`\sigma^2`. For the linear reservoir this is the network of Ganguli et al. (2008), whose
optimal-readout memory curve is exact (:func:`analysis.fisher.memory_curve`).

Memory is measured without storing the state history: while the reservoir runs, the
moments a linear readout needs (:math:`\sum x x^\top`, :math:`\sum x\,u(n-k)` for every delay,
and the sums of x and of u) are accumulated in time chunks, separately for a training and a
held-out test segment. All delays are then read out by one linear solve, and the held-out
:math:`r^2` of every delay follows from the test moments
(:func:`memory_dynamics.observables.memory_from_moments`).
Reservoirs of a sweep point share one random matrix per seed, rescaled to each spectral
radius, and run as one batch (one matrix product per step for all radii).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ..observables import RIDGE_RELATIVE, accumulate_moments, memory_from_moments, new_moments
from .nonlinearities import phi_functions
from .rng import SeedLike, as_generator, haar_orthogonal

KINDS = ("orthogonal", "gaussian", "sparse")
__all__ = ["KINDS", "reservoir_matrix", "run_reservoir", "memory_sweep"]


def reservoir_matrix(kind: str, N: int, seed: SeedLike, density: float = 0.1) -> np.ndarray:
    """Random matrix of spectral radius exactly 1 (scale it by rho).

    ``orthogonal``: Haar Q; ``gaussian``: i.i.d. normal; ``sparse``: i.i.d. normal entries
    with probability ``density`` (a typical ESN).
    """
    rng = as_generator(seed)
    if kind == "orthogonal":
        return haar_orthogonal(N, rng)
    if kind == "gaussian":
        W = rng.standard_normal((N, N))
    elif kind == "sparse":
        W = rng.standard_normal((N, N)) * (rng.random((N, N)) < density)
    else:
        raise ValueError(f"unknown reservoir kind {kind!r}; allowed: {', '.join(KINDS)}")
    rho = np.max(np.abs(np.linalg.eigvals(W)))
    if rho == 0:
        raise ValueError("the random matrix is nilpotent; increase density")
    return W / rho


def _phi(phi):
    """The reservoir nonlinearity (linear or tanh; the logistic is not offered here)."""
    if phi not in ("linear", "tanh"):
        raise ValueError(f"unknown phi {phi!r}; allowed: linear, tanh")
    return phi_functions(phi)[0]


def run_reservoir(W: np.ndarray, v: np.ndarray, u: np.ndarray, phi: str = "tanh",
                  noise: float = 0.0, seed: SeedLike = None) -> np.ndarray:
    """States x(n), shape (T, N), of one reservoir driven by ``u`` (shape (T,)), from x = 0."""
    W, v, u = np.asarray(W, float), np.asarray(v, float), np.asarray(u, float)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    f = _phi(phi)
    rng = as_generator(seed) if noise > 0 else None
    X = np.empty((len(u), len(v)))
    x = np.zeros(len(v))
    sd = np.sqrt(noise)
    for n, un in enumerate(u):
        x = f(W @ x + v * un)
        if sd:
            x = x + sd * rng.standard_normal(len(v))
        X[n] = x
    return X


def memory_sweep(W1: np.ndarray, v: np.ndarray, rhos: ArrayLike, u: np.ndarray,
                 phi: str = "tanh", noise: float = 0.0, k_max: int = 100,
                 washout: int = 1000, test_fraction: float = 0.5, ridge: float = 0.0,
                 seed: SeedLike = 0, ridge_relative: float = RIDGE_RELATIVE,
                 chunk: int = 1000, dtype: DTypeLike = np.float64,
                 bias_correction: bool = True, in_sample: bool = True,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Memory functions of a batch of reservoirs ``rho * W1[s]`` driven by series ``u``.

    All reservoirs (seeds x spectral radii) run together, one batched matrix product per
    step; the readout moments are accumulated in chunks of ``chunk`` steps, so memory does
    not grow with the series length.

    Parameters
    ----------
    W1 : array (n_seeds, N, N)
        Reservoir matrices of spectral radius 1 (:func:`reservoir_matrix`).
    v : array (n_seeds, N)
        Input weights.
    rhos : array (n_rho,)
        Spectral radii; reservoir (s, r) is ``rhos[r] * W1[s]``.
    u : array (T,) or (n_seeds, T)
        The input series: one shared by all reservoirs, or one per seed (the rho of a seed
        always share it). Independent series make the seed-to-seed scatter an honest
        standard error of the mean; a shared one correlates the seeds' estimation errors.
    dtype : {float64, float32}
        Precision of the states and of each chunk's moment products (the totals are always
        float64). float32 halves the time of the readout products but rounds the moments at
        ~1e-6 relative, which erases state directions of relative variance below ~1e-5: use
        it only with state noise well above that (noise >= 1e-2 times the state variance).
        Noise-free reservoirs at small rho read their memory out of such directions (an
        r^2 of 0.996 in float64 became 0.005 in float32 in the reservoirpy benchmark).
    ridge, ridge_relative : float
        Readout regulariser ``ridge + ridge_relative * tr C`` (absolute and relative to the
        trace of the state covariance; :func:`memory_dynamics.observables.memory_from_moments`).
    bias_correction, in_sample : bool
        Whether to compute ``corrected`` and ``in_sample`` (each costs extra solves).

    Returns
    -------
    dict of ndarray, each (n_seeds, n_rho, k_max + 1)
        ``held_out`` (r^2 on the last ``test_fraction`` of the run after ``washout``),
        ``in_sample`` and ``corrected`` (held-out with the O(1/T) bias removed), and the
        test and training lengths ``n_test`` and ``n_train``.
    """
    W1 = np.asarray(W1, float)
    v = np.asarray(v, float)
    S, N = v.shape
    rhos = np.asarray(rhos, float)
    u = np.asarray(u, float)
    if u.ndim not in (1, 2) or (u.ndim == 2 and len(u) != S):
        raise ValueError(f"u must have shape (T,) or (n_seeds = {S}, T), got {u.shape}")
    U = np.atleast_2d(u)  # (1 or S, T)
    T, K, wash, R = U.shape[1], int(k_max) + 1, int(washout), len(rhos)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    n_test = int(test_fraction * (T - wash))
    split = T - n_test
    if not (K < n_test and split - max(wash, K) > K + N):
        raise ValueError(f"k_max = {K - 1} is too large for T = {T}, washout = {wash}; "
                         "allowed: k_max below the test length, and a training segment "
                         "longer than k_max + N")
    _phi(phi)  # validates the name
    dtype = np.dtype(dtype)
    first = max(wash, K)
    mid = (first + split) // 2  # the training segment in halves for the bias correction
    cuts = (first, mid, split) if bias_correction else (first, split)
    train = [new_moments((S, R), N, K) for _ in cuts[1:]]
    test = new_moments((S, R), N, K)
    segments = [*zip(cuts[:-1], cuts[1:], train), (split, T, test)]
    # states laid out (seed, rho, time, neuron): each reservoir's chunk is a BLAS matrix
    buf = np.empty((S, R, chunk, N), dtype)
    WT = np.ascontiguousarray(np.swapaxes(W1, 1, 2), dtype)  # x W^T: (S, R, N) @ (S, N, N)
    if R == 1:  # one radius: fold it into the matrix (one operation less per step)
        WT *= rhos[0]
    vrow = v[:, None, :].astype(dtype)
    rho = rhos[None, :, None].astype(dtype)
    pre = np.empty((S, R, N), dtype)
    x = np.zeros((S, R, N), dtype)
    scratch = {"xx": np.empty((S, R, N, N), dtype), "ux": np.empty((S, R, K, N), dtype)}
    # delayed inputs u(n - k): rows of a sliding window over the reversed series
    windows = np.lib.stride_tricks.sliding_window_view(
        U.astype(dtype)[:, ::-1].copy(), K, axis=1)  # (1 or S, T - K + 1, K)
    delayed = np.empty((len(U), 1, chunk, K), dtype)  # broadcasts over the radii
    UT = U.T[:, :, None, None].astype(dtype)  # UT[n]: (1 or S, 1, 1)
    sd = np.sqrt(noise)
    rng = as_generator(seed)
    tanh = phi == "tanh"
    start = 0
    for n in range(T):
        if n == start:  # this chunk's input drive v u(n), (chunk, S, 1, N)
            drive = vrow * UT[start:start + chunk]
        np.matmul(x, WT, out=pre)
        if R > 1:
            pre *= rho
        pre += drive[n - start]
        x = buf[:, :, n - start, :]
        if tanh:
            np.tanh(pre, out=x)
        else:
            x[...] = pre
        if sd:
            x += sd * rng.standard_normal(x.shape, dtype=dtype)
        if n - start + 1 == chunk or n == T - 1:  # accumulate this chunk's moments
            stop = n + 1
            for lo, hi, m in segments:
                lo, hi = max(lo, start), min(hi, stop)
                if hi > lo:
                    D = delayed[..., :hi - lo, :]
                    # D[..., j, k] = u(lo + j - k)
                    np.copyto(D[:, 0], windows[:, T - hi:T - lo][:, ::-1])
                    accumulate_moments(buf[:, :, lo - start:hi - start], D, m, scratch)
            x = x.copy()  # the buffer is about to be overwritten
            start = stop
            if progress is not None:
                progress(stop, T)
    full = train[0] if len(train) == 1 else {k: train[0][k] + train[1][k] for k in test}
    if not np.all(np.isfinite(full["xx"])):
        raise FloatingPointError(f"reservoir states diverged ({phi}, N={N}, max rho "
                                 f"{rhos.max()}); linear reservoirs need rho < 1")
    del buf, scratch
    out = memory_from_moments(full, test, ridge, in_sample,
                              halves=train if bias_correction else None, consume=True,
                              ridge_relative=ridge_relative)
    return {**out, "n_test": n_test, "n_train": split - first}
