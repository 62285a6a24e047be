"""Hopfield capacity: one-step error, attractor retrieval and fixed points (docs/hopfield.md)."""

from memory_dynamics.config import ConfigError, sweep_points
from memory_dynamics.registry import Study, grows, largest


def _cost(v):
    return 0.1 + 12.0 * (v["N"] / 4000) ** 3


def _check_config(config):
    for pt in sweep_points(config, "hopfield").values():
        N, alpha = pt["values"]["N"], pt["values"]["alpha"]
        P = round(alpha * N)
        if P < 2:
            raise ConfigError(
                f"hopfield: N={N}, alpha={alpha} stores P = round(alpha*N) = {P} patterns; "
                "allowed: alpha*N >= 1.5 (at least 2 patterns) for every N and alpha")


def _mem_mb(config, points, attempt):
    """Couplings of one batch (<= 256 MiB plus one network), the patterns' field matrix,
    interpreter and libraries."""
    N = largest(points)
    return int(attempt * (600 + 4 * 4 * N * N / 2**20))


def _runtime(config, points, attempt):
    """Minutes: the bundling cost model (seconds per point of 10 networks, N^3; ~6x the
    measured time at N = 32000), scaled to the configured number of networks and, beyond
    the large preset's 50 starts and the default 1000 sweeps, to the fixed-point search
    (null starts: every pattern)."""
    hc = config["hopfield"]
    scale = hc["n_networks"] / 10 * grows(hc["max_sweeps"], 1000)

    def search(p):
        P = round(p["values"]["alpha"] * p["values"]["N"])
        starts = P if hc["max_starts"] is None else min(P, hc["max_starts"])
        return grows(starts, 50)

    return int(attempt * (10 + sum(_cost(p["values"]) * search(p) for p in points)
                          * scale / 60))


STUDY = Study(
    name="hopfield",
    title="Hopfield capacity",
    sweeps=("N", "alpha"),
    figures=("hopfield_one_step_error_vs_alpha", "hopfield_overlap_vs_alpha",
             "hopfield_fixed_points_vs_load", "hopfield_capacity_vs_N"),
    simulate="memory_dynamics.studies.hopfield.experiment:simulate_point",
    analysis="memory_dynamics.analysis.hopfield",
    figures_module="memory_dynamics.analysis.figures.hopfield",
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    size_keys=("n_networks", "max_starts", "max_sweeps"),
    slurm_bundle=4,  # 155 GB for 4 shards at N = 50 000 (large preset); 1 on nodes < 160 GB
)
