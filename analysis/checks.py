"""Theory-versus-simulation checks, written to ``results/<study>/checks.csv``.

Each row: ``check, kind, description, expected, observed, tolerance, z, dof, detectable,
bound, relation, passed``. A comparison with a tolerance fills ``expected``, ``tolerance``
and (against a simulation) ``z`` and ``dof``; a bound fills ``bound`` and ``relation``
(``observed <= bound``, ``observed >= bound`` or ``observed < bound``) and leaves the others
empty. ``kind`` says honestly what is compared:

* ``prediction`` — a simulated estimate against theory computed **without the simulated
  data** (from the model's parameters, or from the drawn network itself, never from its
  simulated trajectories); the tolerance is n_sigma times the standard error from independent
  replicates (the estimator is named in the description), family-wise corrected over the
  check family (:func:`sidak`), ``z = (observed − expected) / SE`` with ``dof`` degrees of
  freedom of the SE (Student t; empty for a Poisson count). Only predictions are evidence
  for the theory;
* ``fitted`` — the same comparison against a theory whose parameters or statistics are
  taken from the same simulation (a consistency check of the fit, not evidence);
* ``identity`` — algebraic or solver consistency (two of our computations that must agree,
  a regime that is linear by construction); a code test;
* ``reference`` — our code against an independent closed form or a published number; the
  tolerance comes from numerical precision (or the published number's digits);
* ``bound`` — a theorem that holds by construction or a health flag of the numerics, kept
  only where a violation would reveal a bug (the description says which).

``detectable`` is the smallest relative error of the theory the check can detect, its
tolerance over |expected| (empty where expected is 0 or for a bound): a check whose
``detectable`` exceeds 0.2 cannot see a 20 % error of the theory.

A failed check is reported, never hidden. Where a failure is understood science (e.g. a
finite-size deviation from a large-N theory), the study module lists it in
``KNOWN_DEVIATIONS`` with the reason; it still fails in ``checks.csv``.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["KINDS", "EVIDENCE", "WITH_SE", "POWER", "calibration", "centred", "evidence",
           "Check", "mean_se", "sidak", "within", "within_se", "at_most_se",
           "significant_se",
           "at_least", "at_most", "below", "write", "read", "counts",
           "known_deviation"]

#: the kinds of check, in the order the summary lists them
KINDS = ("prediction", "fitted", "identity", "reference", "bound")
#: the kinds that are evidence for a theory (the others test the code)
EVIDENCE = ("prediction",)
#: the kinds whose tolerance is a standard error of simulated replicates
WITH_SE = ("prediction", "fitted")

#: a prediction that cannot detect a relative theory error of this size has no power worth
#: counting as evidence (its ``detectable`` is larger)
POWER = 0.2

#: how a bound is compared ("" for a comparison within a tolerance)
#: ("observed > 0" / "observed < 0": a predicted sign, by at least the tolerance)
RELATIONS = ("", "observed <= bound", "observed >= bound", "observed < bound", "observed > 0",
             "observed < 0")


@dataclass(frozen=True)
class Check:
    check: str
    kind: str
    description: str
    expected: float
    observed: float
    tolerance: float
    z: float
    passed: bool
    bound: float = math.nan
    relation: str = ""
    dof: float = math.nan

    @property
    def detectable(self) -> float:
        """Smallest relative theory error the check detects: tolerance / |expected|."""
        e = abs(self.expected)
        return self.tolerance / e if e > 0 and math.isfinite(self.tolerance) else math.nan

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"check {self.check}: kind {self.kind!r} not in {KINDS}")
        if self.relation not in RELATIONS:
            raise ValueError(f"check {self.check}: relation {self.relation!r} not in "
                             f"{RELATIONS}")


def mean_se(x, dim: str | None = None):
    """Mean over independent replicates and its standard error, ``std(ddof=1) / sqrt(n)``.

    ``x`` is a DataArray with the replicate dimension ``dim``, or a 1-D array of replicates.
    """
    if dim is not None:
        return x.mean(dim), x.std(dim, ddof=1) / np.sqrt(x.sizes[dim])
    x = np.asarray(x)
    return x.mean(), x.std(ddof=1) / np.sqrt(len(x))


def sidak(m: int, n_sigma: float = 3.0, dof: int | None = None,
          one_sided: bool = False) -> float:
    """Per-comparison |z| threshold of a family of ``m`` checks whose family-wise false-alarm
    rate is that of one two-sided ``n_sigma`` normal test (Šidák 1967): 3.0 for m = 1, 3.8
    for m = 20. With ``dof`` (an SE estimated from dof + 1 replicates) the threshold is the
    Student-t quantile of the same per-comparison rate: few replicates estimate their own
    spread poorly (4 replicates, m = 1: 9.2; 16 replicates, m = 60: 5.7). ``one_sided``: the
    threshold of one-sided tests (z <= threshold) at the same family-wise rate."""
    from scipy import stats

    p1 = 2 * stats.norm.sf(n_sigma)
    per = (1 - (1 - p1) ** (1 / max(m, 1))) / (1 if one_sided else 2)
    if dof is None:
        return float(stats.norm.isf(per))
    return float(stats.t.isf(per, dof)) if dof >= 1 else math.inf


def within(check: str, description: str, expected, observed, tolerance,
           kind: str = "reference") -> Check:
    """|observed − expected| ≤ tolerance (NaN fails); a ``reference`` check unless told
    (``identity`` for two of our computations that must agree)."""
    ok = bool(np.abs(observed - expected) <= tolerance)
    return Check(check, kind, description, float(expected), float(observed), float(tolerance),
                 math.nan, ok)


def within_se(check: str, description: str, expected, observed, se, n_se: float = 3.0,
              dof: float | None = None, kind: str = "prediction") -> Check:
    """|observed − expected| ≤ n_se · se; z = (observed − expected)/se, an SE with ``dof``
    degrees of freedom; a ``prediction`` unless told (``fitted``, ``identity``).

    A zero, negative or non-finite SE fails (a check that cannot fail is a defect)."""
    se = float(se)
    z = (float(observed) - float(expected)) / se if se > 0 else math.nan
    ok = bool(se > 0 and np.isfinite(se) and abs(z) <= n_se)
    return Check(check, kind, f"{description} (tolerance {n_se:.3g} standard errors)",
                 float(expected), float(observed), n_se * se, z, ok,
                 dof=math.nan if dof is None else float(dof))


def at_most_se(check: str, description: str, bound, observed, se, n_se: float = 3.0,
               dof: float | None = None, kind: str = "bound") -> Check:
    """One-sided check of a simulated value against a theorem's bound: observed ≤ bound +
    n_se · se; z = (observed − bound)/se (e.g. MC ≤ N). A ``bound`` unless told. A zero,
    negative or non-finite SE fails."""
    se = float(se)
    z = (float(observed) - float(bound)) / se if se > 0 else math.nan
    ok = bool(se > 0 and np.isfinite(se) and z <= n_se)
    return Check(check, kind, f"{description} (one-sided tolerance {n_se:.3g} "
                 "standard errors)", float(bound), float(observed), n_se * se, z, ok,
                 dof=math.nan if dof is None else float(dof))


def significant_se(check: str, description: str, observed, se, n_se: float,
                   below: bool = False, dof: float | None = None) -> Check:
    """``prediction`` of a sign: observed differs from 0 by at least n_se · se, above (or
    ``below``): an ordering the theory predicts, established by a paired statistic. A zero
    or non-finite SE fails. (Its z is not centred under the theory: it is left out of the
    calibration of z.)"""
    se = float(se)
    z = float(observed) / se if se > 0 else math.nan
    ok = bool(np.isfinite(z) and (z <= -n_se if below else z >= n_se))
    return Check(check, "prediction", description, 0.0, float(observed), n_se * se, z, ok,
                 relation="observed < 0" if below else "observed > 0",
                 dof=math.nan if dof is None else float(dof))


def _bound(check, description, bound, observed, kind, relation, ok) -> Check:
    return Check(check, kind, description, math.nan, float(observed), math.nan, math.nan,
                 bool(ok), float(bound), relation)


def at_least(check: str, description: str, bound, observed, kind: str = "bound") -> Check:
    """observed ≥ bound (NaN fails)."""
    return _bound(check, description, bound, observed, kind, "observed >= bound",
                  observed >= bound)


def at_most(check: str, description: str, bound, observed, kind: str = "bound") -> Check:
    """observed ≤ bound (NaN fails)."""
    return _bound(check, description, bound, observed, kind, "observed <= bound",
                  observed <= bound)


def below(check: str, description: str, bound, observed, kind: str = "bound") -> Check:
    """observed < bound (NaN fails)."""
    return _bound(check, description, bound, observed, kind, "observed < bound",
                  observed < bound)


#: the columns of checks.csv, in order
COLUMNS = ["check", "kind", "description", "expected", "observed", "tolerance", "z", "dof",
           "detectable", "bound", "relation", "passed"]
_NUMERIC = ("expected", "observed", "tolerance", "z", "dof", "detectable", "bound")


def _fmt(v: float) -> str:
    return "" if math.isnan(v) else f"{v:.10g}"


def write(checks: list[Check], path: str | Path) -> None:
    """Write checks to CSV (atomically: a temporary file renamed into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for c in checks:
            w.writerow([_fmt(getattr(c, k)) if k in _NUMERIC else getattr(c, k)
                        for k in COLUMNS])
    tmp.replace(path)


def read(path: str | Path) -> list[Check]:
    def num(s):
        return float(s) if s else math.nan

    with open(path, newline="") as f:
        return [Check(r["check"], r["kind"], r["description"], num(r["expected"]),
                      num(r["observed"]), num(r["tolerance"]), num(r["z"]),
                      r["passed"] == "True", num(r["bound"]), r["relation"], num(r.get("dof", "")))
                for r in csv.DictReader(f)]


def write_html(checks: list[Check], path: str | Path, title: str, module=None) -> None:
    """The checks as an HTML table (the report shows it inline): failures first, each with
    its known-deviation reason if the study ``module`` documents one."""
    import html

    def cell(c, k):
        v = getattr(c, k)
        return _fmt(v) if k in _NUMERIC else html.escape(str(v))

    rows = sorted(checks, key=lambda c: c.passed)
    body = "".join(
        "<tr{}>{}<td>{}</td></tr>".format(
            "" if c.passed else ' class="fail"',
            "".join(f"<td>{cell(c, k)}</td>" for k in COLUMNS),
            html.escape(known_deviation(module, c.check) or "") if not c.passed else "")
        for c in rows)
    summary = ", ".join(f"{ok} of {tot} {kind}" for kind, (ok, tot) in counts(checks).items())
    ev = [c for c in checks if evidence(c)]
    head = "".join(f"<th>{k}</th>" for k in [*COLUMNS, "known deviation"])
    Path(path).write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}: checks</title>
