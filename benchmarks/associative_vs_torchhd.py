"""Bundle-and-decode capacity experiments: memory-dynamics against torchhd on the same data.

The field's reference VSA library, torchhd (PyPI ``torch-hd``, CPU build of PyTorch), runs
in its own virtual environment (benchmarks/.venvs/torchhd, created on first use) as a child
process; ours runs in another child. Both get the same random vectors (float32 / complex64)
from one file and do the same work, batched over trials the way each library batches:

* ``hrr``: 16 trials of Q = 128 key-value pairs of n = 4096 reals: bind (circular
  convolution), bundle, unbind 32 probes with the involution, dot similarity against
  M = 1000 candidates, argmax (torchhd: ``HRRTensor.bind``, ``multiset``, ``inverse``,
  ``dot_similarity``);
* ``fhrr``: the same with n = 2048 phasors (``FHRRTensor``);
* ``sdm``: Kanerva's SDM with L = 10 000 hard locations of 256 address bits and 256-bit
  words, 1000 writes and 1000 reads, radius 112 (p = 0.027) (torchhd:
  ``memory.SparseDistributed`` with our addresses and its threshold set to the same radius).

Both sides' answers are compared (P(correct) per trial; SDM read sums). Prints times, their
ratio and peak memory (ru_maxrss of each child), and the BLAS kernel.

Usage: python benchmarks/associative_vs_torchhd.py [--repeats 9] (best of the repeats)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap

import numpy as np
from _peers import PEAK, VENVS, run_child

PEER = PEAK + textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import torch
    import torchhd
    from torchhd.tensors.hrr import HRRTensor
    from torchhd.tensors.fhrr import FHRRTensor
    torch.set_num_threads(2)
    d = dict(np.load(sys.argv[1]))  # read once, outside the timed region
    case, reps = sys.argv[2], int(sys.argv[3])
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        if case in ("hrr", "fhrr"):
            T = HRRTensor if case == "hrr" else FHRRTensor
            keys, values = T(torch.from_numpy(d["keys"])), T(torch.from_numpy(d["values"]))
            vocab = T(torch.from_numpy(d["vocab"]))
            memory = torchhd.multiset(torchhd.bind(keys, values))  # (trials, n)
            probes = keys[:, : int(d["P"])]
            decoded = torchhd.bind(memory.unsqueeze(-2), torchhd.inverse(probes))
            sim = torchhd.dot_similarity(decoded, vocab)  # (trials, P, M)
            out = (sim.argmax(-1) == torch.from_numpy(d["target"])).float().mean(-1)
        else:
            A = d["addresses"].shape[1]
            sdm = torchhd.memory.SparseDistributed(d["addresses"].shape[0], A,
                                                   d["words"].shape[1])
            sdm.keys.data = torch.from_numpy(d["addresses"])
            sdm.threshold = A - 2 * int(d["radius"])
            sdm.values.data.zero_()
            sdm.write(torch.from_numpy(d["writes"]), torch.from_numpy(d["words"]))
            out = sdm.read(torch.from_numpy(d["reads"]))
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": min(times), "all": times,
                      "peak_mb": peak_mb(),
                      "out": np.asarray(out).tolist()}))
""")

OURS = PEAK + textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from memory_dynamics.sim.associative import FHRR, HRR, SDM
    d = dict(np.load(sys.argv[1]))  # read once, outside the timed region
    case, reps = sys.argv[2], int(sys.argv[3])
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        if case in ("hrr", "fhrr"):
            keys, values, vocab = d["keys"], d["values"], d["vocab"]
            n = keys.shape[-1]
            mem = (HRR(n) if case == "hrr" else FHRR(n)).store(keys, values)
            decoded = mem.recall(keys[:, : int(d["P"])])
            if case == "fhrr":  # Re<a, b> as one real product: the float32 views
                decoded, vocab = decoded.view(np.float32), vocab.view(np.float32)
            sim = decoded @ np.swapaxes(vocab, -1, -2)
            out = (sim.argmax(-1) == d["target"]).mean(-1)
        else:
            mem = SDM(d["addresses"], int(d["radius"]), d["words"].shape[1])
            mem.store(d["writes"], d["words"])
            out = mem.read_sums(d["reads"])
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": min(times), "all": times,
                      "peak_mb": peak_mb(),
                      "out": np.asarray(out).tolist()}))
""")


def _peer():
    py = VENVS / "torchhd" / "bin" / "python"
    if not py.exists():
        import subprocess

        subprocess.run([sys.executable, "-m", "venv", str(VENVS / "torchhd")], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "torch", "torch-hd"],
                       check=True)
    return py


def _vsa_data(case, rng, trials=16, Q=128, P=32, M=1000):
    from memory_dynamics.sim import associative as a

    n = 4096 if case == "hrr" else 2048
    draw = (lambda s: a.gaussian_vectors(s, rng)) if case == "hrr" else (
        lambda s: a.phasor_vectors(s, rng))
    keys, values = draw((trials, Q, n)), draw((trials, Q, n))
    vocab = draw((trials, M, n))
    target = rng.integers(0, M, (trials, P))
    vocab[np.arange(trials)[:, None], target] = values[:, :P]  # the right value among M
    return dict(keys=keys, values=values, vocab=vocab, target=target, P=P), n


def _sdm_data(rng, L=10_000, A=256, D=256, writes=1000, radius=112):
    pm = lambda s: (2 * rng.integers(0, 2, s, dtype=np.int8) - 1).astype(np.float32)  # noqa
    w = pm((writes, A))
    return dict(addresses=pm((L, A)), writes=w, words=pm((writes, D)), reads=w.copy(),
                radius=radius)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(20261202)
    peer = _peer()
    kernel = os.environ.get("OPENBLAS_CORETYPE", "auto-detected")
    print(f"OPENBLAS_CORETYPE = {kernel}; 2 threads on both sides", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in ("hrr", "fhrr", "sdm"):
            data, size = _vsa_data(case, rng) if case != "sdm" else (_sdm_data(rng), 10_000)
            path = f"{tmp}/{case}.npz"
            np.savez(path, **data)
            ours = run_child(sys.executable, OURS, path, case, args.repeats)
            theirs = run_child(peer, PEER, path, case, args.repeats)
            a, b = np.array(ours["out"]), np.array(theirs["out"])
            agree = float(np.max(np.abs(a - b)))
            res = {"case": case, "size": size, "memory_dynamics_s": ours["seconds"],
                   "torchhd_s": theirs["seconds"], "speedup": theirs["seconds"] /
                   ours["seconds"], "memory_dynamics_peak_mb": ours["peak_mb"],
                   "torchhd_peak_mb": theirs["peak_mb"], "max_abs_difference": agree,
                   "blas": kernel}
            results.append(res)
            print(f"{case}: memory-dynamics {ours['seconds']:.3f} s ({ours['peak_mb']:.0f} MB)"
                  f", torchhd {theirs['seconds']:.3f} s ({theirs['peak_mb']:.0f} MB): "
                  f"{res['speedup']:.1f}x; max |difference| of the answers {agree:.2g}",
                  flush=True)
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
