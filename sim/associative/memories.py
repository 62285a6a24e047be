r"""The memories: encode ⊗ / compose ⊕ / decode • triples (docs/associative.md).

Every memory stores Q key–value pairs and reads a value back from a cue. They differ only
in the triple:

=======================  =========================  ===============  =========================
memory                   encode ⊗ (one trace)       compose ⊕        decode • (cue c)
=======================  =========================  ===============  =========================
:class:`HRR`             circular convolution k ⊛ y sum              involution c* ⊛ m (or the
                                                                     exact inverse, unitary c)
:class:`FHRR`            element-wise product k ⊙ y sum              conj(c) ⊙ m
:class:`RedundantFHRR`   S copies (P_s k) ⊙ y       sum per copy     mean_s conj(P_s c) ⊙ c_s
:class:`MatrixMemory`    outer product y xᵀ         sum (Hebbian) or M c
                                                    pseudo-inverse
:class:`TensorProduct3`  y ⊗ r₁ ⊗ r₂                sum              T ×₂ c₁ ×₃ c₂
:class:`Willshaw`        clipped outer product      logical or       threshold of M c at |c|
:class:`SDM`             add y to the counters of   sum              sign of the summed
                         the locations within r     (counters)       counters within r of c
:class:`FastWeights`     λ-decayed outer product    λA + η h hᵀ      sign(A c), iterated
=======================  =========================  ===============  =========================

Arrays carry leading batch dimensions (independent memories, e.g. trials), then the item
axis, then the vector axis: keys and values are ``(..., Q, n)``, cues ``(..., P, n)``; a
memory holds one trace per batch index. Everything is vectorised over the batch and the items
(FFTs over the last axis, one matrix product per batch); no Python loop runs over items or
vector components.

References: Plate (1995) IEEE Trans. Neural Netw. 6:623; Danihelka et al. (2016) ICML
(associative LSTM); Kohonen (1972) IEEE Trans. Comput. C-21:353; Smolensky (1990) Artif.
Intell. 46:159; Willshaw, Buneman & Longuet-Higgins (1969) Nature 222:960; Kanerva (1988)
*Sparse distributed memory*, MIT Press; Ba et al. (2016) NeurIPS (fast weights); Hopfield
(1982) PNAS 79:2554.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from ..rng import SeedLike, as_generator

__all__ = ["bind", "unbind", "involution", "bundle", "fhrr_bind", "fhrr_unbind", "HRR",
           "FHRR", "RedundantFHRR", "MatrixMemory", "TensorProduct3", "Willshaw", "SDM",
           "FastWeights", "FFT_WORKERS"]

#: FFT threads (the transforms of a batch are independent: results do not depend on it)
FFT_WORKERS = -1


# --- HRR: circular convolution ----------------------------------------------------------------

def bind(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""Circular convolution :math:`(a ⊛ b)_j = \sum_k a_k b_{j-k \bmod n}` by FFT
    (Plate 1995, Eq. 3; the HRR encoding ⊗)."""
    n = a.shape[-1]
    return sfft.irfft(sfft.rfft(a, axis=-1) * sfft.rfft(b, axis=-1), n=n, axis=-1)


def involution(a: np.ndarray) -> np.ndarray:
    r"""Plate's approximate inverse :math:`a^*_j = a_{-j \bmod n}` (conjugate spectrum)."""
    return np.roll(a[..., ::-1], 1, axis=-1)


def unbind(m: np.ndarray, cue: np.ndarray, exact: bool = False) -> np.ndarray:
    r"""Decode ``m`` with ``cue``: circular correlation :math:`c^* ⊛ m` (the involution), or
    with ``exact=True`` convolution with the exact inverse (spectrum :math:`1/C_f`; equal to
    the involution for unitary cues, unstable for others)."""
    n = m.shape[-1]
    C = sfft.rfft(cue, axis=-1)
    inv = 1 / C if exact else np.conj(C)
    return sfft.irfft(inv * sfft.rfft(m, axis=-1), n=n, axis=-1)


