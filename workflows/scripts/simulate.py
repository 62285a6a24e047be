"""Rule script: simulate one sweep point of a study and write its shard."""

import importlib
import time

from analysis.io import Progress, as_shard, provenance, script_logger, to_jsonable, \
    write_dataset
from sim.rng import point_rng

sm = snakemake  # noqa: F821 (provided by Snakemake)
study, pt = sm.params.study, sm.params.point
log = script_logger(sm.log[0], f"simulate_{study}")
log.info("point %s (grid indices %s), settings %s", pt["values"], pt["indices"],
         sm.params.settings)
t0 = time.perf_counter()
module = importlib.import_module(f"sim.{study}")
rng = point_rng(sm.params.root_seed, *pt["indices"])
ds = module.simulate_point(pt["values"], sm.params.settings, rng,
                           progress=Progress(log, "networks"))
ds = as_shard(ds, pt["values"])
ds.attrs.update(provenance(f"{study} shard {pt['values']}", to_jsonable(sm.config),
                           module.__doc__.strip().splitlines()[0],
                           grid_indices=list(pt["indices"])))
write_dataset(ds, sm.output[0])
log.info("wrote %s in %.1f s", sm.output[0], time.perf_counter() - t0)
