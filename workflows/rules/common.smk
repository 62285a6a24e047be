# Shared helpers: config validation (before any job is planned), the study registry, sweep
# shards, per-job resources and targets. Nothing here names a study.
import re
import sys

import immutables

from memory_dynamics.config import ConfigError, shards, validate
from memory_dynamics.registry import studies

try:
    validate(config)
except ConfigError as err:
    sys.exit(f"Config error: {err}")

REGISTRY = studies()  # every registered study has rules; the configured ones are targets
STUDIES = config["studies"]
SHARDS = {name: shards(config, name) for name in REGISTRY}


wildcard_constraints:
    study="|".join(map(re.escape, REGISTRY)),
    shard="[^/]+",


def simulate_group(wildcards):
    """Group of a simulate job, "<study>_simulate" (SLURM bundles, --group-components).

    Each study declares its bundle size (``slurm_bundle``); it is the default for its group
    unless the command line or a profile names the group. Snakemake sets its group settings
    only after parsing, so the defaults are merged in here, when the DAG asks for groups.
    """
    gs = workflow.group_settings
    if gs is not None and not getattr(gs, "_study_bundles", False):
        gs.group_components = immutables.Map({
            **{f"{name}_simulate": s.slurm_bundle for name, s in REGISTRY.items()},
            **gs.group_components})
        gs._study_bundles = True
    return f"{wildcards.study}_simulate"


def settings(study):
    """The study's config minus its sweep lists: the per-point simulation settings."""
    return {k: v for k, v in config[study].items() if k not in REGISTRY[study].sweeps}


def shard_files(study):
    return expand("results/{study}/shards/{shard}.nc", study=study, shard=SHARDS[study])


def figures(study, ext=("png", "pdf")):
    return expand("results/{study}/figures/{name}.{ext}", study=study,
                  name=REGISTRY[study].figures, ext=ext)


def all_targets():
    return [*(t for study in STUDIES
              for t in [f"results/{study}/checks.csv", *figures(study)]),
            "results/summary/index.html"]


def print_outputs():
    print("\nmemory-dynamics finished. Outputs:", file=sys.stderr)
    for study in STUDIES:
        print(f"  {study}: results/{study}/{study}.nc, results/{study}/checks.csv, "
              f"figures in results/{study}/figures/", file=sys.stderr)
    print("  summary of all checks and run times: results/summary/index.html",
          file=sys.stderr)
    print("Build the HTML report with: snakemake --report results/report.html "
          "(or: make report)", file=sys.stderr)


# Per-job resources (local and SLURM runs alike): the study's own estimates for its
# simulate jobs; merge, checks and figures grow with the number of shards.
def simulate_mem_mb(wildcards, attempt):
    return REGISTRY[wildcards.study].mem_mb(config, SHARDS[wildcards.study][wildcards.shard],
                                            attempt)


def simulate_runtime(wildcards, attempt):
    return REGISTRY[wildcards.study].runtime(config,
                                             SHARDS[wildcards.study][wildcards.shard], attempt)


def post_mem_mb(study):
    """merge/checks/figures of ``study`` (a name, or None: the job's {study} wildcard)."""
    return lambda wildcards, attempt: int(
        attempt * (1000 + 20 * len(SHARDS[study or wildcards.study])))


def post_runtime(wildcards, attempt):
    return 10 * attempt
