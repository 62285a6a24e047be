"""Rule script: draw a study's figures (theory overlaid on simulation), PNG and PDF."""

import importlib
from pathlib import Path

from analysis.io import read_dataset, script_logger

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = sm.params.study
log = script_logger(sm.log[0], f"figures_{study}")
outdir = Path(sm.output[0]).parent
paths = importlib.import_module(f"analysis.{study}").make_figures(
    read_dataset(sm.input[0]), outdir)
missing = set(map(str, sm.output)) - set(map(str, paths))
if missing:
    raise RuntimeError(f"figures not produced: {sorted(missing)}")
log.info("wrote %s", ", ".join(map(str, paths)))
