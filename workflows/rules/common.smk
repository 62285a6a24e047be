# Shared helpers: config validation (before any job is planned), the study registry, sweep
# shards, per-job resources and targets. Nothing here names a study.
import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

from memory_dynamics import health
from memory_dynamics.config import ConfigError, retype_overrides, settings_of, shards, validate
from memory_dynamics.cli import print_evidence
from memory_dynamics.registry import studies

try:
    # Snakemake hands nested --config values over as strings: restore their YAML types
    retype_overrides(config, workflow.config_settings.config or {})
    validate(config)
except ConfigError as err:
    sys.exit(f"Config error: {err}")

REGISTRY = studies()  # every registered study has rules; the configured ones are targets
STUDIES = config["studies"]
SHARDS = {name: shards(config, name) for name in REGISTRY}


def _source_digest(folder, skip=()):
    """SHA-256 (16 hex digits) of the Python sources under ``folder``, except the
    subfolders named in ``skip``; read without importing anything."""
    h = hashlib.sha256()
    for f in sorted(Path(folder).rglob("*.py")):
        if not set(skip) & set(f.relative_to(folder).parts):
            h.update(str(f.relative_to(folder)).encode() + f.read_bytes())
    return h.hexdigest()[:16]


_ANALYSIS = Path(importlib.util.find_spec("memory_dynamics.analysis").origin).parent
#: digests of the code that adds theory and makes checks, and of the figure code: params of
#: the merge, checks and figure rules, so that a new version of that code redoes them from
#: the shards (Snakemake tracks a rule's own script, not the modules it imports)
ANALYSIS_CODE = _source_digest(_ANALYSIS, skip={"figures"})
FIGURES_CODE = _source_digest(_ANALYSIS)

if workflow.is_main_process and not os.environ.get(health.HEALED):  # (not in a cluster job)
    # damaged (truncated, overwritten) datasets of the configured studies are reported;
    # parsing removes nothing: `memory-dynamics run` heals them as its explicit first step
    # (memory_dynamics.health.heal), and the merge removes a shard it cannot read
    try:
        health.heal(STUDIES, {s: list(SHARDS[s]) for s in STUDIES}, remove=False)
    except OSError as err:  # not damage: permissions, a lock; never removed
        sys.exit(f"Error: cannot check an existing output: {err}")


wildcard_constraints:
    study="|".join(map(re.escape, REGISTRY)),
    shard="[^/]+",


def simulate_group(wildcards):
    """Group of a simulate job, "<study>_simulate": the SLURM bundles. Their sizes are
    Snakemake's --group-components, which `memory-dynamics run --profile ...` passes from
    each study's declared ``slurm_bundle`` (a profile or the command line overrides them)."""
    return f"{wildcards.study}_simulate"


def shard_files(study):
    return expand("results/{study}/shards/{shard}.nc", study=study, shard=SHARDS[study])


def figures(study, ext=("png", "pdf")):
    return expand("results/{study}/figures/{name}.{ext}", study=study,
                  name=REGISTRY[study].figures, ext=ext)


def all_targets():
    """Every documented output of the configured studies, and the summary."""
    return [*(t for study in STUDIES
              for t in [f"results/{study}/{study}.nc", f"results/{study}/checks.csv",
                        f"results/{study}/checks.html", *figures(study)]),
            "results/summary/index.html", "results/summary/checks_by_study.csv"]


def print_outputs():
    print("\nmemory-dynamics finished. Outputs:", file=sys.stderr)
    for study in STUDIES:
        print(f"  {study}: results/{study}/{study}.nc, results/{study}/checks.csv, "
              f"figures in results/{study}/figures/", file=sys.stderr)
    print("  summary of all checks and run times: results/summary/index.html",
          file=sys.stderr)
    print("Build the HTML report with: memory-dynamics report (or: make report)",
          file=sys.stderr)
    print_evidence()  # memory_dynamics.cli: predictions passed per study


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


def refuse_oversized_jobs():
    """Stop a local run before its first job if a simulate job needs more memory than the
    machine has, or than ``--resources mem_mb`` allows (Snakemake would silently lower the
    request and start it); MEMORY_DYNAMICS_IGNORE_MEMORY=1 (``memory-dynamics run
    --ignore-memory``) starts it anyway. Cluster runs request each job's estimate instead."""
    limit = workflow.global_resources.get("mem_mb")
    limit = getattr(limit, "value", None)
    err = health.oversized(health.job_memory(config, SHARDS), workflow.local_exec, limit)
    if err:
        sys.exit(f"Resource error: {err}")