def bundle(traces: np.ndarray, axis: int = -2) -> np.ndarray:
    """Superposition ⊕ of traces: their sum along the item axis."""
    return traces.sum(axis=axis)


def fhrr_bind(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """FHRR binding: element-wise product (phases add; thesis Eq. 2.44)."""
    return a * b


def fhrr_unbind(m: np.ndarray, cue: np.ndarray) -> np.ndarray:
    """FHRR unbinding with the exact inverse of a unit-modulus cue, its conjugate."""
    return np.conj(cue) * m


class HRR:
    r"""Holographic reduced representation (Plate 1995).

    :math:`m = \sum_q k_q ⊛ y_q`; :math:`\hat y = c^* ⊛ m` (``decode="involution"``) or
    :math:`\hat y = c^{-1} ⊛ m` (``decode="inverse"``). Stored in the spectrum (one rfft per
    trace, ``n // 2 + 1`` complex numbers holding n reals). Storage: n real numbers.
    """

    def __init__(self, n: int, decode: str = "involution"):
        if decode not in ("involution", "inverse"):
            raise ValueError(f"decode must be 'involution' or 'inverse', got {decode!r}")
        self.n, self.decode = int(n), decode
        self.state = None

    storage = property(lambda self: self.n)

    def store(self, keys, values) -> HRR:
        K = sfft.rfft(keys, axis=-1, workers=FFT_WORKERS)
        K *= sfft.rfft(values, axis=-1, workers=FFT_WORKERS)
        self.state = K.sum(axis=-2)
        return self

    def recall(self, cues) -> np.ndarray:
        C = sfft.rfft(cues, axis=-1, workers=FFT_WORKERS)
        inv = np.conj(C, out=C) if self.decode == "involution" else 1 / C
        inv *= self.state[..., None, :]
        return sfft.irfft(inv, n=self.n, axis=-1, workers=FFT_WORKERS)


class FHRR:
    r"""Fourier holographic reduced representation: phasor keys and values,
    :math:`m = \sum_q k_q ⊙ y_q`, :math:`\hat y = \bar c ⊙ m` (thesis Eq. 2.42–2.48). Storage:
    n complex = 2n real numbers."""

    def __init__(self, n: int):
        self.n = int(n)
        self.state = None

    storage = property(lambda self: 2 * self.n)

    def store(self, keys, values) -> FHRR:
        self.state = (keys * values).sum(axis=-2)
        return self

    def recall(self, cues) -> np.ndarray:
        return np.conj(cues) * self.state[..., None, :]


class RedundantFHRR:
    r"""Redundant associative memory with S permuted copies (Danihelka et al. 2016):
    :math:`c_s = \sum_q (P_s k_q) ⊙ y_q`, :math:`\hat y = S^{-1}\sum_s \overline{P_s c} ⊙ c_s`,
    P_s fixed random permutations (P_1 = identity). Storage: 2nS real numbers."""

    def __init__(self, n: int, copies: int, seed: SeedLike):
        rng = as_generator(seed)
        self.n, self.copies = int(n), int(copies)
        self.perms = np.stack([np.arange(n)] + [rng.permutation(n) for _ in range(copies - 1)])
        self.state = None

    storage = property(lambda self: 2 * self.n * self.copies)

    def store(self, keys, values) -> RedundantFHRR:
        # (..., Q, S, n): every copy's key permuted, one product and one sum per copy
        pk = keys[..., self.perms]
        self.state = (pk * values[..., None, :]).sum(axis=-3)
        return self

    def recall(self, cues) -> np.ndarray:
        pc = np.conj(cues[..., self.perms])  # (..., P, S, n)
        return (pc * self.state[..., None, :, :]).mean(axis=-2)


class MatrixMemory:
    r"""Correlation matrix memory (Kohonen 1972; Anderson 1972) and order-2 tensor product
    representation (Smolensky 1990: roles are keys, fillers values).

    ``rule="hebb"``: :math:`M = \sum_q y_q x_q^\top` (:math:`M = Y^\top X`); ``rule="pinv"``:
    :math:`M = Y^\top (X^+)^\top`, the Widrow–Hoff least-squares solution, exact for Q ≤ n
    linearly independent keys. Decoding :math:`\hat y = M c`. Storage: n² real numbers.
    """

    def __init__(self, n: int, rule: str = "hebb"):
        if rule not in ("hebb", "pinv"):
            raise ValueError(f"rule must be 'hebb' or 'pinv', got {rule!r}")
        self.n, self.rule = int(n), rule
        self.state = None

    storage = property(lambda self: self.n ** 2)

    def store(self, keys, values) -> MatrixMemory:
        if self.rule == "hebb":
            self.state = np.swapaxes(values, -1, -2) @ keys
        else:  # M = Y^T (X X^T)^-1 X with X = keys (Q x n): least squares, M x_q = y_q
            G = keys @ np.swapaxes(keys, -1, -2)
            self.state = np.swapaxes(values, -1, -2) @ np.linalg.solve(G.astype(np.float64),
                                                                        keys).astype(keys.dtype)
        return self

    def recall(self, cues) -> np.ndarray:
        return cues @ np.swapaxes(self.state, -1, -2)


class TensorProduct3:
    r"""Order-3 tensor product representation (Smolensky 1990): a filler bound to a pair of
    roles, :math:`T = \sum_q y_q ⊗ r_{1q} ⊗ r_{2q}`; unbinding
    :math:`\hat y_i = \sum_{jk} T_{ijk} c_{1j} c_{2k}`. Keys are the role pairs, given as
    ``(..., Q, 2, n)``. Storage: n³ real numbers."""

    def __init__(self, n: int):
        self.n = int(n)
        self.state = None

    storage = property(lambda self: self.n ** 3)

    def store(self, keys, values) -> TensorProduct3:
        r1, r2 = keys[..., 0, :], keys[..., 1, :]
        roles = (r1[..., :, None] * r2[..., None, :]).reshape(*r1.shape[:-1], -1)
        self.state = np.swapaxes(values, -1, -2) @ roles  # (..., n, n²)
        return self

    def recall(self, cues) -> np.ndarray:
        c1, c2 = cues[..., 0, :], cues[..., 1, :]
        roles = (c1[..., :, None] * c2[..., None, :]).reshape(*c1.shape[:-1], -1)
        return roles @ np.swapaxes(self.state, -1, -2)


class Willshaw:
    r"""Willshaw net, the binary correlation matrix memory (Willshaw, Buneman & Longuet-Higgins
    1969): :math:`M_{ij} = \min(1, \sum_q y_{qi} x_{qj})` (clipped synapses, stored as int8);
    recall :math:`\hat y_i = [\sum_j M_{ij} c_j \ge \theta]` with θ = the number of active cue
    units (no misses for a subset of a stored key). Storage: n_out × n_in bits."""

    def __init__(self, n: int):
        self.n = int(n)
        self.matrix = None

    storage_bits = property(lambda self: self.n ** 2)

    def store(self, keys, values) -> Willshaw:
        # one float32 product per memory (counts < 2^24 are exact), then clip to 0/1
        counts = np.swapaxes(values, -1, -2).astype(np.float32) @ keys.astype(np.float32)
        self.matrix = (counts > 0).astype(np.int8)
        return self

    def recall(self, cues) -> np.ndarray:
        c = cues.astype(np.float32)
        dend = c @ np.swapaxes(self.matrix, -1, -2).astype(np.float32)
        return (dend >= c.sum(axis=-1, keepdims=True)).astype(np.int8)


class SDM:
    r"""Kanerva's sparse distributed memory (Kanerva 1988; thesis Algorithm 2.1,
    Eq. 2.64–2.66).

    L hard locations with fixed random addresses :math:`a_l \in \{0,1\}^{n}` (stored as ±1) and
    integer counters :math:`C_l \in \mathbb Z^{d}`. Writing the word y (±1) at address x adds
    y to the counters of every location with :math:`d_H(a_l, x) \le r`; reading at c returns
    :math:`\mathrm{sign}\sum_{l: d_H(a_l, c)\le r} C_l` (a zero sum is a tie, returned as 0).
    Activations are one matrix product of ±1 vectors, :math:`d_H = (n - a\cdot x)/2`; writing
    and reading are one matrix product each. Storage: L·d counters.
    """

    def __init__(self, addresses: np.ndarray, radius: int, data_bits: int):
        self.addresses = np.asarray(addresses, np.float32)  # (..., L, n) of ±1
        self.radius, self.data_bits = int(radius), int(data_bits)
        self.counters = None

    storage = property(lambda self: self.addresses.shape[-2] * self.data_bits)

    def active(self, x) -> np.ndarray:
        """0/1 activation (..., items, L) of the locations within the radius of each row."""
        n = self.addresses.shape[-1]
        dots = np.asarray(x, np.float32) @ np.swapaxes(self.addresses, -1, -2)
        return ((n - dots) <= 2 * self.radius).astype(np.float32)

    def store(self, keys, values) -> SDM:
        self.counters = np.swapaxes(self.active(keys), -1, -2) @ values.astype(np.float32)
        return self

    def read_sums(self, cues) -> np.ndarray:
        return self.active(cues) @ self.counters

    def recall(self, cues) -> np.ndarray:
        return np.sign(self.read_sums(cues))


class FastWeights:
    r"""Fast weights: a decaying Hebbian trace (Ba et al. 2016; thesis Eq. 2.56–2.57),
    :math:`A(t) = \lambda A(t-1) + \eta\, h(t) h(t)^\top`, here with η = 1/n and a zero
    diagonal, so after a stream h(0..T−1) :math:`A = n^{-1}\sum_a \lambda^a h_a h_a^\top`
    (a = age). ``decay = 1`` is the Hopfield network (Hebbian couplings).

    Retrieval from a cue c: one shot :math:`\mathrm{sign}(A c)`, or the inner loop
    :math:`h_{s+1} = \mathrm{sign}(A h_s)`, h₀ = c (Ba et al.'s inner loop with the slow
    weights and the layer normalisation left out). Storage: n² real numbers.
    """

    def __init__(self, n: int, decay: float = 1.0):
        self.n, self.decay = int(n), float(decay)
        self.weights = None

    storage = property(lambda self: self.n ** 2)
    #: the couplings A (the weights scaled by 1/n)
    matrix = property(lambda self: None if self.weights is None else self.weights / self.n)

    def store(self, patterns) -> FastWeights:
        r"""``patterns`` (..., T, n) of ±1 in order of arrival: the last is the newest
        (age 0). The weights are kept unscaled, :math:`nA = \sum_a \lambda^a h_a h_a^\top`:
        with decay 1 they are integers, so fields are exact in float32 (below 2^24) and an
        exact zero field (a tie, which keeps the bit) stays zero; a 1/n inside the sum
        would round it to ±1e-7 and flip about half of the ties."""
        T = patterns.shape[-2]
        w = (self.decay ** np.arange(T - 1, -1, -1)).astype(np.float32)
        p = patterns.astype(np.float32)
        W = np.swapaxes(p * w[:, None], -1, -2) @ p
        idx = np.arange(self.n)
        W[..., idx, idx] = 0
        self.weights = W
        return self

    def fields(self, states) -> np.ndarray:
        """:math:`A s` (A is symmetric): the exact sum, then the scale 1/n."""
        return (states.astype(np.float32) @ self.weights) / np.float32(self.n)

    def recall(self, cues, steps: int = 1) -> np.ndarray:
        """``steps`` synchronous sign updates from the cues (a zero field keeps the bit)."""
        h = cues.astype(np.float32)
        for _ in range(steps):
            f = self.fields(h)
            h = np.where(f == 0, h, np.sign(f))
        return h
