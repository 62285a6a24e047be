"""Rule script: compare theory with simulation and write checks.csv."""

from memory_dynamics.analysis import checks
from memory_dynamics.io import read_dataset, script_logger
from memory_dynamics.registry import get

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = get(sm.wildcards.study)
log = script_logger(sm.log[0], f"checks_{study.name}")
result = study.analysis_module().make_checks(read_dataset(sm.input[0]))
checks.write(result, sm.output[0])
failed = [c for c in result if not c.passed]
log.info("%d checks, %d failed", len(result), len(failed))
for c in failed:
    log.warning("FAILED %s: expected %g, observed %g, tolerance %g (%s)", c.check, c.expected,
                c.observed, c.tolerance, c.description)
