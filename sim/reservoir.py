r"""Echo-state reservoirs driven by i.i.d. input, and their short-term memory.

Model (Jaeger, GMD Report 152, 2001; ``SCIENCE.md`` §5):
:math:`x(n) = \varphi(W x(n-1) + v\,u(n)) + z(n)`, :math:`\varphi \in \{\text{linear},
\tanh\}`, :math:`\langle z_i z_j\rangle = \varepsilon\delta_{ij}`, u i.i.d. with variance
:math:`\sigma^2`. For the linear reservoir this is the network of Ganguli et al. (2008), whose
optimal-readout memory curve is exact (:func:`analysis.fisher.memory_curve`).

Memory is measured without storing the state history: while the reservoir runs, the
moments a linear readout needs (:math:`\sum x x^\top`, :math:`\sum x\,u(n-k)` for every delay,
and the sums of x and of u) are accumulated in time chunks, separately for a training and a
held-out test segment. All delays are then read out by one linear solve, and the held-out
:math:`r^2` of every delay follows from the test moments (:func:`memory_from_moments`).
Reservoirs of a sweep point share one random matrix per seed, rescaled to each spectral
radius, and run as one batch (one matrix product per step for all radii).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from .gradients import phi_functions
from .rng import SeedLike, as_generator, haar_orthogonal

KINDS = ("orthogonal", "gaussian", "sparse")
__all__ = ["KINDS", "reservoir_matrix", "run_reservoir", "accumulate_moments",
           "memory_from_moments", "simulate_point"]


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


def run_reservoir(W, v, u, phi: str = "tanh", noise: float = 0.0, seed: SeedLike = None
                  ) -> np.ndarray:
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


def accumulate_moments(states_chunk: np.ndarray, delayed: np.ndarray, moments: dict) -> None:
    """Add a chunk's readout moments. states_chunk (..., n, N); delayed (n, K), shared.

    The delayed inputs are common to every reservoir of the batch, so the cross moments of
    all reservoirs are one matrix product (BLAS-3 on a contiguous block).
    """
    Xt = np.ascontiguousarray(np.swapaxes(states_chunk, -1, -2))  # (..., N, n)
    moments["xx"] += Xt @ np.swapaxes(Xt, -1, -2)
    lead, n = Xt.shape[:-1], Xt.shape[-1]
    moments["xu"] += (Xt.reshape(-1, n) @ delayed).reshape(*lead, delayed.shape[1])
    moments["x"] += states_chunk.sum(axis=-2)
    moments["u"] += delayed.sum(axis=0)
    moments["uu"] += (delayed**2).sum(axis=0)
    moments["n"] += states_chunk.shape[-2]


def _new_moments(shape, N, K):
    return {"xx": np.zeros((*shape, N, N)), "xu": np.zeros((*shape, N, K)),
            "x": np.zeros((*shape, N)), "u": np.zeros((*shape, K)), "uu": np.zeros((*shape, K)),
            "n": 0}


def _centred(m: dict):
    """Centred covariances (Cxx, Cxu) and input variances of accumulated moments."""
    n = m["n"]
    mx, mu = m["x"] / n, m["u"] / n
    Cxx = m["xx"] / n - mx[..., :, None] * mx[..., None, :]
    Cxu = m["xu"] / n - mx[..., :, None] * mu[..., None, :]
    return Cxx, Cxu, m["uu"] / n - mu**2


def _readout(centred_train, ridge: float) -> np.ndarray:
    """Readout weights of every delay, (..., N, K), by one solve."""
    Cxx, Cxu, _ = centred_train
    N = Cxx.shape[-1]
    jitter = 1e-12 * np.trace(Cxx, axis1=-2, axis2=-1)[..., None, None]
    return np.linalg.solve(Cxx + (ridge + jitter) * np.eye(N), Cxu)


def _r2(w: np.ndarray, centred) -> np.ndarray:
    """r^2 of the readouts w on a segment with centred moments ``centred``."""
    Cxx, Cxu, vu = centred
    cov = (w * Cxu).sum(axis=-2)
    var = ((Cxx @ w) * w).sum(axis=-2)  # w_k^T C w_k for every k, as one GEMM
    return np.clip(cov**2 / (var * vu), 0.0, 1.0)


def memory_from_moments(train: dict, test: dict, ridge: float = 0.0,
                        in_sample: bool = True):
    r"""Held-out and in-sample :math:`r^2` of the best linear readout of every delay.

    The readout (with intercept) is fitted on the training moments by one solve for all
    delays, :math:`(C_{xx} + \text{ridge}\,I)\,w = C_{xu}` with centred covariances; the test
    :math:`r^2_k = \mathrm{cov}^2(\hat y_k, u_{n-k}) / (\mathrm{var}\,\hat y_k\,
    \mathrm{var}\,u_{n-k})` uses only test moments. Returns ``(held_out, in_sample)``
    (``in_sample`` None unless asked for); the held-out value is biased low and the in-sample
    one high by O(N/T) (:func:`memory_sweep` removes the held-out bias).
    """
    tr = _centred(train)
    w = _readout(tr, ridge)
    return _r2(w, _centred(test)), (_r2(w, tr) if in_sample else None)


def memory_sweep(W1, v, rhos, u, phi: str = "tanh", noise: float = 0.0, k_max: int = 100,
                 washout: int = 1000, test_fraction: float = 0.5, ridge: float = 0.0,
                 seed: SeedLike = 0, chunk: int = 2000,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Memory functions of a batch of reservoirs ``rho * W1[s]`` driven by one series ``u``.

    All reservoirs (seeds x spectral radii) run together, one matrix product per step per
    seed; the readout moments are accumulated in chunks of ``chunk`` steps, so memory does
    not grow with the series length.

    Returns
    -------
    dict of ndarray, each (n_seeds, n_rho, k_max + 1)
        ``held_out`` (r^2 on the last ``test_fraction`` of the run after ``washout``),
        ``in_sample`` and ``corrected`` (held-out with the O(1/T) bias removed).
    """
    W1 = np.asarray(W1, float)
    v = np.asarray(v, float)
    S, N = v.shape
    rhos = np.asarray(rhos, float)
    u = np.asarray(u, float)
    T, K, wash, R = len(u), int(k_max) + 1, int(washout), len(rhos)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    n_test = int(test_fraction * (T - wash))
    split = T - n_test
    if not (K < n_test and split - max(wash, K) > K + N):
        raise ValueError(f"k_max = {K - 1} is too large for T = {T}, washout = {wash}; "
                         "allowed: k_max below the test length, and a training segment "
                         "longer than k_max + N")
    _phi(phi)  # validates the name
    halves = [_new_moments((S, R), N, K), _new_moments((S, R), N, K)]
    test = _new_moments((S, R), N, K)
    mid = (max(wash, K) + split) // 2  # the training segment in two halves
    X = np.zeros((S, N, R))
    pre = np.empty_like(X)
    vcol = v[:, :, None]
    buf = np.empty((chunk, S, N, R))
    sd = np.sqrt(noise)
    rng = as_generator(seed)
    start = 0
    for n in range(T):
        np.matmul(W1, X, out=pre)
        pre *= rhos
        pre += vcol * u[n]
        if phi == "tanh":
            np.tanh(pre, out=X)
        else:
            X[...] = pre
        if sd:
            X += sd * rng.standard_normal(X.shape)
        buf[n - start] = X
        if n - start + 1 == chunk or n == T - 1:  # accumulate this chunk's moments
            stop = n + 1
            for lo, hi, m in ((max(start, wash, K), min(stop, mid), halves[0]),
                              (max(start, mid), min(stop, split), halves[1]),
                              (max(start, split), stop, test)):
                if hi > lo:
                    D = u[np.arange(lo, hi)[:, None] - np.arange(K)[None, :]]  # u(n - k)
                    Xc = buf[lo - start:hi - start].transpose(1, 3, 0, 2)  # (S, R, n, N)
                    accumulate_moments(Xc, D, m)
            start = stop
            if progress is not None:
                progress(stop, T)
    train = {k: halves[0][k] + halves[1][k] for k in halves[0]}
    if not np.all(np.isfinite(train["xx"])):
        raise FloatingPointError(f"reservoir states diverged ({phi}, N={N}, max rho "
                                 f"{rhos.max()}); linear reservoirs need rho < 1")
    tr, te = _centred(train), _centred(test)
    w = _readout(tr, ridge)
    held, ins = _r2(w, te), _r2(w, tr)
    # the held-out r^2 is biased low by O(N / n_train): Richardson extrapolation with the
    # readouts fitted on each half of the training segment removes that order
    half = np.mean([_r2(_readout(_centred(h), ridge), te) for h in halves], axis=0)
    return {"held_out": held, "in_sample": ins, "corrected": 2 * held - half,
            "n_test": n_test}


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep-point entry (phi, N, input_scale, noise): all radii and seeds in one batch."""
    phi, N = values["phi"], int(values["N"])
    scale, eps = float(values["input_scale"]), float(values["noise"])
    rhos = np.asarray(settings["rho"], float)
    S, T, wash = int(settings["n_seeds"]), int(settings["T"]), int(settings["washout"])
    K = int(settings["k_max"]) + 1
    rng = as_generator(seed)
    W1 = np.stack([reservoir_matrix(settings["kind"], N, r) for r in rng.spawn(S)])
    v = rng.standard_normal((S, N))
    v *= scale / np.linalg.norm(v, axis=1, keepdims=True)
    u = rng.uniform(-np.sqrt(3), np.sqrt(3), size=T)  # i.i.d., variance 1
    res = memory_sweep(W1, v, rhos, u, phi, eps, K - 1, wash, settings["test_fraction"],
                       float(settings["ridge"]), rng.spawn(1)[0], progress=progress)
    mc, mc_in, mc_corr, n_test = (res[k] for k in ("held_out", "in_sample", "corrected",
                                                    "n_test"))
    from analysis.fisher import fisher_memory_curve, memory_curve  # exact, per reservoir

    nan = np.full(K, np.nan)

    def exact_curve(W, vi):
        try:
            return memory_curve(W, vi, eps=eps, sigma2=1.0, k_max=K - 1)
        except ValueError:  # noise-free and numerically singular (small rho): no exact curve
            return nan

    exact = np.array([[exact_curve(r * W1[i], v[i]) if r < 1 else nan for r in rhos]
                      for i in range(S)])
    fisher = np.array([[fisher_memory_curve(r * W1[i], v[i], K - 1, eps=eps)
                        if r < 1 and eps > 0 else nan for r in rhos] for i in range(S)])
    one = {"units": "1"}
    return xr.Dataset(
        {
            "memory_function": (("seed", "rho", "k"), mc, {
                "long_name": "held-out r^2 of the best linear readout of u(n-k)", **one}),
            "memory_function_corrected": (("seed", "rho", "k"), mc_corr, {
                "long_name": "held-out r^2, finite-sample bias removed to O(1/T^2) (2 r^2(n) "
                             "- r^2(n/2), Richardson)", **one}),
            "memory_function_in_sample": (("seed", "rho", "k"), mc_in, {
                "long_name": "in-sample r^2 of the same readouts (biased up by ~N/T)", **one}),
            "fisher_J": (("seed", "rho", "k"), fisher, {
                "long_name": "Fisher memory J(k) of the linear reservoir, absolute units "
                             "(NaN without noise)", "units": "1"}),
            "memory_function_linear_theory": (("seed", "rho", "k"), exact, {
                "long_name": "exact memory curve m(k) of the same reservoir made linear "
                             "(sigma^2 w_k^T Sigma_x^-1 w_k); the theory for phi = linear; "
                             "NaN where noise-free Sigma_x is numerically singular",
                **one}),
        },
        coords={
            "seed": ("seed", np.arange(S), {"long_name": "reservoir replicate", "units": "1"}),
            "rho": ("rho", rhos, {"long_name": "spectral radius", "units": "1"}),
            "k": ("k", np.arange(K), {"long_name": "delay", "units": "steps"}),
            "phi": ((), phi, {"long_name": "nonlinearity"}),
            "N": ((), N, {"long_name": "reservoir size", "units": "1"}),
            "input_scale": ((), scale, {"long_name": "input weight norm |v|", **one}),
            "noise": ((), eps, {"long_name": "state noise variance epsilon", **one}),
        },
        attrs={"T": T, "washout": wash, "n_test": n_test, "kind": settings["kind"],
               "ridge": settings["ridge"], "input": "i.i.d. uniform, variance 1"},
    )
