"""Deep-linear learning dynamics and progressive differentiation (docs/saxe.md)."""

from ...registry import Study


def _cost(v):
    return 2.0 + 2 ** v["tree_depth"] / 4


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
    slurm_bundle=20,  # 12 GB per bundle in the large preset
)
