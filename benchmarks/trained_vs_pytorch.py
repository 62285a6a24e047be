"""Training many recurrent networks on delayed recall: memory-dynamics (JAX, ``vmap``) against
the loop a PyTorch user would write (``nn.RNN`` / ``nn.LSTM`` and ``torch.optim.Adam``, one
network at a time).

Work, the same on both sides: ``--networks`` networks (seeds at one gain, g = 1, or one gate
timescale, tau = 4; each network its own batches), each trained from scratch by Adam (lr 3e-3) for
``--steps`` steps on fresh batches of 64 sequences of delayed recall at lag ``--lag``: one
of K = 2 symbols at t = 0, then noise of std 0.5 on every pre-activation, the answer at the
end (cross-entropy), then scored on 512 held-out sequences.

* rnn: vanilla tanh RNN of 32 units. PyTorch: ``nn.RNN(32, 32)`` whose input weights are
  frozen at the identity (the noise enters every pre-activation, as in ours, and needs no
  gradient), started from the state of the symbol step (an ``nn.Linear(2, 32)`` and the
  cell's biases, written out); ``nn.Linear(32, 2)`` read-out.
* lstm: LSTM of 16 units: ``nn.LSTM(64, 16)`` the same way (noise on the 4 x 16 gate
  pre-activations; the symbol step gives h and c), forget bias ln(tau - 1).

PyTorch (CPU build from PyPI, in its own virtual environment benchmarks/.venvs/torch,
created on first use) runs in a child process with 1 and with 2 intra-op threads; ours in
another child with XLA pinned to one thread (as the pipeline runs it: 2 jobs on 2 cores).
Our compilation (one ``jit`` per lag) is timed apart. Prints networks trained per second,
the ratio, peak memory of each child (VmHWM), the BLAS/XLA settings, and the fraction of
networks that learned on each side (a check that both did the same task).

Usage: python benchmarks/trained_vs_pytorch.py [--cell rnn|lstm|both] [--networks 16]
       [--lag 32] [--steps 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from _peers import PEAK, peer_python, run_child

PEER = PEAK + textwrap.dedent("""
    import json, math, sys, time
    import torch
    from torch import nn
    cell, n_net, lag, steps, threads = sys.argv[1], *map(int, sys.argv[2:6])
    torch.set_num_threads(threads)
    N, K, B, su, lr = (32 if cell == "rnn" else 16), 2, 64, 0.5, 3e-3
    pre = N if cell == "rnn" else 4 * N

    class Net(nn.Module):
        def __init__(self, knob):
            super().__init__()
            self.sym = nn.Linear(K, pre, bias=False)
            rec = nn.RNN if cell == "rnn" else nn.LSTM
            self.rec = rec(pre, N)
            with torch.no_grad():  # the noise enters every pre-activation: identity, frozen
                self.rec.weight_ih_l0.copy_(torch.eye(pre))
                self.rec.weight_ih_l0.requires_grad_(False)
                nn.init.normal_(self.rec.weight_hh_l0, 0.0, (knob if cell == "rnn" else 1.0)
                                / math.sqrt(N))
                self.rec.bias_ih_l0.zero_(); self.rec.bias_hh_l0.zero_()
                if cell == "lstm":
                    self.rec.bias_hh_l0[N:2 * N] = math.log(knob - 1)
            self.out = nn.Linear(N, K)

        def forward(self, s, noise):
            # the symbol step from a zero state, then the noise steps from it (as ours)
            a = (self.sym(math.sqrt(K) * nn.functional.one_hot(s, K).float())
                 + self.rec.bias_ih_l0 + self.rec.bias_hh_l0)
            if cell == "rnn":
                state = torch.tanh(a)[None]
            else:
                i, f, g, o = a.chunk(4, -1)
                c = torch.sigmoid(i) * torch.tanh(g)
                state = ((torch.sigmoid(o) * torch.tanh(c))[None], c[None])
            y, _ = self.rec(su * noise, state)  # noise: no gradient, no input GEMM backward
            return self.out(y[-1])

    def batch(n):
        return torch.randint(0, K, (n,)), torch.randn(lag, n, pre)

    knob = 1.0 if cell == "rnn" else 4.0
    torch.manual_seed(0)
    warm = Net(knob)  # first calls (allocator, kernels) outside the timed region
    nn.functional.cross_entropy(warm(*batch(B)), batch(B)[0]).backward()
    learned, t0 = 0, time.perf_counter()
    for i in range(n_net):
        net = Net(knob)
        opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr)
        for _ in range(steps):
            s, noise = batch(B)
            loss = nn.functional.cross_entropy(net(s, noise), s)
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            s, noise = batch(512)
            learned += nn.functional.cross_entropy(net(s, noise), s).item() < 0.5 * math.log(2)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "learned": learned / n_net,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))
