# Fisher memory: shards (bundles of (ensemble, N, alpha) points) -> merged dataset with
# theory -> checks, figures. Science in sim/fisher.py and analysis/fisher.py.

FIGURES["fisher"] = [
    "fisher_memory_curves",
    "fisher_total_memory_vs_N",
    "fisher_total_memory_histogram",
    "fisher_delay_lines",
]


rule simulate_fisher:
    output:
        "results/fisher/shards/{shard}.nc",
    params:
        study="fisher",
        points=points("fisher"),
        settings=settings("fisher"),
        root_seed=config["root_seed"],
    conda:
        "../../environment.yml"
    log:
        "results/fisher/logs/simulate/{shard}.log",
    benchmark:
        "results/fisher/benchmarks/simulate/{shard}.tsv"
    resources:
        mem_mb=fisher_mem_mb,
        runtime=fisher_runtime,
    threads: 1
    group:
        "fisher_simulate"
    script:
        "../scripts/simulate.py"


rule merge_fisher:
    input:
        shard_files("fisher"),
    output:
        "results/fisher/fisher.nc",
    params:
        study="fisher",
    conda:
        "../../environment.yml"
    log:
        "results/fisher/logs/merge.log",
    resources:
        mem_mb=post_mem_mb("fisher"),
        runtime=post_runtime,
    script:
        "../scripts/merge.py"


rule checks_fisher:
    input:
        "results/fisher/fisher.nc",
    output:
        report(
            "results/fisher/checks.csv",
            caption="../report/fisher_checks.rst",
            category="Fisher memory",
            labels={"figure": "checks"},
        ),
    params:
        study="fisher",
    conda:
        "../../environment.yml"
    log:
        "results/fisher/logs/checks.log",
    resources:
        mem_mb=post_mem_mb("fisher"),
        runtime=post_runtime,
    script:
        "../scripts/checks.py"


rule figures_fisher:
    input:
        "results/fisher/fisher.nc",
    output:
        *[
            report(
                f"results/fisher/figures/{name}.png",
                caption=f"../report/{name}.rst",
                category="Fisher memory",
                labels={"figure": name.removeprefix("fisher_")},
            )
            for name in FIGURES["fisher"]
        ],
        expand("results/fisher/figures/{name}.pdf", name=FIGURES["fisher"]),
    params:
        study="fisher",
    conda:
        "../../environment.yml"
    log:
        "results/fisher/logs/figures.log",
    resources:
        mem_mb=post_mem_mb("fisher"),
        runtime=post_runtime,
    script:
        "../scripts/figures.py"
