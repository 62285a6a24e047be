"""Liquid state machine separation experiment: memory-dynamics against Brian2 on the same column.

The column (135 neurons, λ = 2, input to 30 %), its synapses (amplitudes, U, D, F, delays),
the input trains (50 input pairs at each distance d = 0, 0.1, 0.2, 0.4; our design simulates
each pair's u once and one v per distance: 250 trials of 500 ms) and the initial membrane
potentials are built once here and handed to both programs.

* memory-dynamics: ``memory_dynamics.sim.lsm.simulate``, all trials as one batch, exact
  propagator, dt 0.1 ms.
* Brian2 (own virtual environment, benchmarks/.venvs/brian2): the same model written the
  Brian2 way — NeuronGroup with ``method="exact"``, refractoriness, two Synapses objects
  (E and I presynaptic) whose ``on_pre`` code applies the Markram/Tsodyks update, per-synapse
  delays, a SpikeGeneratorGroup for the input, a SpikeMonitor — runtime target ``cython``.
  One trial after another (``store``/``restore``, new input and initial potentials), the
  usual way to run trials of one network. A 1 ms warm-up run before timing triggers the
  Cython compilation, so **compilation is excluded** from Brian2's time (it is reported
  separately).

Both report the mean firing rate of the 250 trials; the liquid states are not compared spike
for spike (Brian2's threshold ``v > θ`` vs our ``v ≥ θ`` and its ordering of same-step events
can move single spikes), only their statistics.

Usage: python benchmarks/lsm_vs_brian2.py [--pairs 50] [--T 0.5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
from _peers import peer_python, run_child

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PEER = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    from brian2 import (NeuronGroup, Synapses, SpikeGeneratorGroup, SpikeMonitor, Network,
                        ms, mV, nA, Mohm, second, prefs, defaultclock)
    prefs.codegen.target = "cython"
    d = np.load(sys.argv[1], allow_pickle=True)
    N, T, dt = int(d["N"]), float(d["T"]), float(d["dt"])
    defaultclock.dt = dt * second
    inh = d["inhibitory"]
    eqs = '''
    dv/dt = (-v + R * (Ibg + Ie + Ii)) / taum : volt (unless refractory)
    dIe/dt = -Ie / (3*ms) : amp
    dIi/dt = -Ii / (6*ms) : amp
    tref : second (constant)
    R : ohm (constant)
    Ibg : amp (constant)
    taum : second (constant)
    '''
    G = NeuronGroup(N, eqs, threshold="v > 15*mV", reset="v = 13.5*mV",
                    refractory="tref", method="exact")
    G.tref = np.where(inh, 2e-3, 3e-3) * second
    G.R, G.Ibg, G.taum = 1 * Mohm, 13.5 * nA, 30 * ms
    model = '''
    A : amp (constant)
    U : 1 (constant)
    D : second (constant)
    F : second (constant)
    u : 1
    Rs : 1
    tlast : second
    '''
    def on_pre(target):
        return ('''
        Rs = 1 + (Rs - u * Rs - 1) * exp(-(t - tlast) / D)
        u = U + u * (1 - U) * exp(-(t - tlast) / F)
        tlast = t
        ''' + target + "_post += A * u * Rs")
    pre, post = d["pre"], d["post"]
    syns = []
    for kind, target in ((False, "Ie"), (True, "Ii")):
        m = inh[pre] == kind
        S = Synapses(G, G, model, on_pre=on_pre(target))
        S.connect(i=pre[m], j=post[m])
        S.A = d["A"][m] * nA
        S.U, S.D, S.F = d["U"][m], d["D"][m] * second, d["F"][m] * second
        S.u, S.Rs, S.tlast = 0.0, 1.0, -1e9 * second
        S.delay = d["delay"][m] * second
        syns.append(S)
    # one generator per spike of a time step (a generator may fire once per step); all
    # copies drive the same targets with the same weights, as our per-step spike counts do
    K = 4
    inp = SpikeGeneratorGroup(K, [], [] * second)
    Sin = Synapses(inp, G, "w : amp (constant)", on_pre="Ie_post += w")
    tg = d["input_targets"]
    Sin.connect(i=np.repeat(np.arange(K), len(tg)), j=np.tile(tg, K))
    Sin.w = np.tile(d["input_A"], K) * nA
    Sin.delay = 0.8 * ms
    mon = SpikeMonitor(G)
    net = Network(G, *syns, inp, Sin, mon)
    net.store("init")
    t0 = time.perf_counter()
    net.run(1 * ms)  # compiles the Cython code objects
    compile_s = time.perf_counter() - t0
    trains, v0 = d["trains"], d["v_init"]
    counts = []
    t0 = time.perf_counter()
    for b in range(len(trains)):
        net.restore("init")
        G.v = v0[b] * mV
        times = np.sort(np.asarray(trains[b]))
        step = np.floor(times / dt).astype(int)
        rank = np.arange(len(step)) - np.searchsorted(step, step)  # k-th spike of its step
        inp.set_spikes(rank, (step + 0.5) * dt * second)
        net.run(T * second)
        counts.append(mon.num_spikes)
    run_s = time.perf_counter() - t0
    print(json.dumps({"seconds": run_s, "compile_seconds": compile_s,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "mean_rate": float(np.mean(counts)) / N / T}))
""")

