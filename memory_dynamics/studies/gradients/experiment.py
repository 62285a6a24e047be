"""The per-point experiment of the gradient-norm decay study.

Simulation plus the exact theory of each random draw (docs/gradients.md).
"""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

from memory_dynamics.sim.gradients import simulate_gradient_norms
from memory_dynamics.sim.rng import SeedLike


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep point (phi, N, sigma_u): every gain and seed (:func:`simulate_gradient_norms`)."""
    return simulate_gradient_norms(
        values["phi"], values["N"], values["sigma_u"], settings["g"], settings["n_seeds"],
        settings["q_max"], settings["burn_in"], settings["n_probes"], settings["fit_window"],
        settings["lstm_forget_bias"], seed, progress=progress)
