"""Associative memories on one storage footing (docs/associative.md).

:mod:`.memories` holds the memories (encode ⊗ / compose ⊕ / decode • triples), :mod:`.vectors`
their random vectors and cues; :data:`MODELS` registers the study's models, each an object
that knows its size for a storage budget, its draws and its recall experiment
(:mod:`.vector`: decoded against a vocabulary; :mod:`.binary`: scored by bit error or
against item age).
"""

from .base import Model
from .binary import (
    BinaryModel,
    FastWeightsModel,
    HopfieldModel,
    SDMModel,
    WillshawModel,
    simulate_palimpsest,
    willshaw_active,
)
from .memories import (
    FFT_WORKERS,
    FHRR,
    HRR,
    SDM,
    FastWeights,
    MatrixMemory,
    RedundantFHRR,
    TensorProduct3,
    Willshaw,
    bind,
    bundle,
    fhrr_bind,
    fhrr_unbind,
    involution,
    unbind,
)
from .models import (
    BINARY_MODELS,
    MODELS,
    VECTOR_MODELS,
    get_model,
    simulate_recall,
    storage_of,
)
from .vector import VectorModel
from .vectors import (
    as_real,
    flip_bits,
    gaussian_vectors,
    noisy_cue,
    orthonormal_vectors,
    phasor_vectors,
    pm1_vectors,
    sign_vectors,
    sparse_binary,
    unitary_vectors,
)

__all__ = ["Model", "VectorModel", "BinaryModel", "WillshawModel", "SDMModel",
           "HopfieldModel", "FastWeightsModel", "MODELS", "VECTOR_MODELS", "BINARY_MODELS",
           "get_model", "simulate_recall", "simulate_palimpsest", "storage_of",
           "willshaw_active", "FFT_WORKERS", "HRR", "FHRR", "RedundantFHRR", "MatrixMemory",
           "TensorProduct3", "Willshaw", "SDM", "FastWeights", "bind", "unbind",
           "involution", "bundle", "fhrr_bind", "fhrr_unbind", "gaussian_vectors",
           "sign_vectors", "unitary_vectors", "phasor_vectors", "orthonormal_vectors",
           "pm1_vectors", "sparse_binary", "noisy_cue", "flip_bits", "as_real"]
