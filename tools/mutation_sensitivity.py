"""Mutation sensitivity of the checks: how many predictions fail when the theory is wrong.

Every ``*_theory`` variable of a merged dataset is multiplied by a factor (1.05 and 1.02 by
default) and the study's checks are made again; the table gives, per study, the share of
prediction checks that fail (all predictions, and those counted as evidence: able to see a
20 % error, or a predicted sign), against the share that fails with the true theory.

    python tools/mutation_sensitivity.py results [--factors 1.05 1.02] [--study hopfield]

A study whose predictions do not fail under a 5 % theory error cannot tell a 5 % error from
the truth; the goal for the default preset is >= 50 % at +5 % in every study with
predictions (docs/checks.md quotes the measured table).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from memory_dynamics.analysis import checks as chk
from memory_dynamics.io import read_dataset
from memory_dynamics.registry import get


def mutated(ds, factor: float):
    """``ds`` with every theory variable multiplied by ``factor`` (attributes kept)."""
    out = ds.copy()
    for name in ds.data_vars:
        if str(name).endswith("_theory"):
            out[name] = ds[name] * factor
            out[name].attrs = ds[name].attrs
    return out


def sensitivity(results: Path, study: str, factors=(1.05, 1.02)) -> dict:
    """``{"study", "predictions", "evidence", "fail_at_1" , "fail_at_<f>", ...}``: shares
    of prediction checks (and of evidence) failing at each factor."""
    ds = read_dataset(Path(results) / study / f"{study}.nc")
    make = get(study).analysis_module().make_checks

    def shares(rows):
        pred = [c for c in rows if c.kind == "prediction"]
        ev = [c for c in pred if chk.evidence(c)]
        return (sum(not c.passed for c in pred) / len(pred) if pred else float("nan"),
                sum(not c.passed for c in ev) / len(ev) if ev else float("nan"),
                len(pred), len(ev))

    base = shares(make(ds))
    out = {"study": study, "predictions": base[2], "evidence": base[3],
           "fail_at_1": base[0], "evidence_fail_at_1": base[1]}
    for f in factors:
        s = shares(make(mutated(ds, f)))
        out[f"fail_at_{f:g}"], out[f"evidence_fail_at_{f:g}"] = s[0], s[1]
    return out


def table(rows: list[dict], factors) -> str:
    """A markdown table of :func:`sensitivity` rows."""
    head = ["study", "predictions (evidence)", "fail, true theory"] + [
        f"fail at x{f:g} (evidence)" for f in factors]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["study"], f"{r['predictions']} ({r['evidence']})",
                 f"{r['fail_at_1']:.0%}"] + [
            f"{r[f'fail_at_{f:g}']:.0%} ({r[f'evidence_fail_at_{f:g}']:.0%})" for f in factors]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", type=Path)
    p.add_argument("--factors", type=float, nargs="+", default=[1.05, 1.02])
    p.add_argument("--study", action="append", help="default: every study in RESULTS")
    args = p.parse_args(argv)
    studies = args.study or sorted(d.name for d in args.results.iterdir()
                                   if (d / f"{d.name}.nc").exists())
    rows = [sensitivity(args.results, s, args.factors) for s in studies]
    print(table(rows, args.factors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
