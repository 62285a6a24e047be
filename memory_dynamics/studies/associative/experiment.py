"""The per-point experiment of the associative-memory study (docs/associative.md).

One point = one model at one storage size: every load (a multiple of the model's theoretical
capacity, so every model is sampled where its curve falls) and every cue noise, plus the
model's own detail experiment (SDM radius and cue distance, redundant copies, fast-weight
decay and age). Theory is added on the merged grid (``analysis.associative.add_theory``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.analysis import associative as th
from memory_dynamics.sim import associative as sim
from memory_dynamics.sim.rng import SeedLike, as_generator

#: the per-trial measures of the load experiment (every model's dataset holds all of them;
#: those a model does not have are NaN)
MEASURES = {
    "p_correct": "fraction of probes whose right value has the largest similarity among M "
                 "candidates (vector models; NaN for binary ones)",
    "signal_mean": "mean similarity of the right value Re<y_hat, y> (SDM: locations shared "
                   "by cue and address; Hopfield: aligned field xi h); NaN for Willshaw",
    "signal_var": "mean square deviation of the right value's similarity from its mean "
                  "over all trials (NaN for Willshaw and SDM)",
    "crosstalk_mean": "mean similarity of a distractor (SDM: crosstalk of the read sum)",
    "crosstalk_var": "mean square deviation of a distractor's similarity (SDM: of the "
                     "crosstalk) from its mean over all trials",
    "bit_error": "fraction of wrong output bits (binary models; Hopfield: one update; an "
                 "SDM tie counts 1/2)",
    "bit_error_fixed_point": "Hopfield: fraction of wrong bits after synchronous updates "
                             "until nothing changes",
    "false_positive_rate": "Willshaw: fraction of silent output units that fire",
    "miss_rate": "Willshaw: fraction of active value units left silent (0 for a cue that "
                 "is a subset of the key)",
    "synapse_fraction": "Willshaw: fraction of set synapses p1",
    "active_locations": "SDM: locations activated by a cue",
}


def _nan(shape):
    return np.full(shape, np.nan)


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep-point entry (model, storage)."""
    model, S = str(values["model"]), int(values["storage"])
    rng = as_generator(seed)
    st = settings
    loads = np.asarray(st["load"], float)
    nus = np.asarray(st["cue_noise"], float)
    T, M, P = int(st["n_trials"]), int(st["vocabulary"]), int(st["n_probes"])
    copies, D, A = int(st["copies"]), int(st["sdm_data_bits"]), int(st["sdm_address_bits"])
    n = th.model_size(model, S, copies, D)
    kw = {"copies": copies, "active": int(st["willshaw_active"]), "address_bits": A,
          "data_bits": D, "steps": int(st["hopfield_steps"])}
    shape = (len(loads), len(nus), T)
    data = {k: _nan(shape) for k in MEASURES}
    items = np.full(len(loads), np.nan)
    radius, q_ref = np.nan, np.nan
    if model == "sdm":
        radius, q_ref = th.sdm_best_radius(n, A, float(st["criterion_bit_error"]))
        kw["radius"] = radius
    elif model != "fastweights":
        crit = st["criterion_correct"] if model in th.VECTOR_MODELS else st[
            "criterion_bit_error"]
        q_ref = th.capacity(model, n, crit, M, 0.0, copies, int(st["willshaw_active"]))
    if model != "fastweights":
        top = th.max_items(model, n) if model in th.VECTOR_MODELS else 10**7
        if model == "hopfield":
            top = n
        items = np.clip(np.rint(loads * max(q_ref, 2)), 2, top).astype(int)
        ds = sim.simulate_recall(model, n, items, T, rng, vocabulary=M, cue_noise=nus,
                                 n_probes=P, **kw)
        for k in ds.data_vars:
            data[k] = ds[k].values
    if progress:
        progress(1, 2)
    dims = ("load", "cue_noise", "trial")
    out = {k: (dims, v, {"long_name": MEASURES[k], "units": "1"}) for k, v in data.items()}
    out["n_items"] = (("load",), items, {
        "long_name": "stored pairs Q (round(load x capacity_reference), at least 2; NaN for "
                     "fast weights)", "units": "1"})
    # --- detail experiments -----------------------------------------------------------------
    offs = np.asarray(st["sdm_radius_offsets"], int)
    sdm_nus = np.asarray(st["sdm_cue_noise"], float)
    r_err, c_err = _nan((len(offs), T)), _nan((len(sdm_nus), T))
    if model == "sdm":
        for i, o in enumerate(offs):
            r_err[i] = sim.simulate_recall("sdm", n, q_ref, T, rng, n_probes=P,
                                           **{**kw, "radius": max(0, radius + o)}).bit_error[0, 0]
        c_err[:] = sim.simulate_recall("sdm", n, q_ref, T, rng, cue_noise=sdm_nus,
                                       n_probes=P, **kw).bit_error[0]
    out["sdm_bit_error_vs_radius"] = (("radius_offset", "trial"), r_err, {
        "long_name": "SDM bit error at radius best + offset, Q = capacity_reference writes, "
                     "exact cues (NaN for other models)", "units": "1"})
    out["sdm_bit_error_vs_cue"] = (("sdm_cue_noise", "trial"), c_err, {
        "long_name": "SDM bit error at the best radius, Q = capacity_reference writes, cue "
                     "with round(nu n) flipped address bits (NaN for other models)",
        "units": "1"})
    cs = np.asarray(st["copies_sweep"], int)
    budgets = ["per_copy", "total"]
    red = {k: _nan((2, len(cs), T)) for k in ("signal_var", "crosstalk_var", "p_correct")}
    red_n = np.full((2, len(cs)), np.nan)
    if model == "redundant":
        for b, budget in enumerate(budgets):
            for i, c in enumerate(cs):
                m = n if budget == "per_copy" else max(2, int(round(n * copies / c)))
                r = sim.simulate_recall("redundant", m, q_ref, T, rng, vocabulary=M,
                                        n_probes=P, copies=int(c))
                red_n[b, i] = m
                for k in red:
                    red[k][b, i] = r[k][0, 0]
    for k, v in red.items():
        out[f"redundant_{k}"] = (("budget", "copies", "trial"), v, {
            "long_name": f"redundant memory, {MEASURES[k]}, Q = capacity_reference, S copies "
                         "of n (per_copy) or of n x copies / S (total) complex numbers (NaN "
                         "for other models)", "units": "1"})
    out["redundant_n"] = (("budget", "copies"), red_n, {
        "long_name": "complex numbers per copy of the redundant memory (NaN for other "
                     "models)", "units": "1"})
    decays = np.asarray(st["decays"], float)
    L = int(st["stream_length"])
    fw1, fwk = _nan((len(decays), L, T)), _nan((len(decays), L, T))
    if model == "fastweights":
        nu_fw = float(st["fastweights_cue_noise"])
        f = sim.simulate_palimpsest(n, decays, L, T, rng, nu_fw, int(st["inner_steps"]))
        fw1, fwk = f.bit_error_one_shot.values, f.bit_error_inner.values
    fw_dims = ("decay", "age", "trial")
    out["fw_bit_error_one_shot"] = (fw_dims, fw1, {
        "long_name": "fast weights: bit error of sign(A c) for the item of this age, cue "
                     "with round(nu n) flipped bits (NaN for other models)", "units": "1"})
    out["fw_bit_error_inner"] = (fw_dims, fwk, {
        "long_name": "fast weights: bit error after the inner-loop updates (NaN for other "
                     "models)", "units": "1"})
    if progress:
        progress(2, 2)
    one = {"units": "1"}
    return xr.Dataset(out, coords={
        "load": ("load", loads, {"long_name": "load: stored pairs / capacity_reference",
                                 **one}),
        "cue_noise": ("cue_noise", nus, {
            "long_name": "cue noise nu (vector models: variance fraction; Hopfield, SDM: "
                         "flipped fraction; Willshaw: deleted fraction of active units)",
            **one}),
        "trial": ("trial", np.arange(T), {"long_name": "independent memory", **one}),
        "radius_offset": ("radius_offset", offs, {"long_name": "SDM radius - best radius",
                                                  **one}),
        "sdm_cue_noise": ("sdm_cue_noise", sdm_nus, {
            "long_name": "SDM cue: flipped fraction of address bits", **one}),
        "budget": ("budget", budgets, {"long_name": "redundant-memory storage held fixed"}),
        "copies": ("copies", cs, {"long_name": "copies S of the redundant memory", **one}),
        "decay": ("decay", decays, {"long_name": "fast-weight decay lambda", **one}),
        "age": ("age", np.arange(L), {"long_name": "item age (0 = newest)", **one}),
        "model": ((), model, {"long_name": "associative memory model"}),
        "storage": ((), S, {"long_name": "storage budget (numbers)", **one}),
        "size": ((), n, {"long_name": "model dimension n (SDM: hard locations L)", **one}),
        "stored_numbers": ((), th.storage(model, n, copies, D), {
            "long_name": "numbers the model stores (reals; Willshaw: bits; SDM: counters)",
            **one}),
        "capacity_reference": ((), float(q_ref), {
            "long_name": "theoretical capacity at the criterion, exact cues (the load unit; "
                         "NaN for fast weights)", **one}),
        "sdm_radius": ((), float(radius), {
            "long_name": "SDM radius with the largest theoretical capacity (NaN for other "
                         "models)", **one}),
    })
