"""What every associative memory of the study declares: its name and family, how its
dimension follows from a storage budget, and how many items it can hold at most."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Model", "chunk"]


class Model:
    r"""One associative memory on the study's storage footing.

    It stores :math:`S = f\,n^p` numbers at dimension n (reals, a complex number counting
    as two; bits for Willshaw; counters for SDM, whose n is the number of hard locations);
    :meth:`size` inverts that for a storage budget. Subclasses add the recall experiment
    (:meth:`recall`) or, for a stream memory, their own.

    Parameters
    ----------
    name, label : str
        Identifier (the ``model`` setting) and the name figures print.
    family : {"holographic", "matrix", "binary", "stream"}
        Vector models (holographic, matrix) are decoded against a vocabulary; binary ones
        are scored by their bit error; a stream memory by its error against item age.
    power : int
        p in S = f n^p.
    even : bool
        The dimension is rounded up to an even number (real FFTs of HRR).
    """

    #: models decoded against a vocabulary (P(correct), similarity moments)
    vector = False
    #: models whose recall is measured on the load grid (all but the stream memory)
    on_load_grid = True

    def __init__(self, name: str, label: str, family: str, power: int = 2,
                 even: bool = False):
        self.name, self.label, self.family = name, label, family
        self.power, self.even = int(power), bool(even)

    def __repr__(self) -> str:
        return f"<associative model {self.name!r}: {self.label}>"

    def factor(self, copies: int, data_bits: int) -> float:
        """f in S = f n^p."""
        return 1

    def stored(self, n: int, copies: int = 4, data_bits: int = 32) -> int:
        """Numbers stored at dimension n."""
        return int(self.factor(copies, data_bits) * int(n) ** self.power)

    def size(self, storage: float, copies: int = 4, data_bits: int = 32) -> int:
        """The dimension n that uses about ``storage`` numbers (at least 2; even for HRR)."""
        x = float(storage) / self.factor(copies, data_bits)
        n = math.sqrt(x) if self.power == 2 else x ** (1 / self.power)
        n = max(2, int(round(n)))
        return n + n % 2 if self.even else n

    def max_items(self, n: int) -> int:
        """Largest storable Q (a large number where the memory has no structural cap)."""
        return 10**7

    def recall(self, n, Qs, n_trials, rng, nus, vocabulary, n_probes, params) -> dict:
        """The measures of the recall experiment, each ``(Q, cue_noise, trial)``."""
        raise ValueError(f"model {self.name!r} has no recall experiment on a load grid")


def chunk(n_total: int, per_trial: float, budget: float = 2 ** 27) -> int:
    """Trials per batch so that a batch holds about ``budget`` numbers."""
    return int(max(1, min(n_total, budget // max(per_trial, 1))))


def tally(rows: list[np.ndarray]) -> np.ndarray:
    """Per-batch measures ``(noise, measure, trials)`` joined along the trials."""
    return np.concatenate(rows, axis=-1)


def about_mean(sq: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Mean square deviation of each trial's values from the mean over all trials, from
    the trial's mean ``x`` and mean square ``sq`` (the last axis is the trials): unbiased
    per trial whatever the correlation of the probes within a memory; the standard error
    comes from its spread over trials."""
    m = x.mean(axis=-1, keepdims=True)
    return sq - 2 * m * x + m ** 2
