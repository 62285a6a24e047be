"""Trained recurrent networks: how RNNs learn to remember, against the mean-field depth
scale (docs/trained.md)."""

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, grows


def sequence_steps(v) -> int:
    """Steps after the first input of one sequence at sweep point ``v``: the lag, and for
    the copy task its 10 symbols and 10 answers besides (``sim.trained.Copy``)."""
    return v["lag"] + (2 * 10 - 1 if v["task"] == "copy" else 0)


def _cost(v):
    """Seconds of one point on one core at the defaults: linear in the sequence (BPTT);
    measured CPU 9 s at lag 8, 67 s at 64, 120 s at 128, 228 s at 256 (recall, 56 networks,
    compilation included)."""
    return 8.0 + 0.85 * sequence_steps(v)


#: lags shorter than this are left out of the gradient-rate fit (the pre-activation variance
#: relaxes from the symbol's 1 to q* over the first steps); read by analysis.trained
GRADIENT_MIN_LAG = 4


def _check_config(config):
    tc = config["trained"]
    for key in ("lag", "g", "sigma_u"):
        if tc[key] != sorted(tc[key]):
            raise ConfigError(f"trained.{key} = {tc[key]}; allowed: an increasing list")
    if sum(lag >= GRADIENT_MIN_LAG for lag in tc["lag"]) < 2:
        raise ConfigError(f"trained.lag = {tc['lag']} has fewer than two lags >= "
                          f"{GRADIENT_MIN_LAG}; allowed: at least two (the gradient-rate fit "
                          "skips the first steps)")
    if tc["n_test"] < tc["batch"]:
        raise ConfigError(f"trained.n_test = {tc['n_test']} < batch = {tc['batch']}; allowed: "
                          "n_test >= batch (the gradient at initialisation is measured on "
                          "batch held-out sequences)")
    if tc["n_record"] > tc["steps"]:
        raise ConfigError(f"trained.n_record = {tc['n_record']} > steps = {tc['steps']}; "
                          "allowed: n_record <= steps")


def _size(tc, steps):
    """Floats held for back-propagation through time: the states of every step, batch,
    gain and seed (float32), and the input drive."""
    return (len(tc["g"]) * tc["n_seeds"] * tc["batch"] * (steps + 1)
            * (2 * tc["n_units"] + tc["n_symbols"]))


def _mem_mb(config, points, attempt):
    """JAX and XLA (about 700 MB resident) plus the BPTT buffers of the longest sequence."""
    tc = config["trained"]
    steps = max(sequence_steps(p["values"]) for p in points)
    return int(attempt * (900 + 3 * 4 * _size(tc, steps) / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous: the cost model x 6, growing with gains, seeds, steps, width and
    batch."""
    tc = config["trained"]
    scale = (grows(len(tc["g"]) * tc["n_seeds"], 56) * grows(tc["steps"], 600)
             * grows(tc["n_units"], 32) ** 2 * grows(tc["batch"], 64)
             * grows(tc["n_symbols"], 2) * grows(tc["n_test"], 512))
    return int(attempt * (10 + 6 * scale * sum(_cost(p["values"]) for p in points) / 60))


STUDY = Study(
    name="trained",
    title="Trained networks",
    sweeps=("task", "cell", "sigma_u", "lag"),
    figures=("trained_trainability_map", "trained_horizon_vs_depth_scale",
             "trained_gradient_at_init", "trained_learning_curves", "trained_spectra",
             "trained_fisher_memory", "trained_chaos"),
    simulate="memory_dynamics.studies.trained.experiment:simulate_point",
    analysis="memory_dynamics.analysis.trained",
    figures_module="memory_dynamics.analysis.figures.trained",
    cost=_cost,
    check_config=_check_config,
    mem_mb=_mem_mb,
    runtime=_runtime,
    size_keys=("g", "n_seeds", "n_units", "n_symbols", "batch", "steps", "n_test"),
    slurm_bundle=8,
)
