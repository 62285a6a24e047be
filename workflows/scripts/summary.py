"""Rule script: one page (results/summary/) with every study's checks and run times."""

import html
from pathlib import Path

import pandas as pd

from memory_dynamics.io import script_logger

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
per_study = checks.groupby("study").agg(checks=("passed", "size"), passed=("passed", "sum"))
table = per_study.join(runtimes).reindex(sm.params.studies)
checks.to_csv(sm.output.checks, index=False)
table.to_csv(sm.output.runtimes)

rows = []
for study, r in table.iterrows():
    failed = checks[(checks.study == study) & ~checks.passed.astype(bool)].check.tolist()
    status = "all pass" if not failed else "FAILED: " + ", ".join(map(html.escape, failed))
    rows.append(f"<tr><td>{study}</td><td>{int(r.passed)}/{int(r.checks)}</td>"
                f"<td>{status}</td><td>{int(r.shards)}</td><td>{r.wall_seconds:.1f}</td>"
                f"<td>{r.cpu_seconds:.1f}</td>"
                f"<td>{r.longest_shard_s:.1f}</td><td>{r.peak_rss_mb:.0f}</td></tr>")
detail = checks.assign(passed=checks.passed.map({True: "pass", False: "FAIL"})).to_html(
    index=False, float_format=lambda x: f"{x:.6g}", border=0)
n_pass, n = int(checks.passed.sum()), len(checks)
page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>memory-dynamics: summary</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}
table{{border-collapse:collapse;font-size:13px}}
td,th{{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:left}}</style></head><body>
<h1>memory-dynamics: summary</h1>
<p>{n_pass} of {n} checks pass. Compute time of the simulate jobs (Snakemake benchmarks),
summed over shards: wall-clock and CPU seconds; the longest shard; peak resident memory of
the largest shard.</p>
<table><tr><th>study</th><th>checks passed</th><th>status</th><th>shards</th>
<th>simulate wall s</th><th>simulate CPU s</th><th>longest shard s</th>
<th>peak RSS MB</th></tr>
{"".join(rows)}</table>
<h2>All checks</h2>
{detail}
</body></html>
"""
Path(sm.output.page).write_text(page)
log.info("%d/%d checks pass; wrote %s", n_pass, n, sm.output.page)
