"""Rule script: one page (results/summary/) with every study's checks, what they are
evidence of (predictions first), the calibration of z, and the run times."""

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a rule script: no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from memory_dynamics.analysis import checks as chk  # noqa: E402
from memory_dynamics.analysis import plotting  # noqa: E402
from memory_dynamics.io import script_logger  # noqa: E402
from memory_dynamics.registry import get  # noqa: E402

sm = snakemake  # noqa: F821 (provided by Snakemake)
log = script_logger(sm.log[0], "summary")
studies = list(sm.params.studies)
rows = {Path(p).parent.name: chk.read(p) for p in sm.input.checks}
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
                                      peak_rss_mb=("max_rss", "max")).reindex(studies)
checks["known_deviation"] = [
    "" if ok else (chk.known_deviation(get(s).analysis_module(), name) or "")
    for s, name, ok in zip(checks.study, checks.check, checks.passed.astype(bool))]
checks.to_csv(sm.output.checks, index=False)


def shared(study):
    """The study's groups of shared draws (None: its checks use independent draws)."""
    return getattr(get(study).analysis_module(), "shared_draws", None)


def flag(cal):
    return "-" if not cal["n"] else ("YES" if cal["overdispersed"] else "no")


def frac(sel):
    return f"{sum(c.passed for c in sel)} of {len(sel)}" if sel else "-"


by_study, calib = [], []
for s in studies:
    cs = rows[s]
    ev = [c for c in cs if chk.evidence(c)]
    weak = [c for c in cs if c.kind == "prediction" and not chk.evidence(c)]
    cal = chk.calibration(cs, shared(s))
    bad = [c for c in cs if not c.passed]
    known = [c for c in bad if chk.known_deviation(get(s).analysis_module(), c.check)]
    by_study.append({
        "study": get(s).title,
        "predictions passed": frac(ev),
        f"weak predictions (cannot see a {chk.POWER:.0%} error)": frac(weak),
        **{kind: frac([c for c in cs if c.kind == kind]) for kind in chk.KINDS[1:]},
        "failed (known deviations)": f"{len(bad)} ({len(known)})",
        "|z| > 3 (expected)": f"{cal['gt3']} ({cal['expected_gt3']:.1f})" if cal["n"] else "-",
        "simulate CPU s": f"{runtimes.cpu_seconds.get(s, float('nan')):.0f}",
    })
    calib.append({"study": s, "centred predictions": cal["n"],
                  "|z| > 2": cal["gt2"], "expected |z| > 2": round(cal["expected_gt2"], 2),
                  "|z| > 3": cal["gt3"], "expected |z| > 3": round(cal["expected_gt3"], 2),
                  "P(|z| > 3 count >= observed)": cal["p_excess"],
                  "KS distance": cal["ks"], "KS p": cal["ks_p"],
                  "miscalibrated": "YES" if cal["overdispersed"] else "no",
                  "without known deviations": flag(chk.calibration(
                      [c for c in cs if not chk.known_deviation(get(s).analysis_module(),
                                                                c.check)], shared(s)))})
pd.DataFrame(by_study).to_csv(sm.output.by_study, index=False)
calib = pd.DataFrame(calib)
calib.to_csv(sm.output.calibration, index=False, float_format="%.4g")
per_study = checks.groupby("study").agg(checks=("passed", "size"), passed=("passed", "sum"))
for kind in chk.KINDS:  # checks and passes of each kind, e.g. prediction_checks
    sel = checks[checks.kind == kind].groupby("study")
    per_study[f"{kind}_checks"] = sel.size()
    per_study[f"{kind}_passed"] = sel.passed.sum()
per_study = per_study.reindex(studies).fillna(0).astype(int)
per_study.join(runtimes).to_csv(sm.output.runtimes)

