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


def _sdm_detail(n, q_ref, radius, st, kw, T, rng):
    """SDM bit error against the radius and against the cue distance at the capacity."""
    P = int(st["n_probes"])
    r_err = _nan((len(st["sdm_radius_offsets"]), T))
    for i, o in enumerate(st["sdm_radius_offsets"]):
        r_err[i] = sim.simulate_recall("sdm", n, q_ref, T, rng, n_probes=P, **{
            **kw, "radius": max(0, radius + o)}).bit_error.values[0, 0]
    c_err = sim.simulate_recall("sdm", n, q_ref, T, rng, cue_noise=st["sdm_cue_noise"],
                                n_probes=P, **kw).bit_error.values[0]
    return {"sdm_bit_error_vs_radius": r_err, "sdm_bit_error_vs_cue": c_err}


def _redundant_detail(n, q_ref, radius, st, kw, T, rng):
    """Redundant memory against its copies, at fixed storage per copy and in total."""
    cs = np.asarray(st["copies_sweep"], int)
    red = {k: _nan((len(BUDGETS), len(cs), T)) for k in REDUNDANT}
    red_n = _nan((len(BUDGETS), len(cs)))
    for b, budget in enumerate(BUDGETS):
        for i, c in enumerate(cs):
            m = n if budget == "per_copy" else max(2, int(round(n * int(st["copies"]) / c)))
            r = sim.simulate_recall("redundant", m, q_ref, T, rng,
                                    vocabulary=int(st["vocabulary"]),
                                    n_probes=int(st["n_probes"]), copies=int(c))
            red_n[b, i] = m
            for k in red:
                red[k][b, i] = r[k][0, 0]
    return {**{f"redundant_{k}": v for k, v in red.items()}, "redundant_n": red_n}


def _fastweights_detail(n, q_ref, radius, st, kw, T, rng):
    """The fast-weight stream: error against item age for every decay."""
    f = sim.MODELS["fastweights"].stream(
        n, np.asarray(st["decays"], float), int(st["stream_length"]), T, rng,
        float(st["fastweights_cue_noise"]), int(st["inner_steps"]))
    return {"fw_bit_error_one_shot": f.bit_error_one_shot.values,
            "fw_bit_error_inner": f.bit_error_inner.values}


#: the detail experiment of the models that have one (every other model's detail
#: variables are NaN)
DETAILS = {"sdm": _sdm_detail, "redundant": _redundant_detail,
           "fastweights": _fastweights_detail}
BUDGETS = ("per_copy", "total")
REDUNDANT = ("signal_var", "crosstalk_var", "p_correct")


def _detail_variables(st, T):
    """Every detail variable: dims, shape and attributes (NaN-filled unless measured)."""
    n_off, n_nu = len(st["sdm_radius_offsets"]), len(st["sdm_cue_noise"])
    n_cs, fw = len(st["copies_sweep"]), (len(st["decays"]), int(st["stream_length"]), T)
    one = {"units": "1"}
    out = {
        "sdm_bit_error_vs_radius": (("radius_offset", "trial"), (n_off, T), {
            "long_name": "SDM bit error at radius best + offset, Q = capacity_reference "
                         "writes, exact cues (NaN for other models)", **one}),
        "sdm_bit_error_vs_cue": (("sdm_cue_noise", "trial"), (n_nu, T), {
            "long_name": "SDM bit error at the best radius, Q = capacity_reference writes, "
                         "cue with round(nu n) flipped address bits (NaN for other models)",
            **one})}
    for k in REDUNDANT:
        out[f"redundant_{k}"] = (("budget", "copies", "trial"), (len(BUDGETS), n_cs, T), {
            "long_name": f"redundant memory, {MEASURES[k]}, Q = capacity_reference, S copies "
                         "of n (per_copy) or of n x copies / S (total) complex numbers (NaN "
                         "for other models)", **one})
    out["redundant_n"] = (("budget", "copies"), (len(BUDGETS), n_cs), {
        "long_name": "complex numbers per copy of the redundant memory (NaN for other "
                     "models)", **one})
    out["fw_bit_error_one_shot"] = (("decay", "age", "trial"), fw, {
        "long_name": "fast weights: bit error of sign(A c) for the item of this age, cue "
                     "with round(nu n) flipped bits (NaN for other models)", **one})
    out["fw_bit_error_inner"] = (("decay", "age", "trial"), fw, {
        "long_name": "fast weights: bit error after the inner-loop updates (NaN for other "
                     "models)", **one})
    return out


