"""The per-point experiment of the gated-networks study (docs/gated.md)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.sim.rng import SeedLike
from memory_dynamics.studies.trained.experiment import point_dataset, train_point


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep point (task, cell, init, lag): ``n_seeds`` networks at every gate timescale
    tau, trained together (:func:`memory_dynamics.sim.trained.train`)."""
    s = settings
    taus = np.asarray(s["tau"], float)
    name = values["cell"] + ("_chrono" if values["init"] == "chrono" else "")
    v = {**values, "sigma_u": s["sigma_u"]}
    # no Fisher memory (NaN): no figure of this study draws it, and each job would compile it
    out, ends, task = train_point(name, taus, v, s, seed, progress, fisher=False)
    N = s["n_units"]
    # the retention gate's bias sits at [N, 2N) in both cells (LSTM: i, f, u, o; GRU: r, z,
    # h): its timescale 1/(1 - sigma(b)) = 1 + e^b per unit, after training
    tau_unit = 1.0 + np.exp(out["b"][..., N:2 * N].astype(np.float64))
    return point_dataset(
        out, ends, task, ("tau", taus, {
            "long_name": "gate timescale tau at initialisation: 1/(1 - sigma(b)) of the "
                         "retention gate (init constant), its largest value T_max (init "
                         "chrono)", "units": "1", "comment": "time steps"}),
        v, s,
        {"tau_unit_trained": (("seed", "tau", "unit"), tau_unit, {
            "long_name": "retention timescale 1/(1 - sigma(b_i)) of each unit's gate bias "
                         "after training", "units": "1", "comment": "time steps"})},
        {"unit": ("unit", np.arange(N), {"long_name": "unit", "units": "1"}),
         "init": ((), values["init"], {"long_name": "initialisation of the gate bias"}),
         "sigma_u": ((), float(s["sigma_u"]), {
             "long_name": "input noise standard deviation", "units": "1"})})
