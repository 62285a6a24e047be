"""Largest Hopfield network simulated within a time budget, with its peak memory.

Runs ``memory_dynamics.sim.hopfield.simulate_capacity(N, alpha=0.14, n_networks=1)`` (all measures:
one-step error over all P patterns, fixed points, asynchronous retrieval from 10 stored
patterns and 10 cues) for growing N, each in a fresh process, and reports wall time and peak
resident memory. Stops after the first N over the budget.

Usage: python benchmarks/hopfield_scaling.py [--budget 120] [--N 4000 8000 ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from memory_dynamics.sim.hopfield import simulate_capacity
    N = int(sys.argv[1])
    t0 = time.perf_counter()
    ds = simulate_capacity(N, 0.14, 1, seed=[N, 20261121], max_starts=10)
    print(json.dumps({"N": N, "seconds": time.perf_counter() - t0,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "overlap": float(ds.overlap[0]),
                      "one_step_error": float(ds.one_step_error[0]),
                      }))
""")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=120.0, help="seconds")
    ap.add_argument("--N", type=int, nargs="+",
                    default=[4000, 8000, 12000, 16000, 20000, 24000, 28000, 32000])
    args = ap.parse_args(argv)
    rows = []
    for N in args.N:
        out = subprocess.run([sys.executable, "-c", CHILD, str(N)], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"N={N:6d}  {r['seconds']:7.1f} s  peak {r['peak_mb']:8.0f} MB  "
              f"overlap {r['overlap']:.3f}  one-step error {r['one_step_error']:.4f}",
              flush=True)
        if r["seconds"] > args.budget:
            break
    ok = [r for r in rows if r["seconds"] <= args.budget]
    if ok:
        best = max(ok, key=lambda r: r["N"])
        print(f"largest N within {args.budget:.0f} s: {best['N']} "
              f"({best['seconds']:.1f} s, peak {best['peak_mb']:.0f} MB)")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
