"""Gradient-norm decay in random RNNs and the LSTM cell path (docs/gradients.md)."""

from ...config import ConfigError
from ...registry import Study, largest


def _cost(v):
    return 0.5 + 4.0 * (v["N"] / 1000) ** 2


def _check_config(config):
    gc = config["gradients"]
    lo, hi = gc["fit_window"]
    if not 0 <= lo < hi <= gc["q_max"]:
        raise ConfigError(f"gradients.fit_window = {gc['fit_window']}; allowed: "
                          f"[q_lo, q_hi] with 0 <= q_lo < q_hi <= q_max = {gc['q_max']}")


def _mem_mb(config, points, attempt):
    """Z, the state history (q_max x N x gains) and the probes."""
    N = largest(points)
    return int(attempt * (600 + 12 * 8 * N * N / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous."""
    return int(attempt * (10 + 2 * len(points)))


STUDY = Study(
    name="gradients",
    title="Gradient decay",
    sweeps=("phi", "N", "sigma_u"),
    figures=("gradients_log_norm_vs_q", "gradients_rate_vs_g", "gradients_rate_map",
             "gradients_lstm_cell_path", "gradients_mean_field_vs_N"),
    simulate="memory_dynamics.studies.gradients.experiment:simulate_point",
    analysis="memory_dynamics.analysis.gradients",
    figures_module="memory_dynamics.analysis.figures.gradients",
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    slurm_bundle=20,  # 20 GB per bundle in the large preset
)
