"""Associative memories on one capacity footing (docs/associative.md)."""

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, grows

#: the holographic models (their cost grows as S^2): named here because a declaration
#: imports only the standard library (the workflow parses it in every job); the tests
#: check it against memory_dynamics.sim.associative.MODELS
HOLOGRAPHIC = ("hrr", "hrr_unitary", "fhrr", "redundant")


def _cost(v):
    """Seconds of one point (16 trials) on one core: a holographic model draws ~0.18 S^2
    numbers per trial (3 x its capacity ~ S/33 pairs of length ~ S, keys and values), at
    ~3.5e-8 s per number with its FFTs and scores (measured at S = 8192: 7 s)."""
    S = v["storage"]
    return 0.5 + (1e-7 * S * S if v["model"] in HOLOGRAPHIC else 1e-4 * S ** 0.75)


def _check_config(config):
    ac = config["associative"]
    if ac["load"] != sorted(ac["load"]):
        raise ConfigError(f"associative.load = {ac['load']} is not increasing; allowed: "
                          "distinct loads in increasing order (each memory stores the pairs "
                          "of the smaller loads first)")
    if ac["cue_noise"][0] != 0:
        raise ConfigError(f"associative.cue_noise = {ac['cue_noise']} must start with 0 "
                          "(exact cues: the capacity reference); allowed: [0, ...]")
    if "redundant" in ac["model"]:
        for S in ac["storage"]:
            if S / (2 * ac["copies"]) < 16:
                raise ConfigError(f"associative.copies = {ac['copies']} leaves fewer than 16 "
                                  f"complex numbers per copy at storage {S}; allowed: copies "
                                  f"<= storage / 32")
    if "sdm" in ac["model"] and min(ac["storage"]) / ac["sdm_data_bits"] < 16:
        raise ConfigError(f"associative.sdm_data_bits = {ac['sdm_data_bits']} leaves fewer "
                          "than 16 SDM locations at the smallest storage; allowed: "
                          "sdm_data_bits <= min(storage) / 16")


def _mem_mb(config, points, attempt):
    """The largest batch of draws (2^27 numbers, float32 and its float64 products) plus the
    vocabulary and libraries."""
    S = max(p["values"]["storage"] for p in points)
    M = config["associative"]["vocabulary"]
    return int(attempt * (900 + 8 * (2 ** 27 + M * S) / 2 ** 20))


def _runtime(config, points, attempt):
    """Minutes: the cost model (s per point of 16 trials), scaled to the trials and, beyond
    the large preset's sizes, to the probes and vocabulary (scores), the redundant copies,
    the SDM address length, the Hopfield iterations, the fast-weight stream and the
    per-point scans (decays, SDM radii and cue noises)."""
    ac = config["associative"]
    scale = (ac["n_trials"] / 16 * grows(ac["n_probes"], 32) * grows(ac["vocabulary"], 1000)
             * grows(sum(ac["copies_sweep"]) + ac["copies"], 35)
             * grows(ac["sdm_address_bits"], 256) * grows(ac["hopfield_steps"], 30)
             * grows(ac["stream_length"] * ac["inner_steps"], 2000)
             * grows(len(ac["decays"]) * len(ac["sdm_radius_offsets"])
                     * len(ac["sdm_cue_noise"]), 252))
    return int(attempt * (10 + scale * sum(_cost(p["values"]) for p in points) / 6))


STUDY = Study(
    name="associative",
    title="Associative memories",
    sweeps=("model", "storage"),
    figures=("associative_p_correct_vs_load", "associative_capacity_atlas",
             "associative_information_per_number", "associative_sdm_radius_and_cue",
             "associative_fast_weights_vs_age", "associative_redundant_copies"),
    simulate="memory_dynamics.studies.associative.experiment:simulate_point",
    analysis="memory_dynamics.analysis.associative",
    figures_module="memory_dynamics.analysis.figures.associative",
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    size_keys=("n_trials", "n_probes", "vocabulary", "copies", "copies_sweep",
               "sdm_address_bits", "hopfield_steps", "stream_length", "inner_steps", "decays",
               "sdm_radius_offsets", "sdm_cue_noise"),
    slurm_bundle=13,
)
