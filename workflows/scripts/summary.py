"""Rule script: one page (results/summary/) with every study's checks and run times."""

import html
from pathlib import Path

import pandas as pd

from memory_dynamics.analysis.checks import KINDS, known_deviation
from memory_dynamics.io import script_logger
from memory_dynamics.registry import get

sm = snakemake  # noqa: F821 (provided by Snakemake)
log = script_logger(sm.log[0], "summary")
checks = pd.concat([pd.read_csv(p).assign(study=Path(p).parent.name)
                    for p in sm.input.checks], ignore_index=True)
checks = checks[["study", *[c for c in checks.columns if c != "study"]]]
bench = pd.concat([pd.read_csv(p, sep="\t").assign(study=Path(p).parts[-4])
                   for p in sm.input.benchmarks], ignore_index=True)
bench["cpu_time"] = pd.to_numeric(bench["cpu_time"], errors="coerce")  # "NA": too short
bench["max_rss"] = pd.to_numeric(bench["max_rss"], errors="coerce")
runtimes = bench.groupby("study").agg(shards=("s", "size"), wall_seconds=("s", "sum"),
                                      cpu_seconds=("cpu_time", "sum"),
                                      longest_shard_s=("s", "max"),
                                      peak_rss_mb=("max_rss", "max"))
checks["known_deviation"] = [
    "" if ok else (known_deviation(get(s).analysis_module(), name) or "")
    for s, name, ok in zip(checks.study, checks.check, checks.passed.astype(bool))]
per_study = checks.groupby("study").agg(checks=("passed", "size"), passed=("passed", "sum"))
for kind in KINDS:  # checks and passes of each kind, e.g. simulation_checks, simulation_passed
    sel = checks[checks.kind == kind].groupby("study")
    per_study[f"{kind}_checks"] = sel.size()
    per_study[f"{kind}_passed"] = sel.passed.sum()
per_study = per_study.fillna(0).astype(int)
table = per_study.join(runtimes).reindex(sm.params.studies)
checks.to_csv(sm.output.checks, index=False)
table.to_csv(sm.output.runtimes)
# the report's landing page shows this table (workflows/report/workflow.rst)
failed = checks[~checks.passed.astype(bool)]
known = failed.known_deviation != ""
pd.DataFrame({
    "study": [get(s).title for s in table.index],
    "checks passed": [f"{int(r.passed)} of {int(r.checks)}" for _, r in table.iterrows()],
    **{kind: [f"{int(r[f'{kind}_passed'])}/{int(r[f'{kind}_checks'])}"
              if r[f"{kind}_checks"] else "-" for _, r in table.iterrows()] for kind in KINDS},
    "failed (known deviations)": [
        f"{(failed.study == s).sum()} ({((failed.study == s) & known).sum()})"
        for s in table.index],
    "simulate CPU s": [f"{r.cpu_seconds:.0f}" for _, r in table.iterrows()],
}).to_csv(sm.output.by_study, index=False)

rows = []
for study, r in table.iterrows():
    bad = checks[(checks.study == study) & ~checks.passed.astype(bool)]
    status = "all pass" if bad.empty else "FAILED: " + ", ".join(
        html.escape(c) + (" (known deviation, documented)" if k else "")
        for c, k in zip(bad.check, bad.known_deviation))
    kinds = "<br>".join(f"{kind} {int(r[f'{kind}_passed'])}/{int(r[f'{kind}_checks'])}"
                        for kind in KINDS if r[f"{kind}_checks"])
    rows.append(f"<tr><td>{study}</td><td>{kinds}</td>"
                f"<td>{status}</td><td>{int(r.shards)}</td><td>{r.wall_seconds:.1f}</td>"
                f"<td>{r.cpu_seconds:.1f}</td>"
                f"<td>{r.longest_shard_s:.1f}</td><td>{r.peak_rss_mb:.0f}</td></tr>")
detail = checks.assign(passed=checks.passed.map({True: "pass", False: "FAIL"})).to_html(
    index=False, float_format=lambda x: f"{x:.6g}", border=0)
n_pass, n = int(checks.passed.sum()), len(checks)
by_kind = ", ".join(f"{int(checks[checks.kind == k].passed.sum())} of "
                    f"{int((checks.kind == k).sum())} {k}" for k in KINDS
                    if (checks.kind == k).any())
page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>memory-dynamics: summary</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}
table{{border-collapse:collapse;font-size:13px}}
td,th{{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:left}}</style></head><body>
<h1>memory-dynamics: summary</h1>
<p>{n_pass} of {n} checks pass: {by_kind} checks. Kinds: <i>simulation</i> = a simulated
estimate against its theory, tolerance n_sigma x its standard error from independent
replicates, family-wise corrected (z is the deviation in standard errors); <i>theory</i> = our
theory code against an independent closed form or published number (numerical tolerance);
<i>bound</i> = a theorem or health flag whose violation would reveal a bug. A "known
deviation" is a failure the study documents as understood science.</p>
<p>Compute time of the simulate jobs (Snakemake benchmarks), summed over shards:
wall-clock and CPU seconds; the longest shard; peak resident memory of the largest
shard.</p>
<table><tr><th>study</th><th>checks passed, by kind</th><th>status</th><th>shards</th>
<th>simulate wall s</th><th>simulate CPU s</th><th>longest shard s</th>
<th>peak RSS MB</th></tr>
{"".join(rows)}</table>
<h2>All checks</h2>
{detail}
</body></html>
"""
Path(sm.output.page).write_text(page)
log.info("%d/%d checks pass (%s); wrote %s", n_pass, n, by_kind, sm.output.page)
