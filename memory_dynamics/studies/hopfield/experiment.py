"""The per-point experiment of the Hopfield capacity study.

Simulation plus the exact theory of each random draw (docs/hopfield.md).
"""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

from memory_dynamics.sim.hopfield import simulate_capacity
from memory_dynamics.sim.rng import SeedLike


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep-point entry used by the workflow: ``values`` holds ``N`` and ``alpha``,
    ``settings`` the other keys of the ``hopfield`` config section."""
    return simulate_capacity(values["N"], values["alpha"], settings["n_networks"], seed,
                             zero_diagonal=settings["zero_diagonal"],
                             cue_flip=settings["cue_flip"],
                             max_starts=settings["max_starts"],
                             max_sweeps=settings["max_sweeps"], progress=progress)