def _load_experiment(model, n, q_ref, kw, st, rng):
    """Every measure at every load (a multiple of the capacity reference) and cue noise;
    NaN where the model lacks the measure or has no load grid."""
    loads = np.asarray(st["load"], float)
    T = int(st["n_trials"])
    data = {k: _nan((len(loads), len(st["cue_noise"]), T)) for k in MEASURES}
    items = np.full(len(loads), np.nan)
    if model.on_load_grid:
        items = np.clip(np.rint(loads * max(q_ref, 2)), 2, model.max_items(n)).astype(int)
        ds = sim.simulate_recall(model, n, items, T, rng, vocabulary=int(st["vocabulary"]),
                                 cue_noise=np.asarray(st["cue_noise"], float),
                                 n_probes=int(st["n_probes"]), **kw)
        for k in ds.data_vars:
            data[k] = ds[k].values
    return data, items


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep-point entry (model, storage): the load experiment, then the model's detail
    experiment (:data:`DETAILS`)."""
    model, S = sim.MODELS[str(values["model"])], int(values["storage"])
    theory = th.THEORIES[model.name]
    rng = as_generator(seed)
    st = settings
    T = int(st["n_trials"])
    copies, D = int(st["copies"]), int(st["sdm_data_bits"])
    n = model.size(S, copies, D)
    kw = {"copies": copies, "active": int(st["willshaw_active"]),
          "address_bits": int(st["sdm_address_bits"]), "data_bits": D,
          "steps": int(st["hopfield_steps"])}
    q_ref, radius = theory.reference(n, st)
    if np.isfinite(radius):
        kw["radius"] = radius
    data, items = _load_experiment(model, n, q_ref, kw, st, rng)
    if progress:
        progress(1, 2)
    dims = ("load", "cue_noise", "trial")
    out = {k: (dims, v, {"long_name": MEASURES[k], "units": "1"}) for k, v in data.items()}
    out["n_items"] = (("load",), items, {
        "long_name": "stored pairs Q (round(load x capacity_reference), at least 2; NaN for "
                     "fast weights)", "units": "1"})
    detail = DETAILS[model.name](n, q_ref, radius, st, kw, T, rng) \
        if model.name in DETAILS else {}
    for k, (vdims, shape, attrs) in _detail_variables(st, T).items():
        out[k] = (vdims, detail.get(k, _nan(shape)), attrs)
    if progress:
        progress(2, 2)
    return xr.Dataset(out, coords=_coords(st, model, S, n, q_ref, radius))


def _coords(st, model, S, n, q_ref, radius):
    one = {"units": "1"}
    return {
        "load": ("load", np.asarray(st["load"], float), {
            "long_name": "load: stored pairs / capacity_reference", **one}),
        "cue_noise": ("cue_noise", np.asarray(st["cue_noise"], float), {
            "long_name": "cue noise nu (vector models: variance fraction; Hopfield, SDM: "
                         "flipped fraction; Willshaw: deleted fraction of active units)",
            **one}),
        "trial": ("trial", np.arange(int(st["n_trials"])), {
            "long_name": "independent memory", **one}),
        "radius_offset": ("radius_offset", np.asarray(st["sdm_radius_offsets"], int), {
            "long_name": "SDM radius - best radius", **one}),
        "sdm_cue_noise": ("sdm_cue_noise", np.asarray(st["sdm_cue_noise"], float), {
            "long_name": "SDM cue: flipped fraction of address bits", **one}),
        "budget": ("budget", list(BUDGETS), {"long_name": "redundant-memory storage held "
                                                          "fixed"}),
        "copies": ("copies", np.asarray(st["copies_sweep"], int), {
            "long_name": "copies S of the redundant memory", **one}),
        "decay": ("decay", np.asarray(st["decays"], float), {
            "long_name": "fast-weight decay lambda", **one}),
        "age": ("age", np.arange(int(st["stream_length"])), {
            "long_name": "item age (0 = newest)", **one}),
        "model": ((), model.name, {"long_name": "associative memory model"}),
        "storage": ((), S, {"long_name": "storage budget (numbers)", **one}),
        "size": ((), n, {"long_name": "model dimension n (SDM: hard locations L)", **one}),
        "stored_numbers": ((), model.stored(n, int(st["copies"]), int(st["sdm_data_bits"])),
                           {"long_name": "numbers the model stores (reals; Willshaw: bits; "
                                         "SDM: counters)", **one}),
        "capacity_reference": ((), float(q_ref), {
            "long_name": "theoretical capacity at the criterion, exact cues (the load unit; "
                         "NaN for fast weights)", **one}),
        "sdm_radius": ((), float(radius), {
            "long_name": "SDM radius with the largest theoretical capacity (NaN for other "
                         "models)", **one}),
    }
