"""Rule script: merge a study's shards and add theory beside the simulated variables."""

import glob
import os
import sys

from memory_dynamics.io import (
    combine_shards,
    provenance,
    read_dataset,
    script_logger,
    to_jsonable,
    write_dataset,
)
from memory_dynamics.registry import get

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = get(sm.wildcards.study)
log = script_logger(sm.log[0], f"merge_{study.name}")
analysis = study.analysis_module()
bad, parts = [], []
for path in sm.input:  # a truncated or corrupt shard is never merged: remove it, say which
    try:
        parts.append(read_dataset(path))
    except OSError as e:
        log.error("%s", e)
        bad.append(path)
if bad:
    # the products derived from the corrupt shard are stale too: without them, a rerun
    # recomputes the removed shards and everything downstream (Snakemake does not rebuild
    # a missing intermediate file whose products exist)
    stale = [*bad, sm.output[0], f"results/{study.name}/checks.csv",
             "results/summary/index.html", *glob.glob(f"results/{study.name}/figures/*")]
    for path in stale:
        if os.path.exists(path):
            os.remove(path)
    sys.exit(f"merge_{study.name}: {len(bad)} unreadable shard(s) removed: {', '.join(bad)}; "
             "rerun the workflow to recompute them (the other shards are kept)")
ds = combine_shards(parts, list(study.sweeps), complete=not study.ragged)
log.info("merged %d shards: %s", len(sm.input), dict(ds.sizes))
ds = analysis.add_theory(ds)
ds.attrs.update(provenance(analysis.TITLE, to_jsonable(sm.config), analysis.REFERENCES))
write_dataset(ds, sm.output[0])
log.info("wrote %s", sm.output[0])
