"""Small numerical helpers of the associative theory."""

from __future__ import annotations

import numpy as np

__all__ = ["largest", "h2", "crossing", "monotone", "jackknife"]


def h2(p):
    """Binary entropy in bits (0 at p = 0 and 1)."""
    p = np.clip(np.asarray(p, float), 0, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h, nan=0.0)


def largest(ok, hi: int) -> int:
    """Largest integer Q in [1, hi] with ok(Q) (ok decreasing in Q), 0 if none."""
    if not ok(1):
        return 0
    lo, step = 1, 1
    while lo + step <= hi and ok(lo + step):
        lo += step
        step *= 2
    hi = min(hi, lo + step)
    while hi - lo > 1:  # ok(lo), not ok(hi) (or hi at the limit)
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return hi if ok(hi) else lo



def crossing(x, y, level, above=True):
    """Interpolated x where the decreasing (``above``: y ≥ level before) curve y(x) crosses
    level; NaN if it does not cross inside the data."""
    ok = (y >= level) if above else (y <= level)
    if not ok[0] or ok.all():
        return np.nan
    i = int(np.argmin(ok)) - 1
    x0, x1, y0, y1 = x[i], x[i + 1], y[i], y[i + 1]
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0)) if y1 != y0 else float(x0)



def monotone(y, decreasing: bool = True) -> np.ndarray:
    """The least-squares monotone fit of ``y`` (pool adjacent violators, equal weights): a
    measured rate curve made monotone in the load before it is interpolated to a criterion,
    so that sampling noise near a flat stretch of the curve cannot move the crossing to an
    earlier interval."""
    v = np.asarray(y, float)[::-1] if decreasing else np.asarray(y, float)
    blocks = []  # [sum, count] of pooled values, increasing
    for x in v:
        blocks.append([x, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    out = np.concatenate([np.full(c, s / c) for s, c in blocks])
    return out[::-1] if decreasing else out


def jackknife(fn, x) -> np.ndarray:
    """Jackknife standard error over the trials (last axis of ``x``) of ``fn`` applied to
    the mean over trials: :math:`\\sqrt{(T-1)/T \\sum_i (\\theta_{(i)} - \\bar\\theta)^2}`,
    θ₍ᵢ₎ = fn(mean without trial i) (deterministic; NaN if fn is not finite without some
    trial). Returns an array shaped like ``fn``'s value."""
    x = np.asarray(x, float)
    T = x.shape[-1]
    if T < 2:
        return np.full(np.shape(fn(x.mean(axis=-1))), np.nan)
    total = x.sum(axis=-1)
    vals = np.array([np.asarray(fn((total - x[..., i]) / (T - 1)), float) for i in range(T)])
    se = np.sqrt((T - 1) / T * ((vals - vals.mean(axis=0)) ** 2).sum(axis=0))
    return np.where(np.all(np.isfinite(vals), axis=0), se, np.nan)
