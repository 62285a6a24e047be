# memory-dynamics: simulate how recurrent networks remember, and check every simulation
# against its analytic theory. Entry point only: config, validation, rule files, targets.
#
#   snakemake --cores 2                                        # default preset
#   snakemake --cores 2 --configfile workflows/config/quick.yaml
#   snakemake --report results/report.html                    # HTML report with captions

from snakemake.utils import min_version

min_version("9.0")


configfile: f"{workflow.basedir}/workflows/config/default.yaml"


include: "workflows/rules/common.smk"
include: "workflows/rules/hopfield.smk"
include: "workflows/rules/fisher.smk"
include: "workflows/rules/gradients.smk"
include: "workflows/rules/saxe.smk"
include: "workflows/rules/reservoir.smk"
include: "workflows/rules/lsm.smk"
include: "workflows/rules/summary.smk"


report: "workflows/report/workflow.rst"


rule all:
    input:
        all_targets(),
    default_target: True
    localrule: True


onsuccess:
    print_outputs()
