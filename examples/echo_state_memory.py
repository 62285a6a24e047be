"""Echo-state memory capacity (Jaeger 2002): the memory function m(k) of linear and tanh
reservoirs, with the exact m(k) of each linear draw and the MC <= N bound.

    python examples/echo_state_memory.py [OUTDIR]
"""

import sys
from pathlib import Path

import memory_dynamics as md

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
ds = md.simulate("reservoir", phi=["linear"], N=[20, 50], noise=[0.0], rho=[0.9, 0.95],
                 n_seeds=6, T=20_000, k_max=60)
print(ds.memory_capacity.mean("seed").squeeze().to_pandas())  # MC for each N and rho
checks = md.checks(ds)
print(f"{checks.passed.sum()} of {len(checks)} checks pass")
md.figure(ds, "reservoir_memory_function").savefig(out / "reservoir_memory_function.png")
