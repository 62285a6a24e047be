"""Gradient-norm decay in random RNNs and the LSTM cell path (docs/gradients.md)."""

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, grows, largest


def _cost(v):
    return 0.5 + 4.0 * (v["N"] / 1000) ** 2


def _check_config(config):
    gc = config["gradients"]
    lo, hi = gc["fit_window"]
    if not 0 <= lo < hi <= gc["q_max"]:
        raise ConfigError(f"gradients.fit_window = {gc['fit_window']}; allowed: "
                          f"[q_lo, q_hi] with 0 <= q_lo < q_hi <= q_max = {gc['q_max']}")


def _mem_mb(config, points, attempt):
    """Z (N x N), the state history (q_max x N per gain and seed) and the probes (float64)."""
    gc = config["gradients"]
    N = largest(points)
    n = 12 * N * N + len(gc["g"]) * gc["n_seeds"] * N * (gc["q_max"] + gc["n_probes"] + 2)
    return int(attempt * (600 + 8 * n / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous: 2 per point up to the large preset's sizes, growing linearly
    beyond them with the seeds, gains, steps (burn-in plus q_max), probes and forget-gate
    biases."""
    gc = config["gradients"]
    scale = (grows(gc["n_seeds"], 16) * grows(len(gc["g"]), 10)
             * grows(gc["burn_in"] + gc["q_max"], 700) * grows(gc["n_probes"], 16)
             * grows(len(gc["lstm_forget_bias"]), 5))
    return int(attempt * (10 + 2 * scale * len(points)))


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
    size_keys=("g", "n_seeds", "q_max", "burn_in", "n_probes", "lstm_forget_bias"),
    slurm_bundle=20,  # 29 GB per bundle in the large preset
)
