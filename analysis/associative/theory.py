"""Theory on the merged grid: every model's theory (:data:`THEORIES`) beside its measures."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .models import THEORIES

__all__ = ["add_theory", "THEORY_VARIABLES"]

_GRID = ("load", "cue_noise")

#: every theory variable: its dims after (model, storage), and its long name and units
THEORY_VARIABLES = {
    **{f"{k}_theory": (_GRID, f"theory of {k} (NaN where the model has no {k})", "1")
       for k in ("p_correct", "signal_mean", "signal_var", "crosstalk_mean",
                 "crosstalk_var", "bit_error", "bit_error_fixed_point",
                 "false_positive_rate", "synapse_fraction", "active_locations",
                 "miss_rate")},
    "p_correct_frady_theory": (_GRID, "common integral with the raw moments (mu1, sigma1, "
                               "sigma0): neglects that the distractors share |y_hat| (NaN "
                               "for binary models)", "1"),
    "information_theory": (_GRID, "bits per stored number at this load, theory (NaN for "
                           "fast weights)", "bit"),
    "information_sim": (_GRID, "bits per stored number at this load from the measured "
                        "P(correct) or bit error (fast weights: at the first load and cue "
                        "noise only, from the measured capacity at the criterion; NaN "
                        "elsewhere)", "bit"),
    "information_sim_se": (_GRID, "standard error of information_sim (jackknife over "
                           "trials)", "bit"),
    "information_best_theory": ((), "largest bits per stored number over all loads, exact "
                                "cues, theory", "bit"),
    "capacity_theory": (("cue_noise",), "stored pairs at the criterion, theory (fast "
                        "weights: the most recent items retrieved at the best decay, cue "
                        "noise fastweights_cue_noise, first cue_noise only; NaN elsewhere)",
                        "1"),
    "capacity_sim": (("cue_noise",), "stored pairs at the criterion interpolated from the "
                     "measured curve (NaN where the loads do not bracket the crossing)", "1"),
    "capacity_sim_se": (("cue_noise",), "standard error of capacity_sim (jackknife over "
                        "trials; NaN where a trial left out moves the crossing off the "
                        "grid)", "1"),
    "rate_at_capacity_sim": (("cue_noise",), "the measured P(correct) or bit error at "
                             "capacity_grid_theory, interpolated on the load grid from the "
                             "curve made monotone (the criterion if the theory's capacity "
                             "is right)", "1"),
    "rate_at_capacity_sim_se": (("cue_noise",), "standard error of rate_at_capacity_sim "
                                "(jackknife over trials)", "1"),
    "capacity_grid_theory": (("cue_noise",), "the theory's curve at the simulated loads, "
                             "interpolated to the criterion as capacity_sim is (its "
                             "prediction; NaN where the loads do not bracket the crossing)",
                             "1"),
    **{f"redundant_{k}_theory": (("budget", "copies"), f"theory of redundant_{k} (NaN for "
                                 "other models)", "1")
       for k in ("signal_var", "crosstalk_var", "p_correct")},
    "sdm_bit_error_vs_radius_theory": (("radius_offset",),
                                       "theory of sdm_bit_error_vs_radius", "1"),
    "sdm_bit_error_vs_cue_theory": (("sdm_cue_noise",), "theory of sdm_bit_error_vs_cue",
                                    "1"),
    "fw_bit_error_one_shot_theory": (("decay", "age"), "theory of fw_bit_error_one_shot "
                                     "(Gaussian crosstalk)", "1"),
}


def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Theory beside every simulated measure (``<measure>_theory``), capacities at the
    criterion (theory and interpolated from the simulation) and information per number:
    each (model, storage) point from its model's
    :meth:`~memory_dynamics.analysis.associative.base.ModelTheory.point_theory`, with the
    settings the dataset records."""
    lead = ("model", "storage")
    grid = {name: np.full([ds.sizes[d] for d in lead + dims], np.nan)
            for name, (dims, _, _) in THEORY_VARIABLES.items()}
    for i, model in enumerate(ds.model.values):
        theory = THEORIES[str(model)]
        for j in range(ds.sizes["storage"]):
            pt = ds.isel(model=i, storage=j)
            for name, value in theory.point_theory(pt, ds, ds.attrs).items():
                grid[name][i, j] = value
    out = ds.copy()
    for name, (dims, long_name, units) in THEORY_VARIABLES.items():
        out[name] = (lead + dims, grid[name], {"long_name": long_name, "units": units})
    return out
