# The stages of every study: shards (bundles of sweep points) -> merged dataset with theory
# -> checks, figures. One generic rule per stage; figures per study (their outputs differ).


rule simulate:
    output:
        "results/{study}/shards/{shard}.nc",
    params:
        points=lambda wildcards: SHARDS[wildcards.study][wildcards.shard],
        settings=lambda wildcards: settings_of(config, wildcards.study),
        root_seed=config["root_seed"],
    conda:
        "../environment.yml"
    log:
        "results/{study}/logs/simulate/{shard}.log",
    benchmark:
        "results/{study}/benchmarks/simulate/{shard}.tsv"
    resources:
        mem_mb=simulate_mem_mb,
        runtime=simulate_runtime,
    threads: 1
    group:
        simulate_group
    script:
        "../scripts/simulate.py"


rule merge:
    input:
        lambda wildcards: shard_files(wildcards.study),
    output:
        "results/{study}/{study}.nc",
    params:
        analysis_code=ANALYSIS_CODE,
    conda:
        "../environment.yml"
    log:
        "results/{study}/logs/merge.log",
    resources:
        mem_mb=post_mem_mb(None),
        runtime=post_runtime,
    script:
        "../scripts/merge.py"


rule checks:
    input:
        "results/{study}/{study}.nc",
    output:
        csv="results/{study}/checks.csv",
        html=report(
            "results/{study}/checks.html",
            caption="../report/checks.rst",
            category=lambda wildcards: REGISTRY[wildcards.study].title,
            labels={"figure": "checks"},
        ),
    params:
        caption=lambda wildcards: (REGISTRY[wildcards.study].captions / "checks.rst").read_text(),
        analysis_code=ANALYSIS_CODE,
    conda:
        "../environment.yml"
    log:
        "results/{study}/logs/checks.log",
    resources:
        mem_mb=post_mem_mb(None),
        runtime=post_runtime,
    script:
        "../scripts/checks.py"


for study in REGISTRY.values():

    rule:
        name:
            f"figures_{study.name}"
        input:
            f"results/{study.name}/{study.name}.nc",
        output:
            *[
                report(
                    f"results/{study.name}/figures/{name}.png",
                    caption=str(study.captions / f"{name}.rst"),
                    category=study.title,
                    labels={"figure": name.removeprefix(f"{study.name}_")},
                )
                for name in study.figures
            ],
            figures(study.name, ext=["pdf"]),
        params:
            study=study.name,
            figures_code=FIGURES_CODE,
        conda:
            "../environment.yml"
        log:
            f"results/{study.name}/logs/figures.log",
        resources:
            mem_mb=post_mem_mb(study.name),
            runtime=post_runtime,
        script:
            "../scripts/figures.py"
