"""Theory-versus-simulation checks, written to ``results/<study>/checks.csv``.

Each row: ``check, description, expected, observed, tolerance, passed``. The relation is
spelled out in the description; tolerances come from standard errors wherever the observed
value is a simulated estimate. A failed check is reported, never hidden.
"""

from __future__ import annotations

import csv
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import numpy as np

__all__ = ["Check", "mean_se", "within", "within_se", "at_least", "at_most", "below", "write",
           "read"]


@dataclass(frozen=True)
class Check:
    check: str
    description: str
    expected: float
    observed: float
    tolerance: float
    passed: bool


def mean_se(x, dim: str | None = None):
    """Mean over independent replicates and its standard error, ``std(ddof=1) / sqrt(n)``.

    ``x`` is a DataArray with the replicate dimension ``dim``, or a 1-D array of replicates.
    """
    if dim is not None:
        return x.mean(dim), x.std(dim, ddof=1) / np.sqrt(x.sizes[dim])
    x = np.asarray(x)
    return x.mean(), x.std(ddof=1) / np.sqrt(len(x))


def within(check: str, description: str, expected, observed, tolerance) -> Check:
    """|observed − expected| ≤ tolerance (NaN fails)."""
    ok = bool(np.abs(observed - expected) <= tolerance)
    return Check(check, description, float(expected), float(observed), float(tolerance), ok)


def within_se(check: str, description: str, expected, observed, se, n_se: float = 3.0
              ) -> Check:
    """|observed − expected| ≤ n_se · se; the tolerance column holds n_se · se."""
    return within(check, f"{description} (tolerance {n_se:g} standard errors)",
                  expected, observed, n_se * se)


def at_least(check: str, description: str, expected, observed) -> Check:
    """observed ≥ expected."""
    return Check(check, description, float(expected), float(observed), 0.0,
                 bool(observed >= expected))


def at_most(check: str, description: str, expected, observed) -> Check:
    """observed ≤ expected."""
    return Check(check, description, float(expected), float(observed), 0.0,
                 bool(observed <= expected))


def below(check: str, description: str, expected, observed) -> Check:
    """observed < expected."""
    return Check(check, description, float(expected), float(observed), 0.0,
                 bool(observed < expected))


COLUMNS = [f.name for f in fields(Check)]


def write(checks: list[Check], path: str | Path) -> None:
    """Write checks to CSV (atomically: a temporary file renamed into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for c in checks:
            row = list(astuple(c))
            row[2:5] = [f"{v:.10g}" for v in row[2:5]]
            w.writerow(row)
    tmp.replace(path)


def read(path: str | Path) -> list[Check]:
    with open(path, newline="") as f:
        return [Check(r["check"], r["description"], float(r["expected"]),
                      float(r["observed"]), float(r["tolerance"]), r["passed"] == "True")
                for r in csv.DictReader(f)]
