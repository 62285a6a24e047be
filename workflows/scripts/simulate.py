"""Rule script: simulate the sweep points of one shard and write the shard file."""

import importlib
import os
import sys
import time

from analysis.config import RAGGED, SWEEPS, point_id
from analysis.io import (Progress, as_shard, combine_shards, provenance, script_logger,
                         to_jsonable, write_dataset)
from sim.rng import point_rng

sm = snakemake  # noqa: F821 (provided by Snakemake)
study, points = sm.params.study, sm.params.points
log = script_logger(sm.log[0], f"simulate_{study}")
log.info("%d sweep point(s), settings %s", len(points), sm.params.settings)
module = importlib.import_module(f"sim.{study}")
t0 = time.perf_counter()
parts = []
for i, pt in enumerate(points):
    log.info("point %d/%d: %s (grid indices %s)", i + 1, len(points), pt["values"],
             pt["indices"])
    rng = point_rng(sm.params.root_seed, *pt["indices"])
    name = f"{study}/{point_id(study, pt['values'])}"
    try:
        if os.environ.get("MEMORY_DYNAMICS_FAIL_POINT") == name:  # fault injection (tests)
            raise RuntimeError("injected failure (MEMORY_DYNAMICS_FAIL_POINT)")
        ds = module.simulate_point(pt["values"], sm.params.settings, rng,
                                   progress=Progress(log, f"point {i + 1}/{len(points)} "
                                                          "networks"))
    except Exception as e:
        log.exception("sweep point %s failed", name)
        sys.exit(f"simulate_{study}: sweep point {name} (values {pt['values']}, grid indices "
                 f"{list(pt['indices'])}) failed: {type(e).__name__}: {e}; the shard "
                 f"{sm.output[0]} was not written, other shards are unaffected")
    parts.append(as_shard(ds, pt["values"]))
    el = time.perf_counter() - t0
    log.info("points: %d/%d done, %.1f s elapsed, ~%.1f s left (by points)", i + 1,
             len(points), el, el / (i + 1) * (len(points) - i - 1))
ds = combine_shards(parts, list(SWEEPS[study]), complete=study not in RAGGED)
ds.attrs.update(provenance(f"{study} shard", to_jsonable(sm.config),
                           module.__doc__.strip().splitlines()[0],
                           grid_indices=str([list(p["indices"]) for p in points])))
write_dataset(ds, sm.output[0])
log.info("wrote %s in %.1f s", sm.output[0], time.perf_counter() - t0)