# the calibration of z: a QQ panel per study (each z mapped to the normal quantile of its
# null probability, Student t with the check's dof)
with plotting.style():
    shown = [s for s in studies if chk.calibration(rows[s])["n"]]
    ncol = max(1, min(4, len(shown)))
    nrow = max(1, -(-len(shown) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(1.9 * ncol, 1.9 * nrow), squeeze=False)
    for ax, s in zip(axes.flat, shown):
        cal = chk.calibration(rows[s], shared(s))
        q = np.sort(cal["normal"])
        n = len(q)
        ref = stats.norm.ppf((np.arange(n) + 0.5) / n)
        ax.plot(ref, q, ".", ms=2, color="C0")
        lim = max(4.0, float(np.nanmax(np.abs(q))) if n else 4.0)
        ax.plot([-lim, lim], [-lim, lim], "k-", lw=0.6)
        for x in (-3, 3):
            ax.axhline(x, color="0.7", lw=0.4, ls="--")
        ax.set_title(f"{s}: {n} predictions\n|z|>3: {cal['gt3']} (expected "
                     f"{cal['expected_gt3']:.1f})" + (" MISCALIBRATED" if cal["overdispersed"]
                                                       else ""), fontsize=6)
        ax.set_xlabel("null quantile", fontsize=6)
        ax.set_ylabel("z (as normal quantile)", fontsize=6)
    for ax in list(axes.flat)[len(shown):]:
        ax.set_axis_off()
    if not shown:
        plotting.nothing_to_show(axes[0][0], "no prediction checks with a z")
    fig.tight_layout()
    fig.savefig(sm.output.calibration_png, dpi=200)
    fig.savefig(sm.output.calibration_pdf)
    plt.close(fig)

table_rows = []
for s, r in zip(studies, by_study):
    bad = checks[(checks.study == s) & ~checks.passed.astype(bool)]
    status = "all pass" if bad.empty else "FAILED: " + ", ".join(
        html.escape(c) + (" (known deviation, documented)" if k else "")
        for c, k in zip(bad.check, bad.known_deviation))
    cells = "".join(f"<td>{html.escape(str(v))}</td>" for k, v in r.items()
                    if k not in ("study", "simulate CPU s"))
    rt = runtimes.loc[s]
    table_rows.append(f"<tr><td>{s}</td>{cells}<td>{status}</td><td>{int(rt.shards)}</td>"
                      f"<td>{rt.wall_seconds:.1f}</td><td>{rt.cpu_seconds:.1f}</td>"
                      f"<td>{rt.longest_shard_s:.1f}</td><td>{rt.peak_rss_mb:.0f}</td></tr>")
heads = [k for k in by_study[0] if k not in ("study", "simulate CPU s")] if by_study else []
detail = checks.assign(passed=checks.passed.map({True: "pass", False: "FAIL"})).to_html(
    index=False, float_format=lambda x: f"{x:.6g}", border=0, na_rep="")
ev_all = [c for s in studies for c in rows[s] if chk.evidence(c)]
n_ev, n_ev_pass = len(ev_all), sum(c.passed for c in ev_all)
page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>memory-dynamics: summary</title>
<style>body{{font-family:sans-serif;max-width:1300px;margin:2em auto}}
table{{border-collapse:collapse;font-size:13px}}
td,th{{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:left}}</style></head><body>
<h1>memory-dynamics: summary</h1>
<p><b>{n_ev_pass} of {n_ev} predictions pass</b> (theory computed without the simulated data,
against simulation, tolerance from the replicates' standard error, family-wise corrected, and
able to detect a {chk.POWER:.0%} error of the theory, or a predicted sign). Only predictions
are evidence. <i>Weak predictions</i> cannot detect a {chk.POWER:.0%} error (their tolerance
exceeds {chk.POWER:.0%} of the expected value); <i>fitted</i> compares with a theory that takes
parameters from the same simulation; <i>identity</i> and <i>reference</i> are tests of the
code (two of our computations that must agree; our code against an independent closed form
or published number); <i>bound</i> is a theorem or health flag. A "known deviation" is a
failure the study documents as understood science.</p>
<table><tr><th>study</th>{"".join(f"<th>{html.escape(h)}</th>" for h in heads)}
<th>status</th><th>shards</th><th>simulate wall s</th><th>simulate CPU s</th>
<th>longest shard s</th><th>peak RSS MB</th></tr>
{"".join(table_rows)}</table>
<h2>Calibration of z</h2>
<p>Under a correct theory each prediction's z is Student t with its degrees of freedom:
|z| &gt; 3 should be rare. Per study: the counts of |z| &gt; 2 and &gt; 3 against their
expectation under that null, the probability of at least the observed count of |z| &gt; 3,
and the Kolmogorov-Smirnov distance of the z's null probabilities from uniform. A study is
miscalibrated (shifted or over-dispersed z) when either p is below 0.01: a standard error, a
theory bias or an estimator to find, never a threshold to raise. The last column repeats the
test without the checks the study documents as known deviations (real failures of a theory,
explained on its page).</p>
{calib.to_html(index=False, border=0, float_format=lambda x: f"{x:.3g}", na_rep="")}
<p><img src="z_calibration.png" width="800" alt="QQ plots of z per study"></p>
<h2>All checks</h2>
{detail}
</body></html>
"""
Path(sm.output.page).write_text(page)
log.info("%d/%d predictions pass; wrote %s", n_ev_pass, n_ev, sm.output.page)
