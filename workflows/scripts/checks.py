"""Rule script: compare theory with simulation and write checks.csv."""

from memory_dynamics.analysis import checks
from memory_dynamics.io import read_dataset, script_logger
from memory_dynamics.registry import get

sm = snakemake  # noqa: F821 (provided by Snakemake)
study = get(sm.wildcards.study)
log = script_logger(sm.log[0], f"checks_{study.name}")
analysis = study.analysis_module()
result = analysis.make_checks(read_dataset(sm.input[0]))
checks.write(result, sm.output.csv)
checks.write_html(result, sm.output.html, study.title, analysis)
by_kind = ", ".join(f"{kind} {ok}/{n}" for kind, (ok, n) in checks.counts(result).items())
evidence = [c for c in result if checks.evidence(c)]
log.info("%d of %d predictions pass (%d checks; passed by kind: %s)",
         sum(c.passed for c in evidence), len(evidence), len(result), by_kind)
for c in result:
    if not c.passed:
        reason = checks.known_deviation(analysis, c.check)
        what = (f"{c.relation} with bound {c.bound:g}" if c.relation else
                f"expected {c.expected:g}, tolerance {c.tolerance:g}, z {c.z:g}")
        log.warning("FAILED %s%s: observed %g, %s (%s)", c.check,
                    f" (known deviation: {reason})" if reason else "", c.observed, what,
                    c.description)