<style>body{{font-family:sans-serif;font-size:13px}} table{{border-collapse:collapse}}
td,th{{padding:2px 6px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
tr.fail td{{background:#fde2e2}}</style></head><body>
<h2>{html.escape(title)}: {sum(c.passed for c in ev)} of {len(ev)} predictions pass</h2>
<p>{sum(c.passed for c in checks)} of {len(checks)} checks pass ({summary}); only predictions
able to see a {POWER:.0%} error of the theory (or a predicted sign) are evidence.</p>
<table><tr>{head}</tr>
{body}</table></body></html>
""")


def counts(checks: list[Check]) -> dict[str, tuple[int, int]]:
    """``{kind: (passed, total)}`` for the kinds present."""
    out = {}
    for kind in KINDS:
        sel = [c for c in checks if c.kind == kind]
        if sel:
            out[kind] = (sum(c.passed for c in sel), len(sel))
    return out


def known_deviation(module, check: str) -> str | None:
    """The documented reason why ``check`` of a study may fail (its ``KNOWN_DEVIATIONS``:
    pairs of a regular expression of check names and the reason), or None."""
    for pattern, reason in getattr(module, "KNOWN_DEVIATIONS", ()):
        if re.match(pattern, check):
            return reason
    return None


def evidence(c: Check) -> bool:
    """A prediction counted as evidence: it can detect a relative theory error of
    :data:`POWER` (``detectable`` ≤ POWER), or it tests a predicted sign."""
    return c.kind in EVIDENCE and (c.relation in ("observed > 0", "observed < 0")
                                   or c.detectable <= POWER)


def centred(c: Check) -> bool:
    """A prediction whose z is centred at 0 under a correct theory: a comparison with a
    finite z (not a sign test or a bound)."""
    return c.kind == "prediction" and c.relation == "" and math.isfinite(c.z)


def calibration(checks: list[Check], shared=None) -> dict:
    """Calibration of the z of the centred predictions (:func:`centred`) against their null.

    Under a correct theory each z is Student t with the check's ``dof`` (normal where it has
    none: Poisson counts, SEs with many degrees of freedom). Returns the number of checks
    ``n``, the counts of |z| > 2 and > 3 with their expectations under the null, the
    Kolmogorov–Smirnov distance ``ks`` of the probability integral transform F(z) from the
    uniform and its p-value, and ``p_excess`` = P(count of |z| > 3 ≥ observed) under the
    null (Poisson with the expected count). Checks that share draws (``shared``: a function
    of the check name giving its group of shared draws, e.g. the study's ``shared_draws``)
    are correlated, so their excess is tested jointly: ``p_excess`` is then one-sided normal
    for the total excess over its cluster-robust variance, the sum over groups of the squared
    excess of each group. ``overdispersed`` (miscalibrated: shifted or over-dispersed z)
    when p_excess or the KS p-value is below 0.01. ``normal`` holds each z mapped to the
    normal quantile of its null probability (for a QQ plot).
    """
    from scipy import stats

    sel = [c for c in checks if centred(c)]
    z = np.array([c.z for c in sel], float)
    dof = np.array([c.dof for c in sel], float)
    finite = np.isfinite(dof) & (dof >= 1)
    cdf = np.where(finite, stats.t.cdf(z, np.where(finite, dof, 1)), stats.norm.cdf(z))

    def tail(x):  # P(|z| > x) under each check's null
        return np.where(finite, 2 * stats.t.sf(x, np.where(finite, dof, 1)),
                        2 * stats.norm.sf(x))

    out = {"n": len(sel), "gt2": int(np.sum(np.abs(z) > 2)), "gt3": int(np.sum(np.abs(z) > 3)),
           "expected_gt2": float(tail(2.0).sum()), "expected_gt3": float(tail(3.0).sum()),
           "ks": math.nan, "ks_p": math.nan, "p_excess": math.nan,
           "normal": stats.norm.ppf(np.clip(cdf, 1e-16, 1 - 1e-16))}
    if len(sel):
        ks = stats.kstest(cdf, "uniform")
        out.update(ks=float(ks.statistic), ks_p=float(ks.pvalue),
                   p_excess=float(stats.poisson.sf(out["gt3"] - 1, out["expected_gt3"])))
        if shared is not None:
            excess: dict = {}
            for c, o, e in zip(sel, np.abs(z) > 3, tail(3.0)):
                key = shared(c.check)
                excess[key] = excess.get(key, 0.0) + float(o) - float(e)
            var = sum(v * v for v in excess.values())
            total = out["gt3"] - out["expected_gt3"]
            out["p_excess"] = float(stats.norm.sf(total / math.sqrt(var))) if var > 0 else (
                1.0 if total <= 0 else 0.0)
            out["groups"] = len(excess)
    out["overdispersed"] = bool(len(sel) and (out["p_excess"] < 0.01 or out["ks_p"] < 0.01))
    return out
