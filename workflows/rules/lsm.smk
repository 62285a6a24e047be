# Liquid state machine: shards (bundles of (N, lam, input_fraction) points) ->
# merged dataset with theory -> checks, figures. Science in sim/lsm.py and analysis/lsm.py.

FIGURES["lsm"] = [
    "lsm_separation",
    "lsm_readout",
    "lsm_raster",
    "lsm_lif_rate",
]


rule simulate_lsm:
    output:
        "results/lsm/shards/{shard}.nc",
    params:
        study="lsm",
        points=points("lsm"),
        settings=settings("lsm"),
        root_seed=config["root_seed"],
    conda:
        "../../environment.yml"
    log:
        "results/lsm/logs/simulate/{shard}.log",
    benchmark:
        "results/lsm/benchmarks/simulate/{shard}.tsv"
    resources:
        mem_mb=lsm_mem_mb,
        runtime=lsm_runtime,
    threads: 1
    group:
        "lsm_simulate"
    script:
        "../scripts/simulate.py"


rule merge_lsm:
    input:
        shard_files("lsm"),
    output:
        "results/lsm/lsm.nc",
    params:
        study="lsm",
    conda:
        "../../environment.yml"
    log:
        "results/lsm/logs/merge.log",
    resources:
        mem_mb=post_mem_mb("lsm"),
        runtime=post_runtime,
    script:
        "../scripts/merge.py"


rule checks_lsm:
    input:
        "results/lsm/lsm.nc",
    output:
        report(
            "results/lsm/checks.csv",
            caption="../report/lsm_checks.rst",
            category="Liquid state machine",
            labels={"figure": "checks"},
        ),
    params:
        study="lsm",
    conda:
        "../../environment.yml"
    log:
        "results/lsm/logs/checks.log",
    resources:
        mem_mb=post_mem_mb("lsm"),
        runtime=post_runtime,
    script:
        "../scripts/checks.py"


rule figures_lsm:
    input:
        "results/lsm/lsm.nc",
    output:
        *[
            report(
                f"results/lsm/figures/{name}.png",
                caption=f"../report/{name}.rst",
                category="Liquid state machine",
                labels={"figure": name.removeprefix("lsm_")},
            )
            for name in FIGURES["lsm"]
        ],
        expand("results/lsm/figures/{name}.pdf", name=FIGURES["lsm"]),
    params:
        study="lsm",
    conda:
        "../../environment.yml"
    log:
        "results/lsm/logs/figures.log",
    resources:
        mem_mb=post_mem_mb("lsm"),
        runtime=post_runtime,
    script:
        "../scripts/figures.py"
