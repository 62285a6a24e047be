"""Rule script: simulate the sweep points of one shard and write the shard file."""

import os
import time

from memory_dynamics.config import point_id
from memory_dynamics.io import (
    Progress,
    as_shard,
    combine_shards,
    fail,
    provenance,
    script_logger,
    to_jsonable,
    write_dataset,
)
from memory_dynamics.registry import get
from memory_dynamics.sim.rng import point_rng

sm = snakemake  # noqa: F821 (provided by Snakemake)
study, points = get(sm.wildcards.study), sm.params.points
log = script_logger(sm.log[0], f"simulate_{study.name}")
log.info("%d sweep point(s), settings %s", len(points), sm.params.settings)
simulate_point = study.simulate_point()
t0 = time.perf_counter()
parts = []
for i, pt in enumerate(points):
    log.info("point %d/%d: %s (grid indices %s)", i + 1, len(points), pt["values"],
             pt["indices"])
    rng = point_rng(sm.params.root_seed, *pt["indices"])
    name = f"{study.name}/{point_id(study.name, pt['values'])}"
    try:
        if os.environ.get("MEMORY_DYNAMICS_FAIL_POINT") == name:  # fault injection (tests)
            raise RuntimeError("injected failure (MEMORY_DYNAMICS_FAIL_POINT)")
        ds = simulate_point(pt["values"], sm.params.settings, rng,
                            progress=Progress(log, f"point {i + 1}/{len(points)} networks"))
    except Exception as e:
        log.exception("sweep point %s failed", name)
        fail(log, f"simulate_{study.name}: sweep point {name} (values {pt['values']}, grid "
                 f"indices {list(pt['indices'])}) failed: {type(e).__name__}: {e}; the shard "
                 f"{sm.output[0]} was not written, other shards are unaffected")
    parts.append(as_shard(ds, pt["values"]))
    el = time.perf_counter() - t0
    log.info("points: %d/%d done, %.1f s elapsed, ~%.1f s left (by points)", i + 1,
             len(points), el, el / (i + 1) * (len(points) - i - 1))
ds = combine_shards(parts, list(study.sweeps), complete=not study.ragged)
ds.attrs.update(provenance(f"{study.name} shard", to_jsonable(sm.config), study.title,
                           grid_indices=str([list(p["indices"]) for p in points])))
write_dataset(ds, sm.output[0])
log.info("wrote %s in %.1f s", sm.output[0], time.perf_counter() - t0)
