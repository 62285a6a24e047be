"""Fisher memory curves J(k) of linear networks (Ganguli, Huh & Sompolinsky 2008): the
exact curve of each sampled network, its ensemble theory, and a simulated estimate.

    python examples/fisher_memory.py [OUTDIR]
"""

import sys
from pathlib import Path

import memory_dynamics as md

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
ds = md.simulate("fisher", ensemble=["orthogonal", "delay_line"], N=[20, 200],
                 alpha=[0.8, 0.99], n_networks=6, k_max=200, simulate_N=[20],
                 lags=[1, 4, 16], n_samples=50_000)
print(ds.J_total.mean("network").sel(N=200).to_pandas())  # J_tot by ensemble and alpha
checks = md.checks(ds)
print(f"{checks.passed.sum()} of {len(checks)} checks pass")
md.figure(ds, "fisher_memory_curves").savefig(out / "fisher_memory_curves.png")
