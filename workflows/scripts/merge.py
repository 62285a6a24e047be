"""Rule script: merge a study's shards and finish the dataset (theory beside simulation)."""

import os

from memory_dynamics.api import finish
from memory_dynamics.config import settings_of
from memory_dynamics.health import readable
from memory_dynamics.io import (
    combine_shards,
    fail,
    read_dataset,
    script_logger,
    settings_disagree,
    write_dataset,
)
from memory_dynamics.registry import get

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = get(sm.wildcards.study)
log = script_logger(sm.log[0], f"merge_{study.name}")
expected = settings_of(sm.config, study.name)
parts = []
for path in sm.input:
    try:
        part = read_dataset(path)
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
    wrong = settings_disagree(part, expected, sm.config["root_seed"])
    if wrong:
        # made under other settings (e.g. by a concurrent run with another config): never
        # mixed into this dataset; removed, so that the next run recomputes exactly it
        os.remove(path)
        fail(log, f"merge_{study.name}: shard {path} was simulated with other settings than "
             f"this run's: {'; '.join(wrong)}; it was removed: rerun the workflow to "
             "recompute it (the other shards are kept)")
    parts.append(part)
ds = combine_shards(parts, list(study.sweeps), complete=not study.ragged)
log.info("merged %d shards: %s", len(sm.input), dict(ds.sizes))
ds = finish(ds, study.name, sm.config, warn=log.warning)
write_dataset(ds, sm.output[0])
log.info("wrote %s", sm.output[0])
