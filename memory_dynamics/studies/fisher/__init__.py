"""Fisher memory curves of linear recurrent networks (docs/fisher.md)."""

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, grows, largest


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
    stray = [n for n in fc["simulate_N"] if n not in fc["N"]]
    if stray:
        raise ConfigError(f"fisher.simulate_N = {fc['simulate_N']} has {stray} not in "
                          f"fisher.N = {fc['N']}; allowed: sizes from fisher.N (or [] for no "
                          "simulation)")
    if min(fc["alpha"]) >= 1 and set(fc["ensemble"]) - {"delay_line"}:
        raise ConfigError(f"fisher.alpha = {fc['alpha']} has no gain < 1, so the ensembles "
                          f"{sorted(set(fc['ensemble']) - {'delay_line'})} have no sweep "
                          "point; allowed: a gain alpha < 1, or ensemble [delay_line]")
    if any(a >= 1 for a in fc["alpha"]) and "delay_line" not in fc["ensemble"]:
        raise ConfigError("fisher.alpha has values >= 1 but fisher.ensemble has no "
                          "delay_line; allowed: alpha < 1 (>= 1 only for delay_line)")


def _mem_mb(config, points, attempt):
    """A few N x N float64 matrices per network, the k_max-step memory curve, and for a
    simulated N the sampled trajectory (n_samples x N float64, one per lag and tanh level
    at most)."""
    fc = config["fisher"]
    N = largest(points)
    n = 20 * N * N + fc["n_networks"] * (fc["k_max"] + 1) * 4
    if any(p["values"]["N"] in fc["simulate_N"] for p in points):
        n += fc["n_samples"] * max(fc["simulate_N"], default=0) * 2
    return int(attempt * (600 + 8 * n / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous: 2 per point up to the large preset's sizes, growing linearly
    beyond them with the networks, the memory-curve length and, for a simulated N, samples
    x lags x tanh levels."""
    fc = config["fisher"]
    scale = grows(fc["n_networks"], 1000) * grows(fc["k_max"], 1000)
    sim = grows(fc["n_samples"], 2e5) * grows(len(fc["lags"]), 4) * grows(
        len(fc["tanh_eps"]), 5) * grows(max(fc["simulate_N"], default=0), 200)
    return int(attempt * (10 + sum(2 * scale * (sim if p["values"]["N"] in fc["simulate_N"]
                                                else 1) for p in points)))


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
    size_keys=("n_networks", "k_max", "n_samples", "simulate_N", "lags", "tanh_eps"),
    slurm_bundle=20,  # 21 GB per bundle in the large preset
)
