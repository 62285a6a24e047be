"""Associative memories on one footing: P(correct recall among 1000) against the load, for
holographic (HRR, FHRR) and matrix memories, with the exact finite-n theory overlaid.

    python examples/associative_capacity.py [OUTDIR]
"""

import sys
from pathlib import Path

import memory_dynamics as md

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
ds = md.simulate("associative", model=["hrr", "fhrr", "cmm_gauss"], storage=[1024],
                 load=[0.5, 1.0, 1.5, 3.0], cue_noise=[0.0, 0.2], n_trials=8)
print(ds.capacity_theory.sel(storage=1024).to_pandas())  # items at 99 % correct
checks = md.checks(ds)
print(f"{checks.passed.sum()} of {len(checks)} checks pass")
md.figure(ds, "associative_p_correct_vs_load").savefig(out / "associative_p_correct.png")
