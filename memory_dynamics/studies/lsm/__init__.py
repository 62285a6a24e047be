"""Spiking liquid state machine: separation and fading memory (docs/lsm.md)."""

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, largest


def _cost(v):
    return 20.0 * v["N"] / 135


def _check_config(config):
    lc = config["lsm"]
    if lc["distances"] != sorted(lc["distances"]) or lc["distances"][0] != 0:
        raise ConfigError(f"lsm.distances = {lc['distances']}; allowed: increasing "
                          "distances starting at 0 (the d = 0 noise floor)")
    if lc["readout_delays_ms"] != sorted(lc["readout_delays_ms"]):
        raise ConfigError(f"lsm.readout_delays_ms = {lc['readout_delays_ms']}; "
                          "allowed: increasing delays")
    if max(lc["readout_delays_ms"]) * 1e-3 + lc["readout_window"] >= lc["T"]:
        raise ConfigError(f"lsm.readout_delays_ms = {lc['readout_delays_ms']} too long "
                          f"for T = {lc['T']} s; allowed: max delay + readout_window < T")
    from memory_dynamics.sim.limits import reachable_distance

    reach = 0.9 * reachable_distance(lc["rate"], lc["T"])
    if max(lc["distances"]) > reach:
        raise ConfigError(f"lsm.distances = {lc['distances']} unreachable at rate "
                          f"{lc['rate']} Hz and T {lc['T']} s (jittered copies of a train "
                          f"reach d ~ {reach / 0.9:.3g} on average); allowed: distances <= "
                          f"{reach:.3g}, or a higher rate or shorter T")
    steps = [x / lc["dt"] for x in (0.8e-3, 1.5e-3, 2e-3, 3e-3)]
    if any(abs(s - round(s)) > 1e-6 for s in steps):
        raise ConfigError(f"lsm.dt = {lc['dt']} does not divide the delays (0.8, 1.5 "
                          "ms) and refractory periods (2, 3 ms); allowed: e.g. 1e-4, "
                          "5e-5")


def _mem_mb(config, points, attempt):
    """Recorded liquid states (float32) and their float64 differences, synapse states."""
    lc = config["lsm"]
    N = largest(points)
    trials = lc["n_pairs"] * (len(lc["distances"]) + 1) + 2 * lc["n_perturb"]
    n_rec = round((lc["T"] + lc["T_pre"]) / lc["dt"]) // lc["record_every"]
    # ~28 bytes per recorded state element at the readout's peak (measured), plus the
    # per-trial synapse arrays of a block, the simulation state and the rasters of the
    # 10 trials of the spike statistics (bool, steps x N)
    raster = 10 * (lc["T"] + lc["T_pre"]) / lc["dt"] * N
    return int(attempt * (800 + (28 * trials * n_rec * N + raster) / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous: ~1 s per 10^7 neuron-steps on one core, times 3."""
    lc = config["lsm"]
    steps = (lc["T"] + lc["T_pre"]) / lc["dt"] * (lc["n_pairs"] * (len(lc["distances"]) + 1)
                                                  + 2 * lc["n_perturb"])
    work = sum(p["values"]["N"] * steps for p in points)
    lif = len(lc["lif_currents"]) * lc["lif_T"] / lc["dt"] * 100  # the f-I curve's neurons
    return int(attempt * (10 + 3 * (work + lif) / 1e7 / 60))


STUDY = Study(
    name="lsm",
    title="Liquid state machine",
    sweeps=("N", "lam", "input_fraction"),
    figures=("lsm_separation", "lsm_readout", "lsm_raster", "lsm_lif_rate"),
    simulate="memory_dynamics.studies.lsm.experiment:simulate_point",
    analysis="memory_dynamics.analysis.lsm",
    figures_module="memory_dynamics.analysis.figures.lsm",
    ragged=True,
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    size_keys=("n_pairs", "T", "T_pre", "n_perturb", "dt", "record_every", "distances",
               "lif_currents", "lif_T"),
    slurm_bundle=4,  # 32 GB per bundle in the large preset
)
