"""The theory of every registered associative model, by name (:data:`THEORIES`), and the
functions of the public API that take a model's name."""

from __future__ import annotations

from memory_dynamics.sim.associative import MODELS

from .base import ModelTheory, Params
from .binary import BinaryTheory, FastWeightsTheory, HopfieldTheory, SDMTheory, WillshawTheory
from .vector import (
    FHRRTheory,
    HebbianTheory,
    HRRTheory,
    RedundantTheory,
    SolvedTheory,
    UnitaryHRRTheory,
    VectorTheory,
    item_information,
)

__all__ = ["THEORIES", "theory_of", "moments", "p_correct", "p_correct_quadrature",
           "p_correct_frady", "max_items", "bit_error", "capacity", "information_per_number",
           "model_size", "storage", "item_information"]

#: the theory of every model of :data:`memory_dynamics.sim.associative.MODELS`
THEORIES: dict[str, ModelTheory] = {t.name: t for t in (
    HRRTheory("hrr"), UnitaryHRRTheory("hrr_unitary"), FHRRTheory("fhrr"),
    RedundantTheory("redundant"), HebbianTheory("cmm_sign", "sign"),
    HebbianTheory("cmm_gauss", "gauss"), SolvedTheory("cmm_pinv", pinv=True),
    SolvedTheory("tpr2_orthonormal", pinv=False), HebbianTheory("tpr3", "tpr3"),
    WillshawTheory("willshaw"), SDMTheory("sdm"), HopfieldTheory("hopfield"),
    FastWeightsTheory("fastweights"),
)}
assert list(THEORIES) == list(MODELS), "every registered model has its theory"


def theory_of(model: str, kind: type = ModelTheory, what: str = "theory") -> ModelTheory:
    """The theory of ``model``; ValueError unless it is a ``kind``."""
    t = THEORIES.get(model)
    if not isinstance(t, kind):
        raise ValueError(f"no {what} for model {model!r}")
    return t


def moments(model: str, n: int, Q, cue_noise=0.0, copies: int = 4):
    r"""Mean μ₁ and variance σ₁² of the right value's similarity and variance σ₀² of a
    distractor's, for Q stored pairs and the cue :math:`\sqrt{1-\nu}k + \sqrt\nu e`
    (each vector model's formulas: its theory class, e.g.
    :class:`~memory_dynamics.analysis.associative.vector.HRRTheory`; derivations in
    ``docs/associative.md`` §2.1).

    Returns
    -------
    (mu1, var1, var0) : arrays broadcast over Q and cue_noise
    """
    return theory_of(model, VectorTheory, "similarity moments").moments(n, Q, cue_noise,
                                                                        copies)


def p_correct_quadrature(model: str, n: int, Q, vocabulary: int = 1000, cue_noise=0.0,
                         copies: int = 4):
    """P(correct) of the scale-free score by quadrature
    (:meth:`~memory_dynamics.analysis.associative.vector.VectorTheory.quadrature`)."""
    return theory_of(model, VectorTheory, "P(correct)").quadrature(n, Q, vocabulary,
                                                                   cue_noise, copies)


def p_correct(model: str, size: int, Q, vocabulary: int = 1000, cue_noise=0.0,
              copies: int = 4):
    """Theoretical P(correct) of ``model`` with dimension ``size`` and Q stored pairs."""
    return theory_of(model, VectorTheory, "P(correct)").p_correct(size, Q, vocabulary,
                                                                  cue_noise, copies)


def p_correct_frady(model: str, size: int, Q, vocabulary: int = 1000, cue_noise=0.0,
                    copies: int = 4):
    """The common integral with the raw moments (μ₁, σ₁, σ₀), which neglects that all
    distractors share |ŷ| (accurate when the crosstalk dominates)."""
    return theory_of(model, VectorTheory, "P(correct)").p_correct_frady(
        size, Q, vocabulary, cue_noise, copies)


def max_items(model: str, n: int) -> int:
    """Largest storable Q: n for orthonormal roles, n − 2 for the pseudo-inverse (the
    noisy-cue moments need Q < n − 1), n for the Hopfield network, else unbounded (a large
    number)."""
    return MODELS[model].max_items(n)


def _params(vocabulary=1000, copies=4, data_bits=32, active=0, radius=None,
            address_bits=256) -> Params:
    return Params(int(vocabulary), int(copies), int(data_bits), int(active),
                  None if radius is None else int(radius), int(address_bits))


def bit_error(model: str, size: int, Q, cue_noise: float = 0.0, active: int = 0,
              radius: int | None = None, address_bits: int = 256):
    """Theoretical bit error of a binary memory: Willshaw (exact; errors are false
    positives), SDM (:func:`sdm_bit_error`), Hopfield (exact one-step)."""
    return theory_of(model, BinaryTheory, "bit error").bit_error(
        size, Q, cue_noise, _params(active=active, radius=radius, address_bits=address_bits))


def capacity(model: str, size: int, criterion: float | None = None, vocabulary: int = 1000,
             cue_noise: float = 0.0, copies: int = 4, active: int = 0,
             radius: int | None = None, address_bits: int = 256) -> int:
    """Largest Q at the criterion: P(correct) ≥ ``criterion`` (default 0.99) for vector
    models; bit error ≤ ``criterion`` (default 0.01) for Hopfield and SDM, and for Willshaw
    false positives ≤ ``criterion`` × the k active bits of a value (1 % of the bits that
    carry the value)."""
    return theory_of(model).capacity(size, criterion, cue_noise, _params(
        vocabulary, copies, active=active, radius=radius, address_bits=address_bits))


def information_per_number(model: str, size: int, Q, vocabulary: int = 1000,
                           cue_noise: float = 0.0, copies: int = 4, data_bits: int = 32,
                           p=None, error=None, active: int = 0, radius=None,
                           address_bits: int = 256):
    """Bits per stored number at Q items: Q × (bits per item) / storage. Vector models:
    the M-ary channel (:func:`item_information`); Hopfield and SDM: n(1 − H₂(ε)) per item
    of n bits with bit error ε; Willshaw: :func:`willshaw_information`. ``p`` or ``error``
    (measured) replace the theory's value."""
    return theory_of(model).information(size, Q, cue_noise, _params(
        vocabulary, copies, data_bits, active, radius, address_bits),
        p if p is not None else error)


def model_size(model: str, storage: int, copies: int = 4, data_bits: int = 32) -> int:
    """The dimension n of ``model`` that uses about ``storage`` numbers (inverse of
    :func:`storage`): HRR n = S (even); FHRR n = S/2 (a complex number is two reals);
    redundant n = S/(2·copies); matrices n = √S; order-3 tensors n = S^{1/3}; Willshaw
    n = √S (bits); SDM L = S/data_bits locations; Hopfield and fast weights N = √S."""
    return MODELS[model].size(storage, copies, data_bits)


def storage(model: str, n: int, copies: int = 4, data_bits: int = 32) -> int:
    """Numbers stored by ``model`` of dimension n (reals; bits for Willshaw, counters for
    SDM, couplings for Hopfield and fast weights)."""
    return MODELS[model].stored(n, copies, data_bits)


