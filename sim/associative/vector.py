"""Vector memories: a value decoded from the memory is scored against a vocabulary.

Holographic (HRR, FHRR, redundant FHRR) and matrix memories (correlation matrix memories,
tensor product representations) differ in their keys, their values and their memory;
their recall experiment is the same (:meth:`VectorModel.recall`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import Model, about_mean, chunk
from .vectors import as_real, gaussian_vectors, noisy_cue, phasor_vectors

__all__ = ["VectorModel"]

#: the per-trial sums of the recall experiment: P(correct), the right value's similarity
#: and its square, a distractor's similarity and its square
SUMS = ("pc", "s1", "s2", "d1", "d2")


class VectorModel(Model):
    """A memory decoded against M candidate values (the right one and M − 1 distractors).

    Parameters
    ----------
    name, label, family, power, even
        See :class:`~memory_dynamics.sim.associative.base.Model`.
    keys : callable (shape, rng) -> array
        The key distribution; ``shape`` is ``(B, Q, n)`` (``(B, Q, 2, n)`` for two roles).
    memory : callable (n, copies, rng) -> memory
        A fresh memory (:mod:`~memory_dynamics.sim.associative.memories`).
    phasor : bool
        Phasor keys and values (complex; similarity Re⟨ŷ, y⟩/n); else Gaussian values.
    fresh : callable, optional
        The law of the independent key mixed into a noisy cue, if not ``keys`` (the
        orthonormal roles' distribution has no independent copy: isotropic Gaussian).
    roles : int
        Key vectors per item (2 for an order-3 tensor product).
    whole : bool
        Every pair is drawn at once and the memory stored per load (the pseudo-inverse and
        jointly orthonormal roles); else pairs are drawn and stored in blocks.
    copies : bool
        The memory holds ``copies`` permuted copies (its own permutations per memory).
    cap : callable n -> int, optional
        The largest storable Q (structural cap of exact recall).
    state : callable (n, Qmax) -> float, optional
        Numbers one trial's memory and its solve hold (the batch size follows from it).
    """

    vector = True

    def __init__(self, name: str, label: str, family: str, keys: Callable,
                 memory: Callable, power: int = 2, even: bool = False, phasor: bool = False,
                 fresh: Callable | None = None, roles: int = 1, whole: bool = False,
                 copies: bool = False, cap: Callable | None = None,
                 state: Callable | None = None):
        super().__init__(name, label, family, power, even)
        self._keys, self._memory, self.phasor = keys, memory, phasor
        self._fresh = fresh or keys
        self.roles, self.whole, self.copied = roles, whole, copies
        self._cap, self._state = cap, state

    def factor(self, copies, data_bits):
        return (2 if self.phasor else 1) * (copies if self.copied else 1)

    def max_items(self, n):
        return self._cap(int(n)) if self._cap else super().max_items(n)

    # --- draws ----------------------------------------------------------------------------

    def keys(self, rng, B: int, Q: int, n: int) -> np.ndarray:
        return self._keys((B, Q, *(2,) * (self.roles - 1), n), rng)

    def values(self, rng, shape) -> np.ndarray:
        return phasor_vectors(shape, rng) if self.phasor else gaussian_vectors(shape, rng)

    def fresh(self, rng, B: int, P: int, n: int) -> np.ndarray:
        """Independent keys for the cue noise."""
        return self._fresh((B, P, *(2,) * (self.roles - 1), n), rng)

    def memory(self, n: int, copies: int, rng):
        return self._memory(n, copies, rng)

    # --- the recall experiment ------------------------------------------------------------

    def _batches(self, n, Qmax, n_trials, M, P, copies):
        """Trials per batch and pairs per block of draws: a batch's draws and scores within
        2^27 numbers, a block's keys, values and traces within 2^24."""
        width = 2 if self.phasor else 1
        c = copies if self.copied else 1
        per_trial = width * n * (M + 8 * P * c * self.roles)
        per_trial += self._state(n, Qmax) if self._state else width * n * c * 2
        B = 1 if self.copied else chunk(n_trials, per_trial)  # own permutations
        trace = n if self.roles == 2 else 1
        block = max(1, int(2 ** 24 // (B * width * n * (self.roles + 3) * c * trace)))
        return B, block

    def recall(self, n, Qs, n_trials, rng, nus, vocabulary, n_probes, params):
        """All loads of one vector model. Per batch of trials: one vocabulary, and the pairs
        drawn in order in blocks; the memory of load Q holds the first Q pairs
        (superposition is a sum, so the loads' memories are prefix sums and a block is
        discarded once stored). The pseudo-inverse (solved per load) and orthonormal roles
        (orthonormal jointly) draw all pairs at once; their n is small."""
        Qs = np.asarray(Qs, int)
        if np.any(np.diff(Qs) < 0):
            raise ValueError(f"Q must be non-decreasing, got {Qs.tolist()}")
        M, copies = int(vocabulary), int(params.get("copies", 4))
        Qmax, P = int(Qs.max()), int(min(Qs.max(), n_probes))
        B, block = self._batches(n, Qmax, n_trials, M, P, copies)
        acc = {k: np.empty((len(Qs), len(nus), n_trials)) for k in SUMS}
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            sl = slice(start, start + b)
            for li, scored in enumerate(self._loads(n, Qs, b, P, block, copies, M, nus,
                                                    rng)):
                for k in SUMS:
                    acc[k][li, :, sl] = scored[k]
        return {"p_correct": acc["pc"], "signal_mean": acc["s1"],
                "signal_var": about_mean(acc["s2"], acc["s1"]),
                "crosstalk_mean": acc["d1"],
                "crosstalk_var": about_mean(acc["d2"], acc["d1"])}

    def _loads(self, n, Qs, b, P, block, copies, M, nus, rng):
        """One batch of b trials: the scores of every load in turn (a generator, so the
        draws follow the loads' order)."""
        mem = self.memory(n, copies, rng)
        distract = as_real(self.values(rng, (b, M - 1, n)))
        fresh = self.fresh(rng, b, P, n) if np.any(nus > 0) else None
        if self.whole:
            all_k = self.keys(rng, b, int(Qs.max()), n)
            all_v = self.values(rng, (b, int(Qs.max()), n))
            keys, values = all_k[:, :P], all_v[:, :P]
        else:
            keys = values = None  # the first P pairs, kept as probes
        state, done = None, 0
        for Q in Qs:
            if self.whole:
                mem.store(all_k[:, :Q], all_v[:, :Q])
            while not self.whole and done < Q:
                m = int(min(Q - done, block))
                k = self.keys(rng, b, m, n)
                v = self.values(rng, (b, m, n))
                if done < P:
                    keep = min(P - done, m)
                    keys = k[:, :keep] if keys is None else np.concatenate(
                        [keys, k[:, :keep]], axis=1)
                    values = v[:, :keep] if values is None else np.concatenate(
                        [values, v[:, :keep]], axis=1)
                mem.store(k, v)
                state = mem.state if state is None else state + mem.state
                done += m
            if not self.whole:
                mem.state = state
            yield self._score_load(n, int(Q), P, keys, values, fresh, mem, distract, copies,
                                   nus, rng)

    def _score_load(self, n, Q, P, keys, values, fresh, mem, distract, copies, nus, rng):
        """Mean scores over n_probes probes per trial at one load: a load with fewer than
        n_probes pairs gets extra independent memories within the trial."""
        p = min(Q, P)
        extra = -(-P // p) - 1
        sums = {k: np.zeros((len(nus), len(distract))) for k in SUMS}
        for rep in range(extra + 1):
            if rep == 0:
                kk, tt, ff, mm = keys, as_real(values), fresh, mem
            else:
                kk = self.keys(rng, len(distract), Q, n)
                vv = self.values(rng, (len(distract), Q, n))
                mm = self.memory(n, copies, rng).store(kk, vv)
                tt = as_real(vv)
                ff = self.fresh(rng, len(distract), p, n) if fresh is not None else None
            for ki, nu in enumerate(nus):
                cue = noisy_cue(kk[:, :p], None if ff is None else ff[:, :p], float(nu))
                self._score(as_real(mm.recall(cue)), tt[:, :p], distract, n, sums, ki)
        return {k: v / (extra + 1) for k, v in sums.items()}

    def _score(self, yhat, target, distract, n, sums, ki):
        """Add one recall's per-trial means to ``sums[·][ki]``: the right value scores
        above every distractor (a tie counts as a failure), the similarities and squares."""
        scale = 1.0 / n if self.phasor else 1.0  # phasors have |y|^2 = n
        s = np.einsum("bpn,bpn->bp", yhat, target) * scale
        d = (yhat @ np.swapaxes(distract, -1, -2)) * scale  # (b, p, M-1)
        sums["pc"][ki] += (s > d.max(axis=-1)).mean(axis=-1)
        sums["s1"][ki] += s.mean(axis=-1)
        sums["s2"][ki] += (s.astype(np.float64) ** 2).mean(axis=-1)
        sums["d1"][ki] += d.mean(axis=(-1, -2))
        sums["d2"][ki] += (d.astype(np.float64) ** 2).mean(axis=(-1, -2))