""")

OURS = PEAK + textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import jax
    from memory_dynamics.sim import trained as st
    cell, n_net, lag, steps = sys.argv[1], *map(int, sys.argv[2:5])
    knob = [1.0] if cell == "rnn" else [4.0]  # one knob: every network its own batches
    c = st.CELLS[cell]
    kw = dict(n_units=32 if cell == "rnn" else 16, batch=64, steps=steps,
              lr=3e-3, n_test=512, n_record=1, test_at=[steps], fisher=False)
    t0 = time.perf_counter()  # a first call at other seeds: compiles every function
    st.train(c, st.Recall(2), knob, n_net, lag, 0.5, 1, **kw)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = st.train(c, st.Recall(2), knob, n_net, lag, 0.5, 2, **kw)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "compile_s": first - seconds,
                      "peak_mb": peak_mb(),
                      "learned": float((out["test_loss"] < 0.5 * np.log(2)).mean()),
                      "jax": jax.__version__, "xla_flags": __import__("os").environ.get(
                          "XLA_FLAGS", "")}))
""")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", choices=["rnn", "lstm", "both"], default="both")
    ap.add_argument("--networks", type=int, default=16)
    ap.add_argument("--lag", type=int, default=32)
    ap.add_argument("--steps", type=int, default=300)
    a = ap.parse_args(argv)
    if a.networks % 2:
        ap.error("--networks must be even (two knob values)")
    torch_py = peer_python("torch", "numpy")
    kernel = os.environ.get("OPENBLAS_CORETYPE", "auto-detected")
    print(f"OPENBLAS_CORETYPE = {kernel}; ours: XLA CPU, one thread (flags in sim/trained.py)",
          flush=True)
    for cell in (["rnn", "lstm"] if a.cell == "both" else [a.cell]):
        ours = run_child(sys.executable, OURS, cell, a.networks, a.lag, a.steps)
        print(f"{cell}: {a.networks} networks, lag {a.lag}, {a.steps} Adam steps, batch 64")
        print(f"  memory-dynamics (jax {ours['jax']}): {ours['seconds']:.2f} s "
              f"({a.networks / ours['seconds']:.2f} networks/s; compilation "
              f"{ours['compile_s']:.1f} s apart), peak {ours['peak_mb']:.0f} MB, learned "
              f"{ours['learned']:.2f}", flush=True)
        peers = [run_child(torch_py, PEER, cell, a.networks, a.lag, a.steps, threads)
                 for threads in (1, 2)]
        for peer in peers:
            print(f"  PyTorch {peer['torch']} ({peer['threads']} threads): "
                  f"{peer['seconds']:.2f} s ({a.networks / peer['seconds']:.2f} networks/s), "
                  f"peak {peer['peak_mb']:.0f} MB, learned {peer['learned']:.2f}", flush=True)
        best = min(p["seconds"] for p in peers)
        print(f"  ratio against PyTorch's best: {best / ours['seconds']:.1f}x; with our "
              f"compilation: {best / (ours['seconds'] + ours['compile_s']):.1f}x", flush=True)


if __name__ == "__main__":
    main()
