# One page over all studies: every check with pass/fail, and the compute time of each study
# (from the simulate jobs' Snakemake benchmarks).


rule summary:
    input:
        checks=expand("results/{study}/checks.csv", study=STUDIES),
        benchmarks=[b for s in STUDIES
                    for b in expand("results/{study}/benchmarks/simulate/{shard}.tsv",
                                    study=s, shard=SHARDS[s])],
    output:
        page=report(
            "results/summary/index.html",
            caption="../report/summary.rst",
            category="Summary",
            labels={"figure": "all checks and run times"},
        ),
        checks="results/summary/checks.csv",
        by_study="results/summary/checks_by_study.csv",
        runtimes="results/summary/runtimes.csv",
        calibration="results/summary/calibration.csv",
        calibration_png="results/summary/z_calibration.png",
        calibration_pdf="results/summary/z_calibration.pdf",
    params:
        studies=STUDIES,
    conda:
        "../environment.yml"
    log:
        "results/summary/summary.log",
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/summary.py"
