"""Trained gated networks: how LSTMs and GRUs learn to remember, against the gate timescale
at initialisation (docs/gated.md)."""

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, grows
from memory_dynamics.studies.trained import sequence_steps


def _cost(v):
    """Seconds of one point on one core at the defaults: linear in the lag (BPTT); measured
    CPU 10 s at lag 4, 23 s at 16, 45 s at 32 (LSTM, 16 units, 40 networks, compilation
    included)."""
    return 6.0 + 1.2 * sequence_steps(v)


def _check_config(config):
    gc = config["gated"]
    for key in ("lag", "tau"):
        if gc[key] != sorted(gc[key]):
            raise ConfigError(f"gated.{key} = {gc[key]}; allowed: an increasing list")
    if "chrono" in gc["init"] and min(gc["tau"]) <= 2:
        raise ConfigError(f"gated.tau = {gc['tau']} with init chrono; allowed: every tau > 2 "
                          "(chrono draws b = ln u, u ~ U(1, tau - 1))")
    if gc["n_test"] < gc["batch"]:
        raise ConfigError(f"gated.n_test = {gc['n_test']} < batch = {gc['batch']}; allowed: "
                          "n_test >= batch (the gradient at initialisation is measured on "
                          "batch held-out sequences)")
    if gc["n_record"] > gc["steps"]:
        raise ConfigError(f"gated.n_record = {gc['n_record']} > steps = {gc['steps']}; "
                          "allowed: n_record <= steps")


def _size(gc, steps):
    """Floats held for back-propagation through time: the gates and states of every step,
    batch, knob value and seed (float32), and the input drive (4 gates: the LSTM)."""
    return (len(gc["tau"]) * gc["n_seeds"] * gc["batch"] * (steps + 1)
            * (10 * gc["n_units"] + gc["n_symbols"]))


def _mem_mb(config, points, attempt):
    """JAX and XLA (about 700 MB resident) plus the BPTT buffers of the longest sequence."""
    gc = config["gated"]
    steps = max(sequence_steps(p["values"]) for p in points)
    return int(attempt * (900 + 3 * 4 * _size(gc, steps) / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous: the cost model x 6, growing with knob values, seeds, steps, width
    and batch."""
    gc = config["gated"]
    scale = (grows(len(gc["tau"]) * gc["n_seeds"], 32) * grows(gc["steps"], 600)
             * grows(gc["n_units"], 16) ** 2 * grows(gc["batch"], 64)
             * grows(gc["n_symbols"], 2) * grows(gc["n_test"], 512))
    return int(attempt * (10 + 6 * scale * sum(_cost(p["values"]) for p in points) / 60))


STUDY = Study(
    name="gated",
    title="Trained gated networks",
    sweeps=("task", "cell", "init", "lag"),
    figures=("gated_trainability_map", "gated_horizon_vs_timescale", "gated_gradient_at_init",
             "gated_learning_curves", "gated_trained_timescales"),
    simulate="memory_dynamics.studies.gated.experiment:simulate_point",
    analysis="memory_dynamics.analysis.gated",
    figures_module="memory_dynamics.analysis.figures.gated",
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    size_keys=("tau", "n_seeds", "n_units", "n_symbols", "batch", "steps", "n_test"),
    slurm_bundle=8,
)
