"""Random vectors of the associative memories and their noisy cues.

Every draw takes ``seed: int | Generator``; shapes are ``(..., n)`` with leading batch and
item axes. The float32 / complex64 precision of a draw is kept through every operation (a
numpy float64 scalar would upcast it).
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft
from numpy.typing import DTypeLike

from ..rng import SeedLike, as_generator

__all__ = ["gaussian_vectors", "sign_vectors", "unitary_vectors", "phasor_vectors",
           "orthonormal_vectors", "pm1_vectors", "sparse_binary", "noisy_cue", "flip_bits",
           "as_real"]


def gaussian_vectors(shape: int | tuple[int, ...], seed: SeedLike,
                     dtype: DTypeLike = np.float32) -> np.ndarray:
    """i.i.d. N(0, 1/n) elements, n = ``shape[-1]`` (so E|x|² = 1)."""
    rng = as_generator(seed)
    x = rng.standard_normal(shape, dtype=np.float32).astype(dtype)
    return x / x.dtype.type(np.sqrt(shape[-1]))  # a numpy float64 scalar would upcast


def sign_vectors(shape: int | tuple[int, ...], seed: SeedLike,
                 dtype: DTypeLike = np.float32) -> np.ndarray:
    """i.i.d. ±1/√n elements (|x|² = 1 exactly)."""
    rng = as_generator(seed)
    x = rng.integers(0, 2, size=shape, dtype=np.int8).astype(dtype)
    return (2 * x - 1) / dtype(np.sqrt(shape[-1]))


def unitary_vectors(shape: int | tuple[int, ...], seed: SeedLike) -> np.ndarray:
    """Real vectors whose DFT has unit modulus at every frequency (Plate's unitary vectors):
    random phases, ±1 at the real frequencies; |x|² = 1. Their involution is their inverse."""
    rng = as_generator(seed)
    n = shape[-1]
    F = n // 2 + 1
    spec = np.exp(1j * rng.uniform(0, 2 * np.pi, size=(*shape[:-1], F))).astype(np.complex64)
    spec[..., 0] = rng.choice(np.array([-1, 1], np.float32), size=shape[:-1])
    if n % 2 == 0:
        spec[..., -1] = rng.choice(np.array([-1, 1], np.float32), size=shape[:-1])
    return sfft.irfft(spec, n=n, axis=-1).astype(np.float32)


def phasor_vectors(shape: int | tuple[int, ...], seed: SeedLike) -> np.ndarray:
    """Unit-modulus complex elements e^{iφ}, φ uniform on [0, 2π) (thesis Eq. 2.42)."""
    rng = as_generator(seed)
    phi = rng.random(shape, dtype=np.float32) * np.float32(2 * np.pi)
    out = np.empty(shape, np.complex64)
    out.real, out.imag = np.cos(phi), np.sin(phi)
    return out


def orthonormal_vectors(shape: tuple[int, int, int], seed: SeedLike) -> np.ndarray:
    """``(B, Q, n)``: per batch index Q ≤ n orthonormal rows, Haar distributed (QR of a
    Gaussian matrix with the signs of R's diagonal fixed)."""
    B, Q, n = shape
    g = as_generator(seed).standard_normal((B, n, Q))
    q, r = np.linalg.qr(g)
    return np.swapaxes(q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[:, None, :], -1,
                       -2).astype(np.float32)


def pm1_vectors(shape: int | tuple[int, ...], seed: SeedLike) -> np.ndarray:
    """Exact ±1 elements (float32)."""
    return (2 * as_generator(seed).integers(0, 2, size=shape, dtype=np.int8) - 1).astype(
        np.float32)


def sparse_binary(shape: int | tuple[int, ...], k: int, seed: SeedLike) -> np.ndarray:
    """0/1 vectors with exactly ``k`` ones at uniformly random positions (int8)."""
    perm = as_generator(seed).random(shape).argsort(axis=-1)  # a random permutation per row
    return (perm < k).astype(np.int8)  # the positions holding 0..k-1: a uniform k-subset


def noisy_cue(keys: np.ndarray, fresh: np.ndarray, noise: float) -> np.ndarray:
    r"""Cue with a fraction ``noise`` of its variance replaced: :math:`\tilde c = \sqrt{1-\nu}
    \,c + \sqrt\nu\, e`, ``fresh`` = e an independent draw of the key distribution."""
    if noise == 0:
        return keys
    real = keys.real.dtype.type  # keep float32 / complex64 (a numpy float64 would upcast)
    return real(np.sqrt(1 - noise)) * keys + real(np.sqrt(noise)) * fresh


def flip_bits(x: np.ndarray, fraction: float, seed: SeedLike) -> np.ndarray:
    """Flip exactly ``round(fraction * n)`` randomly chosen signs of each ±1 row of ``x``."""
    n = x.shape[-1]
    F = int(round(fraction * n))
    if F == 0:
        return x
    rng = as_generator(seed)
    pick = rng.random(x.shape).argsort(axis=-1) < F
    return np.where(pick, -x, x)


def as_real(x: np.ndarray) -> np.ndarray:
    """Complex vectors as real ones of twice the length, (re, im) interleaved: a view, no
    copy (Re<a, b> = a_r.b_r + a_i.b_i is their real dot product)."""
    if not np.iscomplexobj(x):
        return x
    x = np.ascontiguousarray(x)
    return x.view(np.float32 if x.dtype == np.complex64 else np.float64)
