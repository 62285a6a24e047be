"""Deep-linear learning dynamics and progressive differentiation (docs/saxe.md)."""

import math

from memory_dynamics.config import ConfigError
from memory_dynamics.registry import Study, grows


def _check_config(config):
    """The three-layer run shares the two-layer learning rate lr = lr_smax / s_max; its step is
    stable only if 1.5 lr_smax (s/c)^(1/3) < 1 (``sim.limits.step_stiffness``). s/c, the largest
    mode strength at convergence, is exact for the deterministic tree (flip_prob 0) and
    bounded by the Frobenius norm of the features, sqrt(n_features P) (sum) or
    sqrt(n_features) (mean), for the branching-diffusion draws."""
    from memory_dynamics.sim.limits import step_stiffness, tree_top_singular_value

    sc = config["saxe"]
    worst, at = 0.0, None
    for L in sc["tree_depth"]:
        P = 2**L
        for eps in sc["flip_prob"]:
            if eps == 0:
                a = tree_top_singular_value(L)
            else:
                a = math.sqrt(sc["n_features"] * P)
            if sc["normalisation"] == "mean":
                a /= math.sqrt(P)
            stiff = sc["lr_smax"] * step_stiffness(a, 1.0, 3) / a
            if stiff > worst:
                worst, at = stiff, (L, eps)
    if worst >= 1:
        raise ConfigError(
            f"saxe.lr_smax = {sc['lr_smax']} makes the three-layer run diverge (its step "
            f"stiffness 1.5 lr_smax (s/c)^(1/3) reaches {worst:.3g} at tree_depth {at[0]}, "
            f"flip_prob {at[1]}, n_features {sc['n_features']}); allowed: lr_smax < "
            f"{sc['lr_smax'] / worst:.3g}")


def _cost(v):
    return 2.0 + 2 ** v["tree_depth"] / 4


def _mem_mb(config, points, attempt):
    """The recorded trajectories (steps / record_every records of the P x P mode strengths
    and hidden representations, per start: n_seeds random and 4 others, float64)."""
    sc = config["saxe"]
    P = max(2 ** p["values"]["tree_depth"] for p in points)
    records = sc["steps"] // sc["record_every"] + 1
    n = records * (sc["n_seeds"] + 4) * P * (2 * P + 2) + 4 * P * sc["n_features"] * P
    return int(attempt * (600 + 8 * n / 2**20))


def _runtime(config, points, attempt):
    """Minutes, generous: the cost model (s per point at the defaults) x 6, growing with the
    gradient steps, starts and features."""
    sc = config["saxe"]
    scale = (grows(sc["steps"], 30000) * grows(sc["n_seeds"], 16)
             * grows(sc["n_features"], 100))
    return int(attempt * (10 + 6 * scale * sum(_cost(p["values"]) for p in points) / 60))


STUDY = Study(
    name="saxe",
    title="Saxe learning dynamics",
    sweeps=("tree_depth", "flip_prob"),
    figures=("saxe_mode_trajectories", "saxe_half_learning_time",
             "saxe_progressive_differentiation", "saxe_deep_vs_shallow", "saxe_random_starts"),
    simulate="memory_dynamics.studies.saxe.experiment:simulate_point",
    analysis="memory_dynamics.analysis.saxe",
    figures_module="memory_dynamics.analysis.figures.saxe",
    ragged=True,
    cost=_cost,
    mem_mb=_mem_mb,
    runtime=_runtime,
    size_keys=("n_features", "steps", "record_every", "n_seeds"),
    check_config=_check_config,
    slurm_bundle=20,  # 9 GB per bundle in the large preset
)
