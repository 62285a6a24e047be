# memory-dynamics, run from a source checkout. The workflow ships inside the package
# (workflows/Snakefile, installed as memory_dynamics/workflows/Snakefile); this file only
# includes it and names its target.
#
#   memory-dynamics run --preset quick          # the user's path (validates first)
#   snakemake --cores 2                         # the same workflow, straight from Snakemake


include: "workflows/Snakefile"


rule checkout_all:  # an include does not carry its default target over
    input:
        rules.all.input,
    default_target: True
    localrule: True
