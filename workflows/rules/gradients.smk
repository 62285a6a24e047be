# Gradient-norm decay: shards (bundles of (phi, N, sigma_u) points) -> merged dataset with
# theory -> checks, figures. Science in sim/gradients.py and analysis/gradients.py.

FIGURES["gradients"] = [
    "gradients_log_norm_vs_q",
    "gradients_rate_vs_g",
    "gradients_rate_map",
    "gradients_lstm_cell_path",
]


rule simulate_gradients:
    output:
        "results/gradients/shards/{shard}.nc",
    params:
        study="gradients",
        points=points("gradients"),
        settings=settings("gradients"),
        root_seed=config["root_seed"],
    conda:
        "../../environment.yml"
    log:
        "results/gradients/logs/simulate/{shard}.log",
    benchmark:
        "results/gradients/benchmarks/simulate/{shard}.tsv"
    resources:
        mem_mb=gradients_mem_mb,
        runtime=gradients_runtime,
    threads: 1
    group:
        "gradients_simulate"
    script:
        "../scripts/simulate.py"


rule merge_gradients:
    input:
        shard_files("gradients"),
    output:
        "results/gradients/gradients.nc",
    params:
        study="gradients",
    conda:
        "../../environment.yml"
    log:
        "results/gradients/logs/merge.log",
    resources:
        mem_mb=post_mem_mb("gradients"),
        runtime=post_runtime,
    script:
        "../scripts/merge.py"


rule checks_gradients:
    input:
        "results/gradients/gradients.nc",
    output:
        report(
            "results/gradients/checks.csv",
            caption="../report/gradients_checks.rst",
            category="Gradient decay",
            labels={"figure": "checks"},
        ),
    params:
        study="gradients",
    conda:
        "../../environment.yml"
    log:
        "results/gradients/logs/checks.log",
    resources:
        mem_mb=post_mem_mb("gradients"),
        runtime=post_runtime,
    script:
        "../scripts/checks.py"


rule figures_gradients:
    input:
        "results/gradients/gradients.nc",
    output:
        *[
            report(
                f"results/gradients/figures/{name}.png",
                caption=f"../report/{name}.rst",
                category="Gradient decay",
                labels={"figure": name.removeprefix("gradients_")},
            )
            for name in FIGURES["gradients"]
        ],
        expand("results/gradients/figures/{name}.pdf", name=FIGURES["gradients"]),
    params:
        study="gradients",
    conda:
        "../../environment.yml"
    log:
        "results/gradients/logs/figures.log",
    resources:
        mem_mb=post_mem_mb("gradients"),
        runtime=post_runtime,
    script:
        "../scripts/figures.py"