OURS = textwrap.dedent("""
    import json, pickle, resource, sys, time
    import numpy as np
    from memory_dynamics.sim import lsm
    d = np.load(sys.argv[1], allow_pickle=True)
    with open(sys.argv[2], "rb") as f:
        col = pickle.load(f)
    T, dt = float(d["T"]), float(d["dt"])
    t0 = time.perf_counter()
    out = lsm.simulate(col, list(d["trains"]), T, dt, v_init=d["v_init"], record_every=50)
    t = time.perf_counter() - t0
    print(json.dumps({"seconds": t,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "mean_rate": float(out["spike_counts"].mean()) / T}))
""")


def main(argv=None):
    import pickle

    from memory_dynamics.sim import lsm

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--T", type=float, default=0.5)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(20261121)
    col = lsm.build_column(135, 2.0, 0.3, rng)
    trains = []
    for _ in range(args.pairs):
        u, vs, _, _ = lsm.trains_at_distances([0.0, 0.1, 0.2, 0.4], args.T, 20.0, rng)
        trains += [u, *vs]
    v_init = rng.uniform(13.5, 15.0, (len(trains), col.N))
    with tempfile.TemporaryDirectory() as tmp:
        path, cpath = f"{tmp}/lsm.npz", f"{tmp}/col.pkl"
        arr = np.empty(len(trains), object)
        arr[:] = trains
        np.savez(path, N=col.N, T=args.T, dt=1e-4, inhibitory=col.inhibitory, pre=col.pre,
                 post=col.post, A=col.A, U=col.U, D=col.D, F=col.F, delay=col.delay,
                 input_targets=col.input_targets, input_A=col.input_A, trains=arr,
                 v_init=v_init)
        with open(cpath, "wb") as f:
            pickle.dump(col, f)
        ours = run_child(sys.executable, OURS, path, cpath)
        # Brian2 2.9.0 uses ndarray.ptp, gone from NumPy 2.3+
        peer = run_child(peer_python("brian2", "cython", "numpy<2.3"), PEER, path)
    res = {"trials": len(trains), "N": col.N, "T_s": args.T,
           "memory_dynamics_s": ours["seconds"], "brian2_s": peer["seconds"],
           "brian2_compile_s": peer["compile_seconds"],
           "speedup": peer["seconds"] / ours["seconds"],
           "memory_dynamics_peak_mb": ours["peak_mb"], "brian2_peak_mb": peer["peak_mb"],
           "memory_dynamics_rate_hz": ours["mean_rate"], "brian2_rate_hz": peer["mean_rate"]}
    print(f"separation experiment, {len(trains)} trials x {args.T * 1e3:g} ms, N = {col.N}: "
          f"memory-dynamics {ours['seconds']:.2f} s ({ours['peak_mb']:.0f} MB), Brian2 "
          f"(cython, compilation of {peer['compile_seconds']:.1f} s excluded) "
          f"{peer['seconds']:.2f} s ({peer['peak_mb']:.0f} MB): {res['speedup']:.1f}x; mean "
          f"rate {ours['mean_rate']:.2f} Hz vs {peer['mean_rate']:.2f} Hz", flush=True)
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
