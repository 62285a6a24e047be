"""Echo-state memory capacity: memory-dynamics against reservoirpy on the same reservoirs.

Both get the same reservoir matrices, input weights and input series (uniform in
[-0.8, 0.8], 10 k_max steps, reservoirpy's default task), a tanh reservoir without bias or
leak, a ridge readout (1e-6 on the unnormalised X^T X, as reservoirpy's Ridge) trained on the
same steps and r^2 on the last 20 % (reservoirpy's `memory_capacity(model, k_max, series=u,
test_size=0.2)`). Ours computes the same quantity: held-out r^2, without the bias correction
and in-sample r^2 the pipeline adds.

* single: one reservoir, N = 300, k_max = 600, spectral radius 0.9;
* sweep: 10 spectral radii x 5 seeds at that size (what a user of this study runs).

reservoirpy runs in its own virtual environment (benchmarks/.venvs/reservoirpy, created on
first use) as a child process of this script; ours runs in another child. Prints both times,
their ratios, peak memory and the largest difference of the two memory curves.

Usage: python benchmarks/reservoir_vs_reservoirpy.py [--N 300] [--k-max 600]
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
    from reservoirpy.nodes import Reservoir, Ridge
    from reservoirpy.observables import memory_capacity
    d = np.load(sys.argv[1])
    W1, V, u, rhos, k_max = d["W1"], d["V"], d["u"], d["rhos"], int(d["k_max"])
    t0 = time.perf_counter()
    curves = []
    for s in range(W1.shape[0]):
        for rho in rhos:
            model = Reservoir(W=rho * W1[s], Win=V[s][:, None], bias=0.0, lr=1.0,
                              activation="tanh") >> Ridge(ridge=1e-6)
            curves.append(memory_capacity(model, k_max, as_list=True, series=u[:, None],
                                          test_size=0.2))
    print(json.dumps({"seconds": time.perf_counter() - t0,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "curves": np.array(curves).tolist()}))
""")

OURS = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    from memory_dynamics.sim.reservoir import memory_sweep
    d = np.load(sys.argv[1])
    W1, V, u, rhos, k_max = d["W1"], d["V"], d["u"], d["rhos"], int(d["k_max"])
    t0 = time.perf_counter()
    # reservoirpy's windows: the reservoir sees u from step k_max on, fits after a k_max
    # warm-up, tests on the last round(0.2 T) steps; its ridge multiplies the identity added
    # to the unnormalised X^T X, ours the covariance, hence the division by n_train
    T = len(u)
    n_test = round(0.2 * T)
    n_train = T - n_test - 2 * k_max
    res = memory_sweep(W1, V, rhos, u, "tanh", 0.0, k_max, washout=2 * k_max,
                       test_fraction=n_test / (T - 2 * k_max), ridge=1e-6 / n_train,
                       chunk=1000, bias_correction=False, in_sample=False)
    t = time.perf_counter() - t0
    curves = res["held_out"][:, :, 1:].reshape(-1, k_max)  # k = 1..k_max like reservoirpy
    print(json.dumps({"seconds": t,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "curves": curves.tolist()}))
""")


def case(name, N, k_max, rhos, n_seeds, rng, tmp):
    from memory_dynamics.sim.reservoir import reservoir_matrix

    W1 = np.stack([reservoir_matrix("sparse", N, r) for r in rng.spawn(n_seeds)])
    V = rng.uniform(-1, 1, (n_seeds, N))
    u = rng.uniform(-0.8, 0.8, 10 * k_max)
    path = f"{tmp}/{name}.npz"
    np.savez(path, W1=W1, V=V, u=u, rhos=np.asarray(rhos), k_max=k_max)
    ours = run_child(sys.executable, OURS, path)
    peer = run_child(peer_python("reservoirpy"), PEER, path)
    diff = float(np.max(np.abs(np.array(ours["curves"]) - np.array(peer["curves"]))))
    mc_o = np.array(ours["curves"]).sum(1)
    mc_p = np.array(peer["curves"]).sum(1)
    res = {"case": name, "N": N, "k_max": k_max, "reservoirs": len(rhos) * n_seeds,
           "memory_dynamics_s": ours["seconds"], "reservoirpy_s": peer["seconds"],
           "speedup": peer["seconds"] / ours["seconds"],
           "memory_dynamics_peak_mb": ours["peak_mb"], "reservoirpy_peak_mb": peer["peak_mb"],
           "max_abs_curve_difference": diff,
           "max_abs_MC_difference": float(np.max(np.abs(mc_o - mc_p)))}
    print(f"{name}: {res['reservoirs']} reservoir(s), N={N}, k_max={k_max}: "
          f"memory-dynamics {ours['seconds']:.2f} s ({ours['peak_mb']:.0f} MB), reservoirpy "
          f"{peer['seconds']:.2f} s ({peer['peak_mb']:.0f} MB): {res['speedup']:.1f}x; "
          f"max |MC_k difference| {diff:.1e}, max |MC difference| "
          f"{res['max_abs_MC_difference']:.1e}", flush=True)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--N", type=int, default=300)
    ap.add_argument("--k-max", type=int, default=600)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(20261121)
    with tempfile.TemporaryDirectory() as tmp:
        out = [case("single", args.N, args.k_max, [0.9], 1, rng, tmp),
               case("sweep", args.N, args.k_max, list(np.linspace(0.5, 1.2, 10)), 5, rng, tmp)]
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
