"""Compare two results/ folders: every merged dataset and every checks table.

Used to prove that a change leaves the science untouched (e.g. a refactor): run the same
preset on two commits, then

    python tools/compare_results.py OLD/results NEW/results

Datasets must be identical (``xarray.testing.assert_identical``: values, dims, coords,
variable attributes, global attributes) except the provenance attributes that name the run
(``history``, ``date_created``, ``source``, ``references``); ``checks.csv`` must be identical
byte for byte. Exit status 0 when everything matches, 1 otherwise (each difference printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import xarray as xr

#: global attributes that name the run or the code, not the science
PROVENANCE = ("history", "date_created", "source", "references")


def _science(path: Path) -> xr.Dataset:
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds = ds.load()
    for key in PROVENANCE:
        ds.attrs.pop(key, None)
    return ds


def compare(old: Path, new: Path) -> list[str]:
    """Differences between two results folders (empty: identical science)."""
    problems = []
    studies = sorted({p.parent.name for p in old.glob("*/*.nc") if p.stem == p.parent.name})
    if not studies:
        problems.append(f"{old}: no merged datasets")
    for study in studies:
        a, b = old / study / f"{study}.nc", new / study / f"{study}.nc"
        if not b.exists():
            problems.append(f"{b}: missing")
            continue
        try:
            xr.testing.assert_identical(_science(a), _science(b))
            print(f"{study}: dataset identical ({a} vs {b})")
        except AssertionError as e:
            problems.append(f"{study}: datasets differ:\n{e}")
        ca, cb = a.with_name("checks.csv"), b.with_name("checks.csv")
        if ca.read_bytes() == cb.read_bytes():
            print(f"{study}: checks.csv identical ({len(ca.read_text().splitlines()) - 1} "
                  "checks)")
        else:
            problems.append(f"{study}: checks.csv differs ({ca} vs {cb})")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path, help="results folder of the reference run")
    ap.add_argument("new", type=Path, help="results folder of the run to check")
    args = ap.parse_args(argv)
    problems = compare(args.old, args.new)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
