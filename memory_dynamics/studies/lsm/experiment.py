"""The per-point experiment of the liquid state machine study.

Simulation plus the exact theory of each random draw (docs/lsm.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.observables import readout_performance, spike_statistics
from memory_dynamics.sim.lsm import (
    build_column,
    isolated_neurons,
    lif_rate,
    simulate,
    trains_at_distances,
)
from memory_dynamics.sim.rng import SeedLike, as_generator

#: d(u, v) has units s^-1/2, which UDUNITS cannot write (no fractional powers; "s-1/2"
#: parses as 0.5 s^-1): the number is stored with units "1" and the unit in a comment
S_HALF = {"units": "1", "comment": "in units of s^-1/2 (L2 distance of the filtered spike "
                                   "trains divided by T)"}


def _inputs(settings: dict, r_in: np.random.Generator):
    """The input trains of every trial: per pair u, then v_d for every distance, then the
    perturbation pairs (the same history and input, one extra input spike at t = 0); each
    trial's train after its own independent Poisson pre-period (``full``), so that every
    trial enters the window [0, T] from its own typical driven state."""
    T, rate = float(settings["T"]), float(settings["rate"])
    T_pre = float(settings["T_pre"])
    dists = np.asarray(settings["distances"], float)
    P = int(settings["n_pairs"])
    r_pre, r_pert = r_in.spawn(2)

    def equilibrated(train):
        n = r_pre.poisson(rate * T_pre)
        return np.r_[np.sort(r_pre.uniform(0, T_pre, n)), np.asarray(train) + T_pre]

    trains, achieved, redrawn = [], np.empty((len(dists), P)), 0
    for p in range(P):
        u, vs, got, nr = trains_at_distances(dists, T, rate, r_in)
        trains += [u, *vs]
        achieved[:, p], redrawn = got, redrawn + nr
    pert = []
    for _ in range(int(settings["n_perturb"])):
        pre = equilibrated(r_pert.uniform(0, T, r_pert.poisson(rate * T)))
        pert += [pre, np.sort(np.r_[pre, T_pre])]
    return trains, achieved, redrawn, [equilibrated(t) for t in trains] + pert


def _lif_check(settings: dict, r_fi: np.random.Generator) -> dict:
    """The analytic LIF check: isolated neurons under constant currents, from the reset
    potential, and their exact spike count on the time grid."""
    dt = float(settings["dt"])
    currents = np.asarray(settings["lif_currents"], float)
    fi_T = float(settings["lif_T"])
    fi = simulate(isolated_neurons(len(currents)), None, fi_T, dt, r_fi,
                  v_init=np.full((1, len(currents)), 13.5), input_current=currents[None, :],
                  record_every=int(fi_T / dt))
    grid_rate = [lif_rate(I + 13.5, dt=dt) for I in currents]
    # spikes at t_1 + m / r with t_1 = 1 / r - t_ref (the first needs no refractory period)
    fi_expected = np.array([np.floor((fi_T + 3e-3) * r + 1e-9) for r in grid_rate])
    one = {"units": "1"}
    return {
        "lif_count": (("current",), fi["spike_counts"][0], {
            "long_name": "spikes of an isolated neuron in lif_T from reset", **one}),
        "lif_count_theory": (("current",), fi_expected, {
            "long_name": "exact spike count of the discretised LIF neuron (threshold "
                         "passage rounded up to the grid)", **one}),
        "lif_rate_theory": (("current",), [lif_rate(I + 13.5) for I in currents], {
            "long_name": "continuous-time LIF rate 1/(t_ref + tau ln((V-Vr)/(V-theta)))",
            "units": "Hz"}),
    }


def _coords(values, settings, n_input, times, delays, n_raster) -> dict:
    """The coordinates of a point's dataset (``n_input``: input spikes of trial 0;
    ``n_raster``: 1 ms bins of the raster)."""
    N, lam, frac = int(values["N"]), float(values["lam"]), float(values["input_fraction"])
    dists = np.asarray(settings["distances"], float)
    dt = float(settings["dt"])
    k = max(1, round(1e-3 / dt))  # time steps per raster bin
    one = {"units": "1"}
    return {
        "distance": ("distance", dists, {"long_name": "target input distance d(u, v)",
                                         **S_HALF}),
        "pair": ("pair", np.arange(int(settings["n_pairs"])), {"long_name": "input pair", **one}),
        "input_spike": ("input_spike", np.arange(n_input), {
            "long_name": "input spike index", **one}),
        "t": ("t", times, {"long_name": "time after the pre-period", "units": "s"}),
        "perturbation": ("perturbation", np.arange(int(settings["n_perturb"])), {
            "long_name": "perturbed pair", **one}),
        "delay": ("delay", delays, {"long_name": "readout delay", "units": "s"}),
        "neuron": ("neuron", np.arange(N), {"long_name": "neuron", **one}),
        "raster_time": ("raster_time", (np.arange(n_raster) + 0.5) * k * dt, {
            "long_name": "time", "units": "s"}),
        "current": ("current", np.asarray(settings["lif_currents"], float), {
            "long_name": "constant current above background", "units": "nA"}),
        "N": ((), N, {"long_name": "column size", **one}),
        "lam": ((), lam, {"long_name": "connection length scale lambda (grid spacings)",
                          "units": "1"}),
        "input_fraction": ((), frac, {"long_name": "fraction of neurons receiving input",
                                      **one}),
    }


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep-point entry (N, lam, input_fraction): separation, readout, rates, raster, f-I.

    One column per point; all input pairs of all distances run as one batch of trials. Each
    trial first runs ``T_pre`` under its own independent Poisson input (an equilibrated,
    typical driven state), then the window [0, T] with its test input; ``n_perturb`` pairs
    with the same history and input but one extra input spike at t = 0 measure whether a
    small perturbation dies out (fading memory) or persists (chaos).
    """
    N, lam, frac = int(values["N"]), float(values["lam"]), float(values["input_fraction"])
    T, dt, rate = float(settings["T"]), float(settings["dt"]), float(settings["rate"])
    dists = np.asarray(settings["distances"], float)
    P, rec, nd = int(settings["n_pairs"]), int(settings["record_every"]), len(dists)
    rng = as_generator(seed)
    r_col, r_in, r_sim, r_fi = rng.spawn(4)
    col = build_column(N, lam, frac, r_col)
    T_pre = float(settings["T_pre"])
    trains, achieved, redrawn, full = _inputs(settings, r_in)
    n_pert = int(settings["n_perturb"])
    n_stats = min(10, len(trains))
    out = simulate(col, full, T_pre + T, dt, r_sim, record_every=rec, return_spikes=n_stats,
                   progress=progress)
    win = out["times"] > T_pre + 1e-12  # the window after the pre-period, times from 0
    times = out["times"][win] - T_pre
    S = out["states"][:, win]
    X = S[: len(trains)].reshape(P, nd + 1, -1, N)
    dist = np.linalg.norm(X[:, 1:].astype(float) - X[:, :1], axis=-1)  # (pair, d, time)
    dist = dist.transpose(1, 0, 2)
    Xp = S[len(trains):].reshape(n_pert, 2, -1, N)
    pert_dist = np.linalg.norm(Xp[:, 1].astype(float) - Xp[:, 0], axis=-1)  # (pert, time)
    S = S[: len(trains)]
    delays = np.asarray(settings["readout_delays_ms"], float) * 1e-3
    r2, r2_se, r2_filter = readout_performance(
        S, times, trains, delays, float(settings["readout_window"]),
        float(settings["ridge"]), n_folds=5, group=nd + 1)
    rates = out["spike_counts"][: len(trains)].mean(axis=0) / (T_pre + T)  # per neuron
    inh = col.inhibitory
    k = max(1, round(1e-3 / dt))  # 1 ms bins
    first = int(round(T_pre / dt))  # the raster of the window only
    spikes = out["raster"][:, first:]
    n_bins = spikes.shape[1] // k
    binned = spikes[:, : n_bins * k].reshape(spikes.shape[0], n_bins, k, N).any(axis=2)
    raster = binned[0]
    cv, chi = spike_statistics(spikes, dt)
    lif = _lif_check(settings, r_fi)
    one = {"units": "1"}
    ds = xr.Dataset(
        {
            "state_distance": (("distance", "pair", "t"), dist.astype(np.float32), {
                "long_name": "liquid state distance ||x_u(t) - x_v(t)|| (30 ms exp filter)",
                **one}),
            "input_distance": (("distance", "pair"), achieved, {
                "long_name": "achieved input distance d(u, v) (Gaussian 5 ms kernel, / T)",
                **S_HALF}),
            "readout_r2": (("delay",), r2, {
                "long_name": "held-out r^2 of the linear readout of the input spike count in "
                             "the window ending delay before t", **one}),
            "readout_r2_se": (("delay",), r2_se, {
                "long_name": "standard error of readout_r2 over test folds", **one}),
            "readout_r2_filter": (("delay",), r2_filter, {
                "long_name": "held-out r^2 of the same readout from the input train itself "
                             "filtered by the liquid's 30 ms kernel (a linear 1-D liquid)",
                **one}),
            "rate": (("neuron",), rates, {
                "long_name": "firing rate, mean over trials", "units": "Hz"}),
            "n_synapses": ((), col.n_synapses, {"long_name": "recurrent synapses", **one}),
            "redrawn_U": ((), col.redrawn["U"], {
                "long_name": "U draws outside (0, 1] redrawn", **one}),
            "redrawn_D": ((), col.redrawn["D"], {"long_name": "D draws <= 0 redrawn", **one}),
            "redrawn_F": ((), col.redrawn["F"], {"long_name": "F draws <= 0 redrawn", **one}),
            "redrawn_input_trains": ((), redrawn, {
                "long_name": "input trains redrawn (too few spikes to reach the largest "
                             "distance)", **one}),
            "perturbation_distance": (("perturbation", "t"), pert_dist.astype(np.float32), {
                "long_name": "state distance between two runs with the same history and "
                             "input, one of them with one extra input spike at t = 0", **one}),
            "isi_cv": ((), cv, {
                "long_name": "coefficient of variation of the inter-spike intervals (mean "
                             f"over neurons with >= 3 spikes, {n_stats} trials)", **one}),
            "synchrony": ((), chi, {
                "long_name": "synchrony chi (Golomb 2007): std of the population rate over "
                             "the rms std of single neurons' rates, 5 ms bins (0 asynchronous, "
                             "1 synchronous)", **one}),
            "raster": (("raster_time", "neuron"), raster.astype(np.int8), {
                "long_name": "spikes of trial 0 in 1 ms bins (input u of the first pair)",
                **one}),
            **lif,
            "input_spikes": (("input_spike",), trains[0], {
                "long_name": "input spike times of trial 0 in the window (the raster's input)",
                "units": "s"}),
            "inhibitory": (("neuron",), inh.astype(np.int8), {
                "long_name": "inhibitory neuron (1) or excitatory (0)", **one}),
            "receives_input": (("neuron",), out["input_targets_mask"].astype(np.int8), {
                "long_name": "neuron receives the input train", **one}),
        },
        coords=_coords(values, settings, len(trains[0]), times, delays, raster.shape[0]),
        attrs={"T": T, "T_pre": T_pre, "dt": dt, "input_rate": rate,
               "lif_T": float(settings["lif_T"]), "readout_window": settings["readout_window"]},
    )
    return ds
