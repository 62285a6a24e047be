# Hopfield capacity: shards (one per (N, alpha)) -> merged dataset with theory -> checks,
# figures. Science in sim/hopfield.py and analysis/hopfield.py.

FIGURES["hopfield"] = [
    "hopfield_one_step_error_vs_alpha",
    "hopfield_overlap_vs_alpha",
    "hopfield_fixed_points_vs_load",
    "hopfield_capacity_vs_N",
]


def hopfield_mem_mb(wildcards, attempt):
    """Peak memory estimate: couplings of one batch (<= 256 MiB plus one network), the
    patterns' field matrix, interpreter and libraries; doubled on a retry."""
    N = POINTS["hopfield"][wildcards.point]["values"]["N"]
    return int(attempt * (600 + 4 * 4 * N * N / 2**20))


def hopfield_runtime(wildcards, attempt):
    """Minutes: generous estimate from the N^3 cost at this machine's speed."""
    N = POINTS["hopfield"][wildcards.point]["values"]["N"]
    return int(attempt * (10 + (N / 4000) ** 3 * 10))


rule simulate_hopfield:
    output:
        "results/hopfield/shards/{point}.nc",
    params:
        study="hopfield",
        point=point("hopfield"),
        settings=settings("hopfield"),
        root_seed=config["root_seed"],
    log:
        "results/hopfield/logs/simulate/{point}.log",
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
        shards("hopfield"),
    output:
        "results/hopfield/hopfield.nc",
    params:
        study="hopfield",
    log:
        "results/hopfield/logs/merge.log",
    resources:
        mem_mb=1000,
        runtime=10,
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
    log:
        "results/hopfield/logs/checks.log",
    resources:
        mem_mb=1000,
        runtime=10,
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
    log:
        "results/hopfield/logs/figures.log",
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/figures.py"
