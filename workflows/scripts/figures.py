"""Rule script: draw a study's figures (theory overlaid on simulation), PNG and PDF."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: the rule script, not the library, picks the backend

from memory_dynamics.analysis import plotting  # noqa: E402
from memory_dynamics.io import read_dataset, script_logger  # noqa: E402
from memory_dynamics.registry import get  # noqa: E402

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = get(sm.params.study)
log = script_logger(sm.log[0], f"figures_{study.name}")
paths = plotting.draw(read_dataset(sm.input[0]), Path(sm.output[0]).parent,
                      study.figure_makers())
missing = set(map(str, sm.output)) - set(map(str, paths))
if missing:
    raise RuntimeError(f"figures not produced: {sorted(missing)}")
log.info("wrote %s", ", ".join(map(str, paths)))
