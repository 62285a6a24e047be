# memory-dynamics: simulate how recurrent networks remember, and check every simulation
# against its analytic theory. Entry point only: config, validation, rule files, targets.
# The studies come from the registry (memory_dynamics.registry); no rule names a study.
#
#   snakemake --cores 2                                        # default preset
#   snakemake --cores 2 --configfile workflows/config/quick.yaml
#   snakemake --report results/report.html                    # HTML report with captions

from snakemake.utils import min_version

min_version("9.0")


configfile: f"{workflow.basedir}/workflows/config/default.yaml"


include: "workflows/rules/common.smk"
include: "workflows/rules/study.smk"
include: "workflows/rules/summary.smk"


report: "workflows/report/workflow.rst"


rule all:
    input:
        all_targets(),
    default_target: True
    localrule: True


onsuccess:
    print_outputs()
