# Reservoir memory capacity: shards (bundles of (phi, N, input_scale, noise) points) ->
# merged dataset with theory -> checks, figures. Science in sim/reservoir.py and analysis/reservoir.py.

FIGURES["reservoir"] = [
    "reservoir_memory_function",
    "reservoir_capacity_vs_rho",
    "reservoir_capacity_vs_N",
    "reservoir_memory_vs_fisher",
]


rule simulate_reservoir:
    output:
        "results/reservoir/shards/{shard}.nc",
    params:
        study="reservoir",
        points=points("reservoir"),
        settings=settings("reservoir"),
        root_seed=config["root_seed"],
    conda:
        "../../environment.yml"
    log:
        "results/reservoir/logs/simulate/{shard}.log",
    benchmark:
        "results/reservoir/benchmarks/simulate/{shard}.tsv"
    resources:
        mem_mb=reservoir_mem_mb,
        runtime=reservoir_runtime,
    threads: 1
    group:
        "reservoir_simulate"
    script:
        "../scripts/simulate.py"


rule merge_reservoir:
    input:
        shard_files("reservoir"),
    output:
        "results/reservoir/reservoir.nc",
    params:
        study="reservoir",
    conda:
        "../../environment.yml"
    log:
        "results/reservoir/logs/merge.log",
    resources:
        mem_mb=post_mem_mb("reservoir"),
        runtime=post_runtime,
    script:
        "../scripts/merge.py"


rule checks_reservoir:
    input:
        "results/reservoir/reservoir.nc",
    output:
        report(
            "results/reservoir/checks.csv",
            caption="../report/reservoir_checks.rst",
            category="Reservoir memory",
            labels={"figure": "checks"},
        ),
    params:
        study="reservoir",
    conda:
        "../../environment.yml"
    log:
        "results/reservoir/logs/checks.log",
    resources:
        mem_mb=post_mem_mb("reservoir"),
        runtime=post_runtime,
    script:
        "../scripts/checks.py"


rule figures_reservoir:
    input:
        "results/reservoir/reservoir.nc",
    output:
        *[
            report(
                f"results/reservoir/figures/{name}.png",
                caption=f"../report/{name}.rst",
                category="Reservoir memory",
                labels={"figure": name.removeprefix("reservoir_")},
            )
            for name in FIGURES["reservoir"]
        ],
        expand("results/reservoir/figures/{name}.pdf", name=FIGURES["reservoir"]),
    params:
        study="reservoir",
    conda:
        "../../environment.yml"
    log:
        "results/reservoir/logs/figures.log",
    resources:
        mem_mb=post_mem_mb("reservoir"),
        runtime=post_runtime,
    script:
        "../scripts/figures.py"
