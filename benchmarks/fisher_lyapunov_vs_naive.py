"""Fisher memory curve J(k): Lyapunov (doubling) solver against the naive truncated sum.

Both compute J(k) = w_k^T C_n^{-1} w_k, k = 0..k_max, for the same Gaussian network
(entry variance alpha/N, stable draw) and input, in this one process:

* memory-dynamics: ``memory_dynamics.analysis.fisher.fisher_memory_curve`` -- C_n by Smith's
  doubling iteration (log2 of the memory time in matrix products), W^k v iterated as
  vectors;
* naive: C_n = sum_{m<M} W^m W^mT accumulated term by term (a matrix product per term)
  until the next term is below 1e-16 of the sum, then a Cholesky solve.

Prints both times, their ratio, the largest relative difference of the two curves and the
peak memory of the process. Usage: python benchmarks/fisher_lyapunov_vs_naive.py [--N 1000]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

from memory_dynamics.analysis import fisher
from memory_dynamics.sim import fisher as sf


def naive_curve(W, v, k_max):
    N = W.shape[0]
    C, P = np.eye(N), np.eye(N)
    for _ in range(100_000):
        P = W @ P
        term = P @ P.T
        C += term
        if np.abs(term).max() < 1e-16 * np.abs(C).max():
            break
    L = np.linalg.cholesky(C)
    U = np.empty((N, k_max + 1))
    U[:, 0] = v
    for k in range(k_max):
        U[:, k + 1] = W @ U[:, k]
    Y = np.linalg.solve(L, U)
    return (Y * Y).sum(0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--N", type=int, default=1000)
    ap.add_argument("--alpha", type=float, default=0.9)
    ap.add_argument("--k-max", type=int, default=1000)
    args = ap.parse_args(argv)
    W, v, rejected = sf.make_network("gaussian", args.N, args.alpha, seed=20261121)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        J = fisher.fisher_memory_curve(W, v, args.k_max)
        times.append(time.perf_counter() - t0)
    ours = min(times)
    t0 = time.perf_counter()
    Jn = naive_curve(W, v, args.k_max)
    naive = time.perf_counter() - t0
    rel = float(np.max(np.abs(J - Jn) / np.maximum(J, 1e-300)))
    res = {"N": args.N, "alpha": args.alpha, "k_max": args.k_max,
           "spectral_radius": float(np.max(np.abs(np.linalg.eigvals(W)))),
           "memory_dynamics_s": ours, "naive_s": naive, "speedup": naive / ours,
           "max_rel_difference": rel,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(f"N={args.N}, alpha={args.alpha} (spectral radius {res['spectral_radius']:.3f}), "
          f"J(k) for k = 0..{args.k_max}")
    print(f"  memory-dynamics (Lyapunov, doubling) {ours:8.3f} s (best of 3)")
    print(f"  naive truncated sum                  {naive:8.3f} s")
    print(f"  speed-up {res['speedup']:.1f}x, max relative difference {rel:.1e}, "
          f"peak memory {res['peak_mb']:.0f} MB")
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
