# Shared helpers: config validation (before any job is planned), sweep points, targets.
import sys

from analysis.config import ConfigError, sweep_points, validate

try:
    validate(config)
except ConfigError as err:
    sys.exit(f"Config error: {err}")

STUDIES = config["studies"]
POINTS = {study: sweep_points(config, study) for study in STUDIES}


def settings(study):
    """The study's config minus its sweep lists: the per-point simulation settings."""
    from analysis.config import SWEEPS

    return {k: v for k, v in config[study].items() if k not in SWEEPS[study]}


def shards(study):
    return expand("results/{study}/shards/{point}.nc", study=study, point=POINTS[study])


def point(study):
    """Input function: the sweep point (grid indices and values) of a shard."""
    return lambda wildcards: POINTS[study][wildcards.point]


FIGURES = {}  # study -> figure names, filled by each study's rule file


def figures(study, ext=("png", "pdf")):
    return expand("results/{study}/figures/{name}.{ext}", study=study,
                  name=FIGURES[study], ext=ext)


def all_targets():
    return [t for study in STUDIES
            for t in [f"results/{study}/checks.csv", *figures(study)]]


def print_outputs():
    print("\nmemory-dynamics finished. Outputs:", file=sys.stderr)
    for study in STUDIES:
        print(f"  {study}: results/{study}/{study}.nc, results/{study}/checks.csv, "
              f"figures in results/{study}/figures/", file=sys.stderr)
    print("Build the HTML report with: snakemake --report results/report.html "
          "(or: make report)", file=sys.stderr)
