"""Theory-versus-simulation checks, written to ``results/<study>/checks.csv``.

Each row: ``check, kind, description, expected, observed, tolerance, z, bound, relation,
passed``. A comparison with a tolerance fills ``expected``, ``tolerance`` and (simulation)
``z``; a bound fills ``bound`` and ``relation`` (``observed <= bound``, ``observed >= bound``
or ``observed < bound``) and leaves the others empty. ``kind`` says what is compared:

* ``simulation`` — a simulated estimate against its theory; the tolerance is n_sigma times
  the standard error from independent replicates (the estimator is named in the
  description), family-wise corrected over the check family (:func:`sidak`), and
  ``z = (observed − expected) / SE``;
* ``theory`` — our theory code against an independent closed form or a published number;
  the tolerance comes from numerical precision (or the published number's digits);
* ``bound`` — a theorem that holds by construction or a health flag of the numerics, kept
  only where a violation would reveal a bug (the description says which).

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

__all__ = ["KINDS", "Check", "mean_se", "sidak", "within", "within_se", "at_most_se",
           "significant_se",
           "at_least", "at_most", "below", "write", "read", "counts",
           "known_deviation"]

#: the kinds of check, in the order the summary lists them
KINDS = ("simulation", "theory", "bound")

#: how a bound is compared ("" for a comparison within a tolerance)
RELATIONS = ("", "observed <= bound", "observed >= bound", "observed < bound")


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
           kind: str = "theory") -> Check:
    """|observed − expected| ≤ tolerance (NaN fails); a ``theory`` check unless told."""
    ok = bool(np.abs(observed - expected) <= tolerance)
    return Check(check, kind, description, float(expected), float(observed), float(tolerance),
                 math.nan, ok)


def within_se(check: str, description: str, expected, observed, se, n_se: float = 3.0
              ) -> Check:
    """``simulation`` check: |observed − expected| ≤ n_se · se; z = (observed − expected)/se.

    A zero, negative or non-finite SE fails (a check that cannot fail is a defect)."""
    se = float(se)
    z = (float(observed) - float(expected)) / se if se > 0 else math.nan
    ok = bool(se > 0 and np.isfinite(se) and abs(z) <= n_se)
    return Check(check, "simulation", f"{description} (tolerance {n_se:.3g} standard errors)",
                 float(expected), float(observed), n_se * se, z, ok)


def at_most_se(check: str, description: str, bound, observed, se, n_se: float = 3.0
               ) -> Check:
    """One-sided ``simulation`` check: observed ≤ bound + n_se · se; z = (observed − bound)/se.

    For a simulated value whose theory is an upper bound (e.g. MC ≤ N). A zero, negative or
    non-finite SE fails."""
    se = float(se)
    z = (float(observed) - float(bound)) / se if se > 0 else math.nan
    ok = bool(se > 0 and np.isfinite(se) and z <= n_se)
    return Check(check, "simulation", f"{description} (one-sided tolerance {n_se:.3g} "
                 "standard errors)", float(bound), float(observed), n_se * se, z, ok)


def significant_se(check: str, description: str, observed, se, n_se: float,
                   below: bool = False) -> Check:
    """``simulation`` check that observed differs from 0 by at least n_se · se, above (or
    ``below``): an ordering established by a paired statistic. A zero or non-finite SE
    fails."""
    se = float(se)
    z = float(observed) / se if se > 0 else math.nan
    ok = bool(np.isfinite(z) and (z <= -n_se if below else z >= n_se))
    return Check(check, "simulation", description, 0.0, float(observed), n_se * se, z, ok)


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
COLUMNS = ["check", "kind", "description", "expected", "observed", "tolerance", "z", "bound",
           "relation", "passed"]
_NUMERIC = ("expected", "observed", "tolerance", "z", "bound")


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
                      r["passed"] == "True", num(r["bound"]), r["relation"])
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
    head = "".join(f"<th>{k}</th>" for k in [*COLUMNS, "known deviation"])
    Path(path).write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}: checks</title>
<style>body{{font-family:sans-serif;font-size:13px}} table{{border-collapse:collapse}}
td,th{{padding:2px 6px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
tr.fail td{{background:#fde2e2}}</style></head><body>
<h2>{html.escape(title)}: {sum(c.passed for c in checks)} of {len(checks)} checks pass
({summary})</h2>
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
