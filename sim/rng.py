"""Seeding: every random draw comes from an explicitly seeded :class:`numpy.random.Generator`.

A sweep point with grid indices ``(i, j, ...)`` in a config with ``root_seed`` draws from
``np.random.default_rng([i, j, ..., root_seed])`` (the varying entries first, as numpy's
``SeedSequence`` documentation recommends), so the stream of a point depends neither on how
points are grouped into jobs nor on how many cores run them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SeedLike = int | Sequence[int] | np.random.SeedSequence | np.random.Generator

__all__ = ["SeedLike", "as_generator", "point_rng", "haar_orthogonal"]


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a Generator for ``seed``; a Generator is passed through unchanged.

    ``None`` is refused on purpose: an unseeded draw is irreproducible.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError("seed is required (an int, a sequence of ints or a Generator); "
                         "unseeded runs are not reproducible")
    return np.random.default_rng(seed)


def point_rng(root_seed: int, *grid_indices: int) -> np.random.Generator:
    """Generator of the sweep point at ``grid_indices`` under ``root_seed``."""
    return np.random.default_rng([*map(int, grid_indices), int(root_seed)])


def haar_orthogonal(N: int, seed: SeedLike) -> np.ndarray:
    """Haar-random N x N orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    Q, R = np.linalg.qr(as_generator(seed).standard_normal((N, N)))
    return Q * np.sign(np.diag(R))
