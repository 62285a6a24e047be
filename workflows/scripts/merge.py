"""Rule script: merge a study's shards and add theory beside the simulated variables."""

import os

from memory_dynamics.health import readable
from memory_dynamics.io import (
    NON_FINITE,
    combine_shards,
    explain_non_finite,
    fail,
    provenance,
    read_dataset,
    script_logger,
    to_jsonable,
    unexplained_non_finite,
    write_dataset,
)
from memory_dynamics.registry import get

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = get(sm.wildcards.study)
log = script_logger(sm.log[0], f"merge_{study.name}")
analysis = study.analysis_module()
parts = []
for path in sm.input:
    try:
        parts.append(read_dataset(path))
    except OSError as e:
        # damaged after the run started (the run's own start removes damaged shards and
        # recomputes them): if HDF5 itself calls it damaged, remove it, so that the next
        # run recomputes exactly this shard; otherwise keep it and say why
        damaged = readable(path) is not None
        if damaged:
            os.remove(path)
        fail(log, f"merge_{study.name}: cannot read shard {path} ({e}); "
             + ("it is damaged and was removed: rerun the workflow to recompute it (the "
                "other shards are kept)" if damaged else "it was kept"))
ds = combine_shards(parts, list(study.sweeps), complete=not study.ragged)
log.info("merged %d shards: %s", len(sm.input), dict(ds.sizes))
ds = explain_non_finite(analysis.add_theory(ds), getattr(analysis, "NON_FINITE", {}))
for name, what in unexplained_non_finite(ds).items():  # flagged, never silent
    ds[name].attrs[NON_FINITE] = f"UNEXPLAINED: {what}"
    log.warning("%s holds %s and does not say why (attribute %s)", name, what, NON_FINITE)
ds.attrs.update(provenance(analysis.TITLE, to_jsonable(sm.config), analysis.REFERENCES))
ds.attrs["study"] = study.name
write_dataset(ds, sm.output[0])
log.info("wrote %s", sm.output[0])
