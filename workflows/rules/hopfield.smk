# Hopfield capacity: shards (bundles of (N, alpha) points) -> merged dataset with theory -> checks,
# figures. Science in sim/hopfield.py and analysis/hopfield.py.

FIGURES["hopfield"] = [
    "hopfield_one_step_error_vs_alpha",
    "hopfield_overlap_vs_alpha",
    "hopfield_fixed_points_vs_load",
    "hopfield_capacity_vs_N",
]


rule simulate_hopfield:
    output:
        "results/hopfield/shards/{shard}.nc",
    params:
        study="hopfield",
        points=points("hopfield"),
        settings=settings("hopfield"),
        root_seed=config["root_seed"],
    conda:
        "../../environment.yml"
    log:
        "results/hopfield/logs/simulate/{shard}.log",
    benchmark:
        "results/hopfield/benchmarks/simulate/{shard}.tsv"
    resources:
        mem_mb=hopfield_mem_mb,
        runtime=hopfield_runtime,
    threads: 1
    group:
        "hopfield_simulate"
    script:
        "../scripts/simulate.py"


rule merge_hopfield:
    input:
        shard_files("hopfield"),
    output:
        "results/hopfield/hopfield.nc",
    params:
        study="hopfield",
    conda:
        "../../environment.yml"
    log:
        "results/hopfield/logs/merge.log",
    resources:
        mem_mb=post_mem_mb("hopfield"),
        runtime=post_runtime,
    script:
        "../scripts/merge.py"


rule checks_hopfield:
    input:
        "results/hopfield/hopfield.nc",
    output:
        report(
            "results/hopfield/checks.csv",
            caption="../report/hopfield_checks.rst",
            category="Hopfield capacity",
            labels={"figure": "checks"},
        ),
    params:
        study="hopfield",
    conda:
        "../../environment.yml"
    log:
        "results/hopfield/logs/checks.log",
    resources:
        mem_mb=post_mem_mb("hopfield"),
        runtime=post_runtime,
    script:
        "../scripts/checks.py"


rule figures_hopfield:
    input:
        "results/hopfield/hopfield.nc",
    output:
        *[
            report(
                f"results/hopfield/figures/{name}.png",
                caption=f"../report/{name}.rst",
                category="Hopfield capacity",
                labels={"figure": name.removeprefix("hopfield_")},
            )
            for name in FIGURES["hopfield"]
        ],
        expand("results/hopfield/figures/{name}.pdf", name=FIGURES["hopfield"]),
    params:
        study="hopfield",
    conda:
        "../../environment.yml"
    log:
        "results/hopfield/logs/figures.log",
    resources:
        mem_mb=post_mem_mb("hopfield"),
        runtime=post_runtime,
    script:
        "../scripts/figures.py"
