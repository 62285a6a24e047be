r"""Associative memories as encode ⊗ / compose ⊕ / decode • triples (docs/associative.md).

Every model stores Q key–value pairs in one memory and reads a value back from a cue. The
models differ only in the triple:

=====================  ===========================  ===============  =========================
model                  encode ⊗ (one trace)         compose ⊕        decode • (cue c)
=====================  ===========================  ===============  =========================
:class:`HRR`           circular convolution k ⊛ y   sum              involution c* ⊛ m (or the
                                                                     exact inverse, unitary c)
:class:`FHRR`          element-wise product k ⊙ y   sum              conj(c) ⊙ m
:class:`RedundantFHRR` S copies (P_s k) ⊙ y         sum per copy     mean_s conj(P_s c) ⊙ c_s
:class:`MatrixMemory`  outer product y xᵀ           sum (Hebbian) or     M c
                                                    pseudo-inverse
:class:`TensorProduct3`  y ⊗ r₁ ⊗ r₂                sum              T ×₂ c₁ ×₃ c₂
:class:`Willshaw`      clipped outer product        logical or       threshold of M c at |c|
:class:`SDM`           add y to the counters of     sum              sign of the summed
                       the locations within r       (counters)       counters within r of c
:class:`FastWeights`   λ-decayed outer product h hᵀ λA + η h hᵀ      sign(A c), iterated
=====================  ===========================  ===============  =========================

Arrays carry leading batch dimensions (independent memories, e.g. trials), then the item
axis, then the vector axis: keys and values are ``(..., Q, n)``, cues ``(..., P, n)``; a
memory holds one trace per batch index. Everything is vectorised over the batch and the items
(FFTs over the last axis, one matrix product per batch); no Python loop runs over items or
vector components. Random draws take ``seed: int | Generator``.

References: Plate (1995) IEEE Trans. Neural Netw. 6:623; Danihelka et al. (2016) ICML
(associative LSTM); Kohonen (1972) IEEE Trans. Comput. C-21:353; Smolensky (1990) Artif.
Intell. 46:159; Willshaw, Buneman & Longuet-Higgins (1969) Nature 222:960; Kanerva (1988)
*Sparse distributed memory*, MIT Press; Ba et al. (2016) NeurIPS (fast weights); Hopfield
(1982) PNAS 79:2554.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.fft as sfft
from numpy.typing import ArrayLike, DTypeLike

if TYPE_CHECKING:  # xarray is imported where a dataset is built
    import xarray as xr

from .rng import SeedLike, as_generator

#: FFT threads (the transforms of a batch are independent: results do not depend on it)
FFT_WORKERS = -1

__all__ = ["gaussian_vectors", "sign_vectors", "unitary_vectors", "phasor_vectors",
           "sparse_binary", "simulate_recall", "simulate_palimpsest", "bind", "unbind",
           "involution", "bundle", "fhrr_bind", "fhrr_unbind", "storage_of", "MODELS",
           "VECTOR_MODELS", "BINARY_MODELS", "noisy_cue", "flip_bits", "HRR", "FHRR",
           "RedundantFHRR", "MatrixMemory", "TensorProduct3", "Willshaw", "SDM", "FastWeights"]


# --- random vectors -------------------------------------------------------------------------

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
        self.matrix = None

    storage = property(lambda self: self.n ** 2)

    def store(self, patterns) -> FastWeights:
        """``patterns`` (..., T, n) of ±1 in order of arrival: the last is the newest
        (age 0)."""
        T = patterns.shape[-2]
        w = (self.decay ** np.arange(T - 1, -1, -1)).astype(np.float32)
        p = patterns.astype(np.float32)
        A = np.swapaxes(p * w[:, None], -1, -2) @ p / self.n
        idx = np.arange(self.n)
        A[..., idx, idx] = 0
        self.matrix = A
        return self

    def fields(self, states) -> np.ndarray:
        return states.astype(np.float32) @ self.matrix  # A is symmetric

    def recall(self, cues, steps: int = 1) -> np.ndarray:
        """``steps`` synchronous sign updates from the cues (a zero field keeps the bit)."""
        h = cues.astype(np.float32)
        for _ in range(steps):
            f = self.fields(h)
            h = np.where(f == 0, h, np.sign(f))
        return h


# --- the recall experiment --------------------------------------------------------------------

#: models whose value is decoded against a vocabulary (P(correct), similarity moments)
VECTOR_MODELS = ("hrr", "hrr_unitary", "fhrr", "redundant", "cmm_sign", "cmm_gauss",
                 "cmm_pinv", "tpr2_orthonormal", "tpr3")
#: models with binary values, scored by their bit error
BINARY_MODELS = ("willshaw", "sdm", "hopfield")
MODELS = VECTOR_MODELS + BINARY_MODELS


def storage_of(model: str, size: int, copies: int = 4, data_bits: int = 32) -> int:
    """Stored numbers of ``model`` with dimension ``size`` (reals, a complex number counting
    as two; bits for Willshaw; counters for SDM, whose ``size`` is the number of hard
    locations; N² couplings for Hopfield and fast weights)."""
    n = int(size)
    return {"hrr": n, "hrr_unitary": n, "fhrr": 2 * n, "redundant": 2 * n * copies,
            "tpr3": n ** 3, "sdm": n * data_bits}.get(model, n * n)


def _orthonormal(rng, B, Q, n):
    g = rng.standard_normal((B, n, Q))
    q, r = np.linalg.qr(g)
    return np.swapaxes(q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[:, None, :], -1,
                       -2).astype(np.float32)


def _draw_keys(model, rng, B, Q, n):
    if model == "hrr":
        return gaussian_vectors((B, Q, n), rng)
    if model == "hrr_unitary":
        return unitary_vectors((B, Q, n), rng)
    if model in ("fhrr", "redundant"):
        return phasor_vectors((B, Q, n), rng)
    if model == "cmm_sign":
        return sign_vectors((B, Q, n), rng)
    if model in ("cmm_gauss", "cmm_pinv"):
        return gaussian_vectors((B, Q, n), rng)
    if model == "tpr2_orthonormal":
        return _orthonormal(rng, B, Q, n)
    if model == "tpr3":
        return gaussian_vectors((B, Q, 2, n), rng)
    raise ValueError(model)


def _fresh_keys(model, rng, B, P, n):
    """Independent draws of the key distribution for the cue noise (isotropic Gaussian for
    orthonormal roles, whose distribution has no independent copy)."""
    return _draw_keys("cmm_gauss" if model == "tpr2_orthonormal" else model, rng, B, P, n)


def _values(model, rng, shape):
    return phasor_vectors(shape, rng) if model in ("fhrr", "redundant") else \
        gaussian_vectors(shape, rng)


def _memory(model, n, params, rng):
    if model == "hrr":
        return HRR(n)
    if model == "hrr_unitary":  # the exact inverse of a unitary key is its involution; the
        return HRR(n)             # involution stays stable when the cue is noisy
    if model == "fhrr":
        return FHRR(n)
    if model == "redundant":
        return RedundantFHRR(n, int(params.get("copies", 4)), rng)
    if model in ("cmm_sign", "cmm_gauss", "tpr2_orthonormal"):
        return MatrixMemory(n)
    if model == "cmm_pinv":
        return MatrixMemory(n, rule="pinv")
    if model == "tpr3":
        return TensorProduct3(n)
    raise ValueError(model)


def _as_real(x):
    """Complex vectors as real ones of twice the length, (re, im) interleaved: a view, no
    copy (Re<a, b> = a_r.b_r + a_i.b_i is their real dot product)."""
    if not np.iscomplexobj(x):
        return x
    x = np.ascontiguousarray(x)
    return x.view(np.float32 if x.dtype == np.complex64 else np.float64)


def _chunk(B_total: int, per_trial: float, budget: float = 2 ** 27) -> int:
    """Trials per batch so that a batch holds about ``budget`` numbers."""
    return int(max(1, min(B_total, budget // max(per_trial, 1))))


def simulate_recall(model: str, size: int, Q: int | ArrayLike, n_trials: int,
                    seed: SeedLike, vocabulary: int = 1000, cue_noise: float | ArrayLike = 0.0,
                    n_probes: int = 32, **params) -> xr.Dataset:
    r"""Store Q pairs, cue, decode and score; every measure per independent trial.

    Parameters
    ----------
    model : str
        One of :data:`MODELS`.
    size : int
        The model's dimension n (vector length; matrix side; SDM: number of hard locations).
    Q : int or non-decreasing sequence of int
        Stored pairs (loads). Vector models store the first Q of one draw of max(Q) pairs
        per trial (loads share draws within a trial; trials are independent); binary models
        draw every load afresh.
    n_trials : int
        Independent memories per load (the replicates of every standard error).
    seed : int or Generator
    vocabulary : int
        M: the decoded value is scored against the right value and M − 1 distractors drawn
        independently of the memory (vector models).
    cue_noise : float or sequence of float
        ν per model type: vector models use the cue :math:`\sqrt{1-\nu}\,k + \sqrt\nu\,e`
        (e an independent key); Hopfield and SDM flip round(ν n) cue bits; Willshaw deletes
        round(ν k) of the k active cue units.
    n_probes : int
        Items decoded per trial: the first min(Q, n_probes) stored ones; a vector model's
        trial with Q < n_probes holds ceil(n_probes / Q) independent memories.
    **params
        ``copies`` (redundant), ``active`` (Willshaw: active units k = l), ``radius``,
        ``address_bits`` and ``data_bits`` (SDM), ``steps`` (Hopfield: sign updates towards
        the fixed point).

    Returns
    -------
    xarray.Dataset
        Dims ``(Q, cue_noise, trial)``. Vector models: ``p_correct`` (fraction of probes
        whose right value scores above every distractor; a tie counts as a failure),
        ``signal_mean``, ``signal_var`` (the right value's similarity Re<ŷ, y>, mean over
        the trial's probes and mean square deviation from the mean over all trials),
        ``crosstalk_mean``, ``crosstalk_var`` (the distractors' similarities). Binary models:
        ``bit_error`` and the model's own moments (see :func:`_binary_recall`).
    """
    import xarray as xr

    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    rng = as_generator(seed)
    Qs = np.atleast_1d(np.asarray(Q, int))
    nus = np.atleast_1d(np.asarray(cue_noise, float))
    n = int(size)
    if model in BINARY_MODELS:
        out = [_binary_recall(model, n, int(q), n_trials, rng, nus, n_probes, params)
               for q in Qs]
        data = {k: (("Q", "cue_noise", "trial"), np.stack([o[k] for o in out]))
                for k in out[0]}
    else:
        if np.any(np.diff(Qs) < 0):
            raise ValueError(f"Q must be non-decreasing, got {Qs.tolist()}")
        out = _vector_recall(model, n, Qs, n_trials, rng, nus, vocabulary, n_probes, params)
        data = {k: (("Q", "cue_noise", "trial"), v) for k, v in out.items()}
    ds = xr.Dataset(data, coords={"Q": Qs, "cue_noise": nus, "trial": np.arange(n_trials)})
    ds.attrs.update(model=model, size=n, vocabulary=int(vocabulary),
                    storage=storage_of(model, n, int(params.get("copies", 4)),
                                       int(params.get("data_bits", 32))))
    return ds


def _vector_recall(model, n, Qs, n_trials, rng, nus, M, n_probes, params):
    """All loads of one vector model. Per batch of trials: one vocabulary, and the pairs
    drawn in order in blocks; the memory of load Q holds the first Q pairs (superposition is
    a sum, so the loads' memories are prefix sums and a block is discarded once stored).
    The pseudo-inverse (solved per load) and orthonormal roles (orthonormal jointly) draw
    all pairs at once; their n is small."""
    Qs = np.asarray(Qs, int)
    Qmax, P = int(Qs.max()), int(min(Qs.max(), n_probes))
    width = 2 if model in ("fhrr", "redundant") else 1
    roles = 2 if model == "tpr3" else 1
    copies = int(params.get("copies", 4)) if model == "redundant" else 1
    whole = model in ("cmm_pinv", "tpr2_orthonormal")
    per_trial = width * n * (M + 8 * P * copies * roles)
    per_trial += {"cmm_sign": 3 * n * n, "cmm_gauss": 3 * n * n, "cmm_pinv": 3 * n * n
                  + 4 * Qmax * n, "tpr2_orthonormal": 4 * n * n + 4 * Qmax * n,
                  "tpr3": 3 * n ** 3}.get(model, width * n * copies * 2)
    B = 1 if model == "redundant" else _chunk(n_trials, per_trial)  # own permutations
    # pairs per block: keys, values and their traces within 2^24 numbers per batch
    block = max(1, int(2 ** 24 // (B * width * n * (roles + 3) * copies
                                   * (n if model == "tpr3" else 1))))
    L, K = len(Qs), len(nus)
    keys_out = ("pc", "s1", "s2", "d1", "d2")
    acc = {k: np.empty((L, K, n_trials)) for k in keys_out}
    for start in range(0, n_trials, B):
        b = min(B, n_trials - start)
        sl = slice(start, start + b)
        mem = _memory(model, n, params, rng)
        distract = _as_real(_values(model, rng, (b, M - 1, n)))
        fresh = _fresh_keys(model, rng, b, P, n) if np.any(nus > 0) else None
        if whole:
            all_k = _draw_keys(model, rng, b, Qmax, n)
            all_v = _values(model, rng, (b, Qmax, n))
            keys, values = all_k[:, :P], all_v[:, :P]
        else:
            keys = values = None  # the first P pairs, kept as probes
        state, done = None, 0
        for li, Q in enumerate(Qs):
            if whole:
                mem.store(all_k[:, :Q], all_v[:, :Q])
            while not whole and done < Q:
                m = int(min(Q - done, block))
                k = _draw_keys(model, rng, b, m, n)
                v = _values(model, rng, (b, m, n))
                if done < P:
                    keep = min(P - done, m)
                    keys = k[:, :keep] if keys is None else np.concatenate(
                        [keys, k[:, :keep]], axis=1)
                    values = v[:, :keep] if values is None else np.concatenate(
                        [values, v[:, :keep]], axis=1)
                mem.store(k, v)
                state = mem.state if state is None else state + mem.state
                done += m
            if not whole:
                mem.state = state
            target = _as_real(values)
            scale = 1.0 / n if width == 2 else 1.0  # phasors have |y|^2 = n
            p = min(int(Q), P)
            # a load with fewer than n_probes pairs gets extra independent memories within
            # the trial, so that every load is scored on n_probes probes per trial
            extra = -(-P // p) - 1
            sums = {k: np.zeros((K, b)) for k in keys_out}
            for rep in range(extra + 1):
                if rep == 0:
                    kk, tt, ff, mm = keys, target, fresh, mem
                else:
                    kk = _draw_keys(model, rng, b, int(Q), n)
                    vv = _values(model, rng, (b, int(Q), n))
                    mm = _memory(model, n, params, rng).store(kk, vv)
                    tt = _as_real(vv)
                    ff = _fresh_keys(model, rng, b, p, n) if fresh is not None else None
                for ki, nu in enumerate(nus):
                    cue = noisy_cue(kk[:, :p], None if ff is None else ff[:, :p], float(nu))
                    yhat = _as_real(mm.recall(cue))
                    s = np.einsum("bpn,bpn->bp", yhat, tt[:, :p]) * scale
                    d = (yhat @ np.swapaxes(distract, -1, -2)) * scale  # (b, p, M-1)
                    sums["pc"][ki] += (s > d.max(axis=-1)).mean(axis=-1)
                    sums["s1"][ki] += s.mean(axis=-1)
                    sums["s2"][ki] += (s.astype(np.float64) ** 2).mean(axis=-1)
                    sums["d1"][ki] += d.mean(axis=(-1, -2))
                    sums["d2"][ki] += (d.astype(np.float64) ** 2).mean(axis=(-1, -2))
            for k in keys_out:
                acc[k][li, :, sl] = sums[k] / (extra + 1)
    # variances about the mean over all trials (unbiased per trial, whatever the probes'
    # correlation within a memory); the standard error comes from their spread over trials
    m1 = acc["s1"].mean(axis=-1, keepdims=True)
    m0 = acc["d1"].mean(axis=-1, keepdims=True)
    return {"p_correct": acc["pc"], "signal_mean": acc["s1"],
            "signal_var": acc["s2"] - 2 * m1 * acc["s1"] + m1 ** 2,
            "crosstalk_mean": acc["d1"],
            "crosstalk_var": acc["d2"] - 2 * m0 * acc["d1"] + m0 ** 2}


def willshaw_active(n: int, active: int = 0) -> int:
    """Active units per pattern: ``active``, or round(log2 n) when 0 (the sparse optimum's
    order, Willshaw et al. 1969)."""
    return int(active) if active else max(1, int(round(np.log2(n))))


def _pm1(shape, rng):
    """Exact ±1 elements (float32)."""
    return (2 * as_generator(rng).integers(0, 2, size=shape, dtype=np.int8) - 1).astype(
        np.float32)


def _binary_recall(model, n, Q, n_trials, rng, nus, n_probes, params):
    P = min(Q, n_probes)
    res = {}
    if model == "willshaw":
        k = willshaw_active(n, params.get("active", 0))
        B = _chunk(n_trials, 2 * n * n + 3 * Q * n)
        rows = []
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            x = sparse_binary((b, Q, n), k, rng)
            y = sparse_binary((b, Q, n), k, rng)
            mem = Willshaw(n).store(x, y)
            p1 = mem.matrix.mean(axis=(-1, -2), dtype=np.float64)
            keep = rng.random((b, P, n)).argsort(axis=-1)  # which active units a cue keeps
            per = []
            for nu in nus:
                kk = k - int(round(nu * k))
                cue = x[:, :P].copy()
                # delete k - kk active units: rank the active ones at random, keep the first kk
                score = np.where(cue == 1, keep, n + keep)
                order = score.argsort(axis=-1).argsort(axis=-1)
                cue = ((cue == 1) & (order < kk)).astype(np.int8)
                out = mem.recall(cue)
                wrong = (out != y[:, :P]).sum(axis=-1)
                miss = ((out == 0) & (y[:, :P] == 1)).sum(axis=-1)
                per.append((wrong.mean(axis=-1) / n, (wrong - miss).mean(axis=-1) / (n - k),
                            miss.mean(axis=-1) / k))
            rows.append((np.array(per), p1))
        per = np.concatenate([r[0] for r in rows], axis=-1)  # (noise, 3, trials)
        p1 = np.concatenate([r[1] for r in rows])
        res["bit_error"] = per[:, 0]
        res["false_positive_rate"] = per[:, 1]
        res["miss_rate"] = per[:, 2]
        res["synapse_fraction"] = np.broadcast_to(p1, per[:, 0].shape).copy()
        return res
    if model == "sdm":
        A, D, r = (int(params.get("address_bits", 256)), int(params.get("data_bits", 32)),
                   int(params["radius"]))
        L = n
        B = _chunk(n_trials, L * (A + D) + Q * (A + D + L) + 3 * P * L)
        rows = []
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            mem = SDM(_pm1((b, L, A), rng), r, D)
            addr = _pm1((b, Q, A), rng)
            words = _pm1((b, Q, D), rng)
            mem.store(addr, words)
            act_t = mem.active(addr[:, :P])
            per = []
            for nu in nus:
                cue = flip_bits(addr[:, :P], float(nu), rng)
                act_c = mem.active(cue)
                sums = act_c @ mem.counters  # (b, P, D)
                y = words[:, :P]
                err = ((np.sign(sums) != y) & (sums != 0)) + 0.5 * (sums == 0)
                shared = (act_c * act_t).sum(axis=-1)  # (b, P)
                noise = sums * y - shared[..., None]
                per.append((err.mean(axis=(-1, -2)), shared.mean(axis=-1),
                            act_c.sum(axis=-1).mean(axis=-1),
                            noise.mean(axis=(-1, -2)),
                            (noise.astype(np.float64) ** 2).mean(axis=(-1, -2))))
            rows.append(np.array(per))
        per = np.concatenate(rows, axis=-1)  # (noise, 5, trials)
        m0 = per[:, 3].mean(axis=-1, keepdims=True)
        res["bit_error"] = per[:, 0]
        res["signal_mean"] = per[:, 1]  # locations shared by the cue and the written address
        res["active_locations"] = per[:, 2]
        res["crosstalk_mean"] = per[:, 3]
        res["crosstalk_var"] = per[:, 4] - 2 * m0 * per[:, 3] + m0 ** 2
        return res
    if model == "hopfield":
        steps = int(params.get("steps", 30))
        B = _chunk(n_trials, 2 * n * n + Q * n)
        rows = []
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            pats = _pm1((b, Q, n), rng)
            net = FastWeights(n, 1.0).store(pats)
            target = pats[:, :P]
            per = []
            for nu in nus:
                cue = flip_bits(target, float(nu), rng)
                aligned = net.fields(cue) * target  # xi_i h_i
                one = net.recall(cue, 1)
                h = one
                for _ in range(steps - 1):  # synchronous updates until nothing changes
                    nxt = net.recall(h, 1)
                    if np.array_equal(nxt, h):
                        break
                    h = nxt
                per.append(((one != target).mean(axis=(-1, -2)),
                            (h != target).mean(axis=(-1, -2)),
                            aligned.mean(axis=(-1, -2)),
                            (aligned.astype(np.float64) ** 2).mean(axis=(-1, -2))))
            rows.append(np.array(per))
        per = np.concatenate(rows, axis=-1)
        m1 = per[:, 2].mean(axis=-1, keepdims=True)
        res["bit_error"] = per[:, 0]
        res["bit_error_fixed_point"] = per[:, 1]
        res["signal_mean"] = per[:, 2]
        res["signal_var"] = per[:, 3] - 2 * m1 * per[:, 2] + m1 ** 2
        return res
    raise ValueError(model)


def simulate_palimpsest(size: int, decays: ArrayLike, length: int, n_trials: int,
                        seed: SeedLike, cue_noise: float = 0.0, inner_steps: int = 5
                        ) -> xr.Dataset:
    r"""Fast-weight palimpsest: store a stream of ``length`` random ±1 patterns in
    :class:`FastWeights` (one memory per decay and trial), cue every item with
    round(ν n) flipped bits and read it back in one shot and after ``inner_steps`` inner-loop
    updates.

    Returns
    -------
    xarray.Dataset
        ``bit_error_one_shot`` and ``bit_error_inner`` with dims ``(decay, age, trial)``
        (age 0 = the newest item).
    """
    import xarray as xr

    rng = as_generator(seed)
    n, T = int(size), int(length)
    decays = np.atleast_1d(np.asarray(decays, float))
    one = np.empty((len(decays), T, n_trials))
    inner = np.empty_like(one)
    B = _chunk(n_trials, 3 * n * n + 3 * T * n)
    for i, lam in enumerate(decays):
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            pats = _pm1((b, T, n), rng)
            net = FastWeights(n, lam).store(pats)
            cue = flip_bits(pats, cue_noise, rng)
            err1 = (net.recall(cue, 1) != pats).mean(axis=-1)  # (b, T) in order of arrival
            errk = (net.recall(cue, inner_steps) != pats).mean(axis=-1)
            one[i, :, start:start + b] = err1[:, ::-1].T  # by age
            inner[i, :, start:start + b] = errk[:, ::-1].T
    return xr.Dataset(
        {"bit_error_one_shot": (("decay", "age", "trial"), one),
         "bit_error_inner": (("decay", "age", "trial"), inner)},
        coords={"decay": decays, "age": np.arange(T), "trial": np.arange(n_trials)},
        attrs={"size": n, "cue_noise": float(cue_noise), "inner_steps": int(inner_steps)})
