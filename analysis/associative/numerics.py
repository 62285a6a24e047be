"""Small numerical helpers of the associative theory."""

from __future__ import annotations

import numpy as np

__all__ = ["largest", "h2", "crossing"]


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

