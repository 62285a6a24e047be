"""The associative memories of the study, registered once (:data:`MODELS`), and the recall
experiment every one of them runs (:func:`simulate_recall`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..rng import SeedLike, as_generator
from .base import Model
from .binary import FastWeightsModel, HopfieldModel, SDMModel, WillshawModel
from .memories import FHRR, HRR, MatrixMemory, RedundantFHRR, TensorProduct3
from .vector import VectorModel
from .vectors import (
    gaussian_vectors,
    orthonormal_vectors,
    phasor_vectors,
    sign_vectors,
    unitary_vectors,
)

if TYPE_CHECKING:  # xarray is imported where a dataset is built
    import xarray as xr

__all__ = ["MODELS", "VECTOR_MODELS", "BINARY_MODELS", "get_model", "storage_of",
           "simulate_recall"]


def _matrix(n, copies, rng):
    return MatrixMemory(n)


#: every model of the study, by its ``model`` setting
MODELS: dict[str, Model] = {m.name: m for m in (
    VectorModel("hrr", "HRR", "holographic", gaussian_vectors, lambda n, c, rng: HRR(n),
                power=1, even=True),
    # the exact inverse of a unitary key is its involution; the involution stays stable
    # when the cue is noisy
    VectorModel("hrr_unitary", "HRR, unitary keys", "holographic", unitary_vectors,
                lambda n, c, rng: HRR(n), power=1, even=True),
    VectorModel("fhrr", "FHRR (phasors)", "holographic", phasor_vectors,
                lambda n, c, rng: FHRR(n), power=1, phasor=True),
    VectorModel("redundant", "redundant FHRR", "holographic", phasor_vectors,
                lambda n, c, rng: RedundantFHRR(n, c, rng), power=1, phasor=True,
                copies=True),
    VectorModel("cmm_sign", "CMM, ±1 keys", "matrix", sign_vectors, _matrix,
                state=lambda n, Q: 3 * n * n),
    VectorModel("cmm_gauss", "CMM, Gaussian keys (= TPR-2)", "matrix", gaussian_vectors,
                _matrix, state=lambda n, Q: 3 * n * n),
    VectorModel("cmm_pinv", "CMM, pseudo-inverse", "matrix", gaussian_vectors,
                lambda n, c, rng: MatrixMemory(n, rule="pinv"), whole=True,
                cap=lambda n: n - 2, state=lambda n, Q: 3 * n * n + 4 * Q * n),
    VectorModel("tpr2_orthonormal", "TPR-2, orthonormal roles", "matrix",
                orthonormal_vectors, _matrix, fresh=gaussian_vectors, whole=True,
                cap=lambda n: n, state=lambda n, Q: 4 * n * n + 4 * Q * n),
    VectorModel("tpr3", "TPR-3", "matrix", gaussian_vectors,
                lambda n, c, rng: TensorProduct3(n), power=3, roles=2,
                state=lambda n, Q: 3 * n ** 3),
    WillshawModel("willshaw", "Willshaw (bits)"),
    SDMModel("sdm", "SDM (counters)", power=1),
    HopfieldModel("hopfield", "Hopfield"),
    FastWeightsModel("fastweights", "fast weights"),
)}
#: models whose value is decoded against a vocabulary (P(correct), similarity moments)
VECTOR_MODELS = tuple(k for k, m in MODELS.items() if m.vector)
#: models with binary values, scored by their bit error
BINARY_MODELS = tuple(k for k, m in MODELS.items() if m.family == "binary")


def get_model(name: str | Model) -> Model:
    """The model registered as ``name`` (a model is passed through)."""
    if isinstance(name, Model):
        return name
    if name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {name!r}")
    return MODELS[name]


def storage_of(name: str, size: int, copies: int = 4, data_bits: int = 32) -> int:
    """Stored numbers of model ``name`` with dimension ``size`` (reals, a complex number
    counting as two; bits for Willshaw; counters for SDM, whose ``size`` is the number of
    hard locations; N² couplings for Hopfield and fast weights)."""
    return get_model(name).stored(size, copies, data_bits)


def simulate_recall(model: str | Model, size: int, Q: int | ArrayLike, n_trials: int,
                    seed: SeedLike, vocabulary: int = 1000, cue_noise: float | ArrayLike = 0.0,
                    n_probes: int = 32, **params) -> xr.Dataset:
    r"""Store Q pairs, cue, decode and score; every measure per independent trial.

    Parameters
    ----------
    model : str or Model
        One of :data:`MODELS` (a model with a load grid).
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

    m = get_model(model)
    if not m.on_load_grid:
        raise ValueError(f"model must be one of {', '.join(VECTOR_MODELS + BINARY_MODELS)} "
                         f"(models with a load grid); got {m.name!r}")
    rng = as_generator(seed)
    Qs = np.atleast_1d(np.asarray(Q, int))
    nus = np.atleast_1d(np.asarray(cue_noise, float))
    n = int(size)
    out = m.recall(n, Qs, n_trials, rng, nus, vocabulary, n_probes, params)
    ds = xr.Dataset({k: (("Q", "cue_noise", "trial"), v) for k, v in out.items()},
                    coords={"Q": Qs, "cue_noise": nus, "trial": np.arange(n_trials)})
    ds.attrs.update(model=m.name, size=n, vocabulary=int(vocabulary),
                    storage=m.stored(n, int(params.get("copies", 4)),
                                     int(params.get("data_bits", 32))))
    return ds
