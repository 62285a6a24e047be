"""Rule script: merge a study's shards and add theory beside the simulated variables."""

import importlib

from analysis.config import RAGGED, SWEEPS
from analysis.io import merge_shards, provenance, script_logger, to_jsonable, write_dataset

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = sm.params.study
log = script_logger(sm.log[0], f"merge_{study}")
analysis = importlib.import_module(f"analysis.{study}")
ds = merge_shards(sm.input, SWEEPS[study], complete=study not in RAGGED)
log.info("merged %d shards: %s", len(sm.input), dict(ds.sizes))
ds = analysis.add_theory(ds)
ds.attrs.update(provenance(analysis.TITLE, to_jsonable(sm.config), analysis.REFERENCES))
write_dataset(ds, sm.output[0])
log.info("wrote %s", sm.output[0])
