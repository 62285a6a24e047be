"""Hopfield capacity: the one-step retrieval error against the load alpha = P/N, simulated
for two network sizes with its exact finite-N theory and the large-N erfc law overlaid.

    python examples/hopfield_capacity.py [OUTDIR]
"""

import sys
from pathlib import Path

import memory_dynamics as md

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
ds = md.simulate("hopfield", N=[300, 1000], alpha=[0.05, 0.10, 0.15, 0.18, 0.20, 0.25],
                 n_networks=4, max_starts=4)
print(ds.one_step_error.mean("network").to_pandas().round(4))  # (N, alpha), named dims
checks = md.checks(ds)
print(f"{checks.passed.sum()} of {len(checks)} checks pass")
md.figure(ds, "hopfield_one_step_error_vs_alpha").savefig(out / "hopfield_one_step.png")
