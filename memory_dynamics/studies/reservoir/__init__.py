"""Echo-state reservoir memory capacity (docs/reservoir.md)."""

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, largest


def _cost(v):
    return 3.0 + 3.0 * (v["N"] / 50) ** 2


def _check_config(config):
    rc = config["reservoir"]
    usable = (rc["T"] - rc["washout"]) * min(rc["test_fraction"], 1 - rc["test_fraction"])
    if rc["k_max"] + max(rc["N"]) >= usable:
        raise ConfigError(f"reservoir.k_max = {rc['k_max']} is too large for T = "
                          f"{rc['T']}; allowed: k_max + max(N) < (T - washout) x "
                          f"min(test_fraction, 1 - test_fraction) = {usable:g}")
    if "linear" in rc["phi"] and max(rc["rho"]) >= 1:
        raise ConfigError(f"reservoir.rho = {rc['rho']} has values >= 1, where a linear "
                          "reservoir has no stationary state (and the exact theory "
                          "does not exist); allowed: rho < 1")


def _mem_mb(config, points, attempt):
    """Moments of four segments, the state chunk and the scratch products (float64)."""
    rc = config["reservoir"]
    N = largest(points)
    n = rc["n_seeds"] * len(rc["rho"]) * N * (5 * N + 6 * (rc["k_max"] + 1) + 1000)
    n += 4 * rc["n_seeds"] * rc["T"]  # the input series and its copies (float64)
    return int(attempt * (600 + 8 * n / 2**20))


def _runtime(config, points, attempt):
    """Minutes: ~2.7e-12 min per seed x radius x step x (N^2 + N K) on one core (measured
    for the large preset, N = 25..400), times 2, plus start-up."""
    rc = config["reservoir"]
    K = rc["k_max"] + 1
    work = sum(rc["n_seeds"] * len(rc["rho"]) * (rc["T"] + rc["washout"])
               * (p["values"]["N"] ** 2
                                                           + p["values"]["N"] * K)
               for p in points)
    return int(attempt * (10 + 5.4e-12 * work))


STUDY = Study(
    name="reservoir",
    title="Reservoir memory",
    sweeps=("phi", "N", "input_scale", "noise"),
    figures=("reservoir_memory_function", "reservoir_capacity_vs_rho",
             "reservoir_capacity_vs_N", "reservoir_memory_vs_fisher"),
    simulate="memory_dynamics.studies.reservoir.experiment:simulate_point",
    analysis="memory_dynamics.analysis.reservoir",
    figures_module="memory_dynamics.analysis.figures.reservoir",
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    size_keys=("rho", "n_seeds", "T", "washout", "k_max"),
    slurm_bundle=8,  # 46 GB per bundle in the large preset
)
