"""Fisher memory curves of linear recurrent networks (docs/fisher.md)."""

from ...config import ConfigError
from ...registry import Study, largest


def _valid(v):
    """Gains alpha >= 1 exist only for the (nilpotent) delay line."""
    return v["alpha"] < 1 or v["ensemble"] == "delay_line"


def _cost(v):
    return 0.3 + 2.0 * (v["N"] / 200) ** 3 + 3.0 * (v["N"] <= 100)


def _check_config(config):
    fc = config["fisher"]
    if max(fc["lags"]) > fc["k_max"]:
        raise ConfigError(f"fisher.lags = {fc['lags']} exceeds k_max = {fc['k_max']}; "
                          "allowed: lags <= fisher.k_max")
    if any(a >= 1 for a in fc["alpha"]) and "delay_line" not in fc["ensemble"]:
        raise ConfigError("fisher.alpha has values >= 1 but fisher.ensemble has no "
                          "delay_line; allowed: alpha < 1 (>= 1 only for delay_line)")


def _mem_mb(config, points, attempt):
    """A few N x N float64 matrices per network plus the simulation state."""
    N = largest(points)
    return int(attempt * (600 + 20 * 8 * N * N / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous."""
    return int(attempt * (10 + 2 * len(points)))


STUDY = Study(
    name="fisher",
    title="Fisher memory",
    sweeps=("ensemble", "N", "alpha"),
    figures=("fisher_memory_curves", "fisher_total_memory_vs_N",
             "fisher_total_memory_histogram", "fisher_delay_lines", "fisher_tanh_linear_regime"),
    simulate="memory_dynamics.studies.fisher.experiment:simulate_point",
    analysis="memory_dynamics.analysis.fisher",
    figures_module="memory_dynamics.analysis.figures.fisher",
    ragged=True,
    valid=_valid,
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    slurm_bundle=20,  # 14 GB per bundle in the large preset
)
