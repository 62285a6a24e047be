# Saxe learning dynamics: shards (bundles of (tree_depth, flip_prob) points) -> merged dataset with
# theory -> checks, figures. Science in sim/saxe.py and analysis/saxe.py.

FIGURES["saxe"] = [
    "saxe_mode_trajectories",
    "saxe_half_learning_time",
    "saxe_progressive_differentiation",
    "saxe_deep_vs_shallow",
]


rule simulate_saxe:
    output:
        "results/saxe/shards/{shard}.nc",
    params:
        study="saxe",
        points=points("saxe"),
        settings=settings("saxe"),
        root_seed=config["root_seed"],
    conda:
        "../../environment.yml"
    log:
        "results/saxe/logs/simulate/{shard}.log",
    benchmark:
        "results/saxe/benchmarks/simulate/{shard}.tsv"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 30 * attempt,
    threads: 1
    group:
        "saxe_simulate"
    script:
        "../scripts/simulate.py"


rule merge_saxe:
    input:
        shard_files("saxe"),
    output:
        "results/saxe/saxe.nc",
    params:
        study="saxe",
    conda:
        "../../environment.yml"
    log:
        "results/saxe/logs/merge.log",
    resources:
        mem_mb=post_mem_mb("saxe"),
        runtime=post_runtime,
    script:
        "../scripts/merge.py"


rule checks_saxe:
    input:
        "results/saxe/saxe.nc",
    output:
        report(
            "results/saxe/checks.csv",
            caption="../report/saxe_checks.rst",
            category="Saxe learning dynamics",
            labels={"figure": "checks"},
        ),
    params:
        study="saxe",
    conda:
        "../../environment.yml"
    log:
        "results/saxe/logs/checks.log",
    resources:
        mem_mb=post_mem_mb("saxe"),
        runtime=post_runtime,
    script:
        "../scripts/checks.py"


rule figures_saxe:
    input:
        "results/saxe/saxe.nc",
    output:
        *[
            report(
                f"results/saxe/figures/{name}.png",
                caption=f"../report/{name}.rst",
                category="Saxe learning dynamics",
                labels={"figure": name.removeprefix("saxe_")},
            )
            for name in FIGURES["saxe"]
        ],
        expand("results/saxe/figures/{name}.pdf", name=FIGURES["saxe"]),
    params:
        study="saxe",
    conda:
        "../../environment.yml"
    log:
        "results/saxe/logs/figures.log",
    resources:
        mem_mb=post_mem_mb("saxe"),
        runtime=post_runtime,
    script:
        "../scripts/figures.py"
