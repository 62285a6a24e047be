"""Rule script: simulate the sweep points of one shard and write the shard file."""

import os
import time

from memory_dynamics.api import simulate_points
from memory_dynamics.config import point_id
from memory_dynamics.io import (
    Progress,
    fail,
    provenance,
    script_logger,
    to_jsonable,
    write_dataset,
)
from memory_dynamics.registry import get

sm = snakemake  # noqa: F821 (provided by Snakemake)
study, points = get(sm.wildcards.study), sm.params.points
log = script_logger(sm.log[0], f"simulate_{study.name}")
log.info("%d sweep point(s), settings %s", len(points), sm.params.settings)
t0 = time.perf_counter()
current = {}


def started(i, pt):
    """Log the point (and the time left by points), name it for errors, inject faults."""
    el = time.perf_counter() - t0
    if i:
        log.info("points: %d/%d done, %.1f s elapsed, ~%.1f s left (by points)", i,
                 len(points), el, el / i * (len(points) - i))
    log.info("point %d/%d: %s (grid indices %s)", i + 1, len(points), pt["values"],
             pt["indices"])
    current.update(pt=pt, name=f"{study.name}/{point_id(study.name, pt['values'])}")
    if os.environ.get("MEMORY_DYNAMICS_FAIL_POINT") == current["name"]:  # fault injection
        raise RuntimeError("injected failure (MEMORY_DYNAMICS_FAIL_POINT)")
    return Progress(log, f"point {i + 1}/{len(points)} networks")


try:
    ds = simulate_points(study.name, points, sm.params.settings, sm.params.root_seed,
                         progress=started)
except Exception as e:
    log.exception("simulate_%s failed", study.name)
    if not current:
        where = "before its first sweep point"
    else:
        pt = current["pt"]
        where = (f"sweep point {current['name']} (values {pt['values']}, grid indices "
                 f"{list(pt['indices'])})")
        if pt is points[-1]:
            where += " or the combining of the shard's points after it"
    fail(log, f"simulate_{study.name}: {where} failed: {type(e).__name__}: {e}; the shard "
         f"{sm.output[0]} was not written, other shards are unaffected")
ds.attrs.update(provenance(f"{study.name} shard", to_jsonable(sm.config), study.title,
                           grid_indices=str([list(p["indices"]) for p in points])))
write_dataset(ds, sm.output[0])
log.info("wrote %s in %.1f s", sm.output[0], time.perf_counter() - t0)
