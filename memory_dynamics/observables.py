r"""Estimators applied to simulated states: linear readouts and memory functions.

Kept apart from the simulators (as reservoirpy keeps ``observables`` apart from its nodes)
and shared by them and by the analysis: the echo-state simulator streams its readout
moments through :func:`accumulate_moments` while it runs, and the analysis applies
:func:`memory_function` to a stored state history.

* Reservoir memory function (Jaeger 2001): the held-out squared correlation
  :math:`m(k) = r^2(\hat u_k, u(n-k))` of the best linear readout of the input k steps
  back, from chunked moments (:func:`accumulate_moments`, :func:`memory_from_moments`).
* Liquid-state readout (Maass, Natschläger & Markram 2002): held-out :math:`r^2` of a ridge
  readout of the recent input spike count, cross-validated over input pairs
  (:func:`readout_performance`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["spike_statistics", "new_moments", "accumulate_moments", "memory_from_moments",
           "memory_function", "readout_performance"]


def accumulate_moments(states_chunk: np.ndarray, delayed: np.ndarray, moments: dict,
                       scratch: dict | None = None) -> None:
    """Add a chunk's readout moments. states_chunk (..., n, N); delayed (..., n, K).

    ``delayed[..., j, k]`` is the input k steps before state j; its leading axes broadcast
    against the states' (one series shared by a batch, or one per seed). The chunk's
    products are formed in the states' precision and added to float64 totals, one batched
    GEMM per moment. The cross moments are stored delay-major, ``ux`` (..., K, N).
    ``scratch`` (arrays ``xx``
    (..., N, N) and ``ux`` (..., K, N) in the states' dtype) receives the products, so
    repeated calls allocate nothing large.
    """
    X = states_chunk
    Xt = np.swapaxes(X, -1, -2)  # transposed views; matmul passes them to BLAS as such
    Dt = np.swapaxes(delayed.astype(X.dtype, copy=False), -1, -2)
    if scratch is None:
        moments["xx"] += Xt @ X
        moments["ux"] += Dt @ X
    else:
        moments["xx"] += np.matmul(Xt, X, out=scratch["xx"])
        moments["ux"] += np.matmul(Dt, X, out=scratch["ux"])
    moments["x"] += X.sum(axis=-2, dtype=np.float64)
    moments["u"] += delayed.sum(axis=-2, dtype=np.float64)
    moments["uu"] += np.square(delayed, dtype=np.float64).sum(axis=-2)
    moments["n"] += X.shape[-2]


def new_moments(shape, N, K):
    return {"xx": np.zeros((*shape, N, N)), "ux": np.zeros((*shape, K, N)),
            "x": np.zeros((*shape, N)), "u": np.zeros((*shape, K)), "uu": np.zeros((*shape, K)),
            "n": 0}


def _centred(m: dict, inplace: bool = False):
    """Centred covariances Cxx (..., N, N), Cux (..., K, N) and input variances.

    ``inplace`` reuses the moment arrays (no new large temporaries) and invalidates ``m``.
    """
    n = m["n"]
    mx, mu = m["x"] / n, m["u"] / n
    Cxx, Cux = (m["xx"], m["ux"]) if inplace else (m["xx"].copy(), m["ux"].copy())
    Cxx /= n
    Cxx -= mx[..., :, None] * mx[..., None, :]
    Cux /= n
    Cux -= mu[..., :, None] * mx[..., None, :]
    return Cxx, Cux, m["uu"] / n - mu**2


#: default readout regulariser relative to tr C (float64 cannot resolve state directions of
#: relative variance below ~1e-16; 1e-12 keeps every solve well posed)
RIDGE_RELATIVE = 1e-12


def _readout(centred_train, ridge: float, ridge_relative: float = RIDGE_RELATIVE
             ) -> np.ndarray:
    """Readout weights of every delay, rows w_k, (..., K, N), by one batched solve of
    (C + (ridge + ridge_relative tr C) I) w_k = c_k."""
    Cxx, Cux, _ = centred_train
    N = Cxx.shape[-1]
    lam = ridge + ridge_relative * np.trace(Cxx, axis1=-2, axis2=-1)
    A = Cxx + lam[..., None, None] * np.eye(N)
    return np.swapaxes(np.linalg.solve(A, np.swapaxes(Cux, -1, -2)), -1, -2)


def _r2(w: np.ndarray, centred) -> np.ndarray:
    """r^2 of the readouts w (..., K, N) on a segment with centred moments ``centred``."""
    Cxx, Cux, vu = centred
    cov = np.einsum("...kn,...kn->...k", w, Cux)
    var = np.einsum("...kn,...kn->...k", w @ Cxx, w)  # w_k^T C w_k for every k, one GEMM
    return np.clip(cov**2 / (var * vu), 0.0, 1.0)


def memory_from_moments(train: dict, test: dict, ridge: float = 0.0,
                        in_sample: bool = True, halves: list | None = None,
                        consume: bool = False,
                        ridge_relative: float = RIDGE_RELATIVE) -> dict:
    r"""Held-out (and in-sample) :math:`r^2` of the best linear readout of every delay.

    For every reservoir of the batch (the leading axes of the moments), the readout (with
    intercept) is fitted on the training moments by one solve for all delays,
    :math:`(C_{xx} + \lambda I)\,w_k = C_{xu_k}` with centred covariances and
    :math:`\lambda = \text{ridge} + \text{ridge\_relative}\,\mathrm{tr}\,C_{xx}` (the
    relative part, 1e-12 by default, is the precision floor of a noise-free reservoir: its
    memory directions of relative variance below it are not read out); the test
    :math:`r^2_k = \mathrm{cov}^2(\hat y_k, u_{n-k}) / (\mathrm{var}\,\hat y_k\,
    \mathrm{var}\,u_{n-k})` uses only test moments. The held-out value is biased low and
    the in-sample one high by O(N/T). With ``halves`` (the moments of the two halves of the
    training segment) both O(1/T) biases of the held-out value are removed: the training-side
    one (readout fitted on n_train samples, low by O(N/n_train)) by Richardson extrapolation,
    :math:`2 r^2(n) - \tfrac12[r^2_{(1)}(n/2) + r^2_{(2)}(n/2)]`, and the test-side one (a
    squared correlation estimated from n_test samples, high by
    :math:`(1-\rho^2)(1-2\rho^2)/n_\mathrm{test}` to first order; the same in the full and
    half fits, so Richardson keeps it) by subtracting that term at :math:`\rho^2 = r^2(n)`.
    ``consume`` centres the moment arrays in place (they are invalid afterwards), saving
    large temporaries.

    Returns
    -------
    dict with ``held_out``, ``in_sample`` and ``corrected`` (None unless asked for), each of
    shape (*batch, K).
    """
    tr, te = _centred(train, consume), _centred(test, consume)
    w = _readout(tr, ridge, ridge_relative)
    held = _r2(w, te)
    out = {"held_out": held, "in_sample": _r2(w, tr) if in_sample else None,
           "corrected": None}
    if halves:
        half = np.mean([_r2(_readout(_centred(h, consume), ridge, ridge_relative), te)
                        for h in halves],
                       axis=0)
        n_test = test["n"]
        out["corrected"] = 2 * held - half - (1 - held) * (1 - 2 * held) / n_test
    return out


def memory_function(states, u, k_max: int, washout: int, ridge: float = 0.0,
                    test_fraction: float = 0.5) -> np.ndarray:
    """Held-out MC_k, k = 0..k_max, of states (T, N) driven by u (T,).

    One linear solve fits the readouts of every delay on the first part of the run after
    ``washout``; r^2 is evaluated on the last ``test_fraction`` of it.
    """
    X, u = np.asarray(states, float), np.asarray(u, float)
    T, N = X.shape
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be in (0, 1)")
    if k_max >= (T - washout) * min(test_fraction, 1 - test_fraction):
        raise ValueError(f"k_max = {k_max} must be < the test and training lengths "
                         f"(T - washout = {T - washout})")
    split = T - int(test_fraction * (T - washout))
    K = k_max + 1
    out = []
    for lo, hi in ((max(washout, k_max), split), (split, T)):
        m = new_moments((), N, K)
        idx = np.arange(lo, hi)[:, None] - np.arange(K)[None, :]
        accumulate_moments(X[lo:hi], u[idx], m)
        out.append(m)
    return memory_from_moments(out[0], out[1], ridge, in_sample=False)["held_out"]


def _window_counts(trains, t_end, width):
    """Spike counts of each train in (t_end - width, t_end]: (trials, len(t_end))."""
    out = np.empty((len(trains), len(t_end)))
    for b, tr in enumerate(trains):
        out[b] = np.searchsorted(tr, t_end, "right") - np.searchsorted(tr, t_end - width,
                                                                       "right")
    return out


def _filtered(trains, times, tau=30e-3):
    """Each train filtered by exp(-t/tau), sampled at ``times``: (trials, len(times))."""
    out = np.zeros((len(trains), len(times)))
    for b, tr in enumerate(trains):
        lag = times[None, :] - np.asarray(tr)[:, None]
        out[b] = np.where(lag >= 0, np.exp(-np.maximum(lag, 0) / tau), 0).sum(0)
    return out


def _ridge_r2(Xtr, ytr, Xte, yte, ridge):
    mx, my = Xtr.mean(0), ytr.mean()
    A = Xtr - mx
    C = A.T @ A / len(A)
    w = np.linalg.solve(C + ridge * np.trace(C) / len(C) * np.eye(len(C)),
                        A.T @ (ytr - my) / len(A))
    yhat = (Xte - mx) @ w + my
    if np.std(yhat) == 0 or np.std(yte) == 0:
        return 0.0
    return float(np.corrcoef(yhat, yte)[0, 1] ** 2)


def readout_performance(states, times, trains, delays, window: float = 0.03,
                        ridge: float = 1e-3, n_folds: int = 5, group: int = 1):
    """Held-out r² of linear readouts of the input's recent spike count, vs readout delay.

    Target at time t: the number of input spikes in (t − delay − window, t − delay]. The
    readout sees the liquid state x(t) (all neurons, plus an intercept); samples are the
    recorded times t ≥ max(delays) + window of every trial. Trials are split into
    ``n_folds`` folds, whole groups of ``group`` consecutive trials at a time (the runs of one
    input pair share their input train, so a pair never straddles training and test); each
    fold is held out once (readout fitted on the others), giving the
    mean r² and its standard error over folds. The same readout from the input train itself
    filtered by the liquid's 30 ms kernel (one feature) is returned as a baseline.

    Returns
    -------
    r2, r2_se, r2_filter : arrays (len(delays),)
    """
    states = np.asarray(states, float)
    B = len(trains)
    keep = times >= delays.max() + window - 1e-12
    t = times[keep]
    X = states[:, keep]  # (B, n_t, N)
    F = _filtered(trains, t)[..., None]
    n_groups = B // group
    folds = (np.arange(B) // group) * n_folds // n_groups
    r2, se, base = [], [], []
    for dly in delays:
        y = _window_counts(trains, t - dly, window)
        per_fold, per_fold_f = [], []
        for f in range(n_folds):
            tr, te = folds != f, folds == f
            per_fold.append(_ridge_r2(X[tr].reshape(-1, X.shape[-1]), y[tr].ravel(),
                                      X[te].reshape(-1, X.shape[-1]), y[te].ravel(), ridge))
            per_fold_f.append(_ridge_r2(F[tr].reshape(-1, 1), y[tr].ravel(),
                                        F[te].reshape(-1, 1), y[te].ravel(), 0.0))
        r2.append(np.mean(per_fold))
        se.append(np.std(per_fold, ddof=1) / np.sqrt(n_folds))
        base.append(np.mean(per_fold_f))
    return np.array(r2), np.array(se), np.array(base)


def spike_statistics(raster, dt: float, bin_width: float = 5e-3):
    r"""ISI coefficient of variation and the synchrony measure of Golomb (2007).

    ``raster``: bool (trials, steps, neurons). CV: per neuron with at least 3 spikes in a
    trial, std/mean of its inter-spike intervals, averaged over neurons and trials (1 for a
    Poisson process, 0 for a clock). Synchrony:
    :math:`\chi^2 = \mathrm{Var}_t[\bar r(t)] / \overline{\mathrm{Var}_t[r_i(t)]}`, with
    :math:`r_i(t)` the spike count of neuron i in bins of ``bin_width`` and :math:`\bar r` the
    population mean: :math:`\chi \approx 1/\sqrt N` for independent neurons, 1 for
    identical ones. Returns (cv, chi); NaN where undefined (too few spikes).
    """
    raster = np.asarray(raster, bool)
    B, n_steps, N = raster.shape
    b, t, j = np.nonzero(raster)
    key = b * N + j  # one spike train per (trial, neuron)
    order = np.lexsort((t, key))
    key, t = key[order], t[order]
    same = np.diff(key) == 0
    isi, owner = (np.diff(t) * dt)[same], key[1:][same]
    n = np.bincount(owner, minlength=B * N)
    s1 = np.bincount(owner, isi, minlength=B * N)
    s2 = np.bincount(owner, isi**2, minlength=B * N)
    ok = n >= 2  # at least 3 spikes
    mean = s1[ok] / n[ok]
    cvs = np.sqrt(np.maximum(s2[ok] / n[ok] - mean**2, 0.0)) / mean
    k = max(1, int(round(bin_width / dt)))
    m = n_steps // k
    counts = raster[:, : m * k].reshape(B, m, k, N).sum(axis=2).astype(float)
    pop = counts.mean(axis=2)
    var_i = counts.var(axis=1).mean(axis=1)  # (B,)
    ok = var_i > 0
    chi = float(np.sqrt(pop.var(axis=1)[ok].mean() / var_i[ok].mean())) if ok.any() \
        else np.nan
    return (float(np.mean(cvs)) if cvs.size else np.nan), chi
