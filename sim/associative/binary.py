"""Binary memories scored by their bit error (Willshaw net, SDM, Hopfield network) and the
fast-weight stream memory scored against item age."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..rng import SeedLike, as_generator
from .base import Model, about_mean, chunk, tally
from .memories import SDM, FastWeights, Willshaw
from .vectors import flip_bits, pm1_vectors, sparse_binary

if TYPE_CHECKING:  # xarray is imported where a dataset is built
    import xarray as xr

__all__ = ["BinaryModel", "WillshawModel", "SDMModel", "HopfieldModel", "FastWeightsModel",
           "willshaw_active", "simulate_palimpsest"]


def willshaw_active(n: int, active: int = 0) -> int:
    """Active units per pattern: ``active``, or round(log2 n) when 0 (the sparse optimum's
    order, Willshaw et al. 1969)."""
    return int(active) if active else max(1, int(round(np.log2(n))))


class BinaryModel(Model):
    """A memory of binary words; every load is drawn afresh (:meth:`recall_load`)."""

    def __init__(self, name: str, label: str, power: int = 2):
        super().__init__(name, label, "binary", power)

    def recall(self, n, Qs, n_trials, rng, nus, vocabulary, n_probes, params):
        out = [self.recall_load(n, int(q), n_trials, rng, nus, n_probes, params) for q in Qs]
        return {k: np.stack([o[k] for o in out]) for k in out[0]}

    def recall_load(self, n, Q, n_trials, rng, nus, n_probes, params) -> dict:
        """The measures at Q stored words, each ``(cue_noise, trial)``."""
        raise NotImplementedError


class WillshawModel(BinaryModel):
    """Willshaw net with k = ``active`` of n units active in keys and values; a noisy cue
    deletes round(ν k) of its active units (:class:`~.memories.Willshaw`)."""

    def recall_load(self, n, Q, n_trials, rng, nus, n_probes, params):
        P = min(Q, n_probes)
        k = willshaw_active(n, params.get("active", 0))
        B = chunk(n_trials, 2 * n * n + 3 * Q * n)
        rows, p1 = [], []
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            x = sparse_binary((b, Q, n), k, rng)
            y = sparse_binary((b, Q, n), k, rng)
            mem = Willshaw(n).store(x, y)
            p1.append(mem.matrix.mean(axis=(-1, -2), dtype=np.float64))
            keep = rng.random((b, P, n)).argsort(axis=-1)  # which active units a cue keeps
            rows.append(np.array([self._errors(mem, x[:, :P], y[:, :P], k, k - int(round(
                nu * k)), keep) for nu in nus]))
        per = tally(rows)  # (noise, 3, trials)
        return {"bit_error": per[:, 0], "false_positive_rate": per[:, 1],
                "miss_rate": per[:, 2], "synapse_fraction": np.broadcast_to(
                    np.concatenate(p1), per[:, 0].shape).copy()}

    @staticmethod
    def _errors(mem, x, y, k, kk, keep):
        """Bit error, false-positive and miss rates of cues that keep kk of the k active
        units of the keys ``x`` (ranked at random by ``keep``)."""
        n = x.shape[-1]
        score = np.where(x == 1, keep, n + keep)
        order = score.argsort(axis=-1).argsort(axis=-1)
        cue = ((x == 1) & (order < kk)).astype(np.int8)
        out = mem.recall(cue)
        wrong = (out != y).sum(axis=-1)
        miss = ((out == 0) & (y == 1)).sum(axis=-1)
        return (wrong.mean(axis=-1) / n, (wrong - miss).mean(axis=-1) / (n - k),
                miss.mean(axis=-1) / k)


class SDMModel(BinaryModel):
    """Kanerva's SDM with n = L hard locations of ``address_bits``-bit addresses holding
    ``data_bits`` counters, read and written within ``radius``; a noisy cue flips
    round(ν address_bits) address bits (:class:`~.memories.SDM`)."""

    def factor(self, copies, data_bits):
        return data_bits

    def recall_load(self, n, Q, n_trials, rng, nus, n_probes, params):
        P = min(Q, n_probes)
        A, D, r = (int(params.get("address_bits", 256)), int(params.get("data_bits", 32)),
                   int(params["radius"]))
        L = n
        B = chunk(n_trials, L * (A + D) + Q * (A + D + L) + 3 * P * L)
        rows = []
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            mem = SDM(pm1_vectors((b, L, A), rng), r, D)
            addr = pm1_vectors((b, Q, A), rng)
            words = pm1_vectors((b, Q, D), rng)
            mem.store(addr, words)
            act_t = mem.active(addr[:, :P])
            rows.append(np.array([self._read(mem, flip_bits(addr[:, :P], float(nu), rng),
                                             act_t, words[:, :P]) for nu in nus]))
        per = tally(rows)  # (noise, 5, trials)
        return {"bit_error": per[:, 0],
                "signal_mean": per[:, 1],  # locations shared by the cue and the address
                "active_locations": per[:, 2], "crosstalk_mean": per[:, 3],
                "crosstalk_var": about_mean(per[:, 4], per[:, 3])}

    @staticmethod
    def _read(mem, cue, act_t, y):
        """Bit error (a tie counts 1/2), shared and active locations, the crosstalk's mean
        and mean square of reads at ``cue`` of the words ``y`` written at ``act_t``."""
        act_c = mem.active(cue)
        sums = act_c @ mem.counters  # (b, P, D)
        err = ((np.sign(sums) != y) & (sums != 0)) + 0.5 * (sums == 0)
        shared = (act_c * act_t).sum(axis=-1)  # (b, P)
        noise = sums * y - shared[..., None]
        return (err.mean(axis=(-1, -2)), shared.mean(axis=-1),
                act_c.sum(axis=-1).mean(axis=-1), noise.mean(axis=(-1, -2)),
                (noise.astype(np.float64) ** 2).mean(axis=(-1, -2)))


class HopfieldModel(BinaryModel):
    """Hopfield network (Hebbian couplings, zero diagonal) storing ±1 patterns; a noisy cue
    flips round(ν n) bits; one synchronous update and up to ``steps`` of them towards the
    fixed point (:class:`~.memories.FastWeights` with decay 1)."""

    def max_items(self, n):
        return int(n)

    def recall_load(self, n, Q, n_trials, rng, nus, n_probes, params):
        P = min(Q, n_probes)
        steps = int(params.get("steps", 30))
        B = chunk(n_trials, 2 * n * n + Q * n)
        rows = []
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            pats = pm1_vectors((b, Q, n), rng)
            net = FastWeights(n, 1.0).store(pats)
            target = pats[:, :P]
            rows.append(np.array([self._update(net, flip_bits(target, float(nu), rng),
                                               target, steps) for nu in nus]))
        per = tally(rows)
        return {"bit_error": per[:, 0], "bit_error_fixed_point": per[:, 1],
                "signal_mean": per[:, 2], "signal_var": about_mean(per[:, 3], per[:, 2])}

    @staticmethod
    def _update(net, cue, target, steps):
        """Bit errors after one update and at the fixed point (synchronous updates until
        nothing changes, at most ``steps``), the aligned field ξ h's mean and mean square."""
        aligned = net.fields(cue) * target  # xi_i h_i
        one = net.recall(cue, 1)
        h = one
        for _ in range(steps - 1):
            nxt = net.recall(h, 1)
            if np.array_equal(nxt, h):
                break
            h = nxt
        return ((one != target).mean(axis=(-1, -2)), (h != target).mean(axis=(-1, -2)),
                aligned.mean(axis=(-1, -2)), (aligned.astype(np.float64) ** 2).mean(
                    axis=(-1, -2)))


class FastWeightsModel(Model):
    """Fast weights: a stream of patterns in a decaying Hebbian memory, read against item
    age (:func:`simulate_palimpsest`), not on the load grid."""

    on_load_grid = False

    def __init__(self, name: str, label: str):
        super().__init__(name, label, "stream")

    def stream(self, *args, **kwargs) -> xr.Dataset:
        return simulate_palimpsest(*args, **kwargs)


def simulate_palimpsest(size: int, decays: ArrayLike, length: int, n_trials: int,
                        seed: SeedLike, cue_noise: float = 0.0, inner_steps: int = 5
                        ) -> xr.Dataset:
    r"""Fast-weight palimpsest: store a stream of ``length`` random ±1 patterns in
    :class:`~.memories.FastWeights` (one memory per decay and trial), cue every item with
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
    B = chunk(n_trials, 3 * n * n + 3 * T * n)
    for i, lam in enumerate(decays):
        for start in range(0, n_trials, B):
            b = min(B, n_trials - start)
            pats = pm1_vectors((b, T, n), rng)
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
