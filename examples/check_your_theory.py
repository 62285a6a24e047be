"""Check your own theory against a simulation, the way the suite checks its own.

The one-step retrieval error of a Hopfield network that keeps its self-couplings
w_ii = P/N, in a few lines: N times the aligned field of a bit of a stored pattern is the
margin N - 1 + P (the other neurons, and the diagonal's P) plus the crosstalk C = 2B - M, a
sum of M = (P - 1)(N - 1) random signs (B binomial); the bit flips when the margin plus C is
negative. The same formula without the diagonal's P (a plausible slip) is wrong;
md.compare tells them apart with the replicate standard error, Student t and a family-wise
correction.

    python examples/check_your_theory.py [OUTDIR]
"""

import sys
from pathlib import Path

import numpy as np
from scipy import stats

import memory_dynamics as md

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
ds = md.simulate("hopfield", N=[200, 400], alpha=[0.3, 0.4, 0.5, 0.6], zero_diagonal=False,
                 n_networks=12, max_starts=2, theory=False)


def flip_probability(N, P, margin):
    """P(margin + 2B - M < 0), B ~ Binomial(M, 1/2), M = (P - 1)(N - 1) (a tie keeps)."""
    M = (P - 1) * (N - 1)
    return stats.binom.cdf(np.ceil((M - margin) / 2) - 1, M, 0.5)


def mine(N, alpha):
    """One-step flip probability with the diagonal kept."""
    P = np.round(alpha * N)
    return flip_probability(N, P, N - 1 + P)


def slip(N, alpha):
    """The same, forgetting the diagonal's contribution to the margin."""
    P = np.round(alpha * N)
    return flip_probability(N, P, N - 1)


right = md.compare(ds, "one_step_error", mine, over="network", name="mine")
wrong = md.compare(ds, "one_step_error", slip, over="network", name="slip")
print(right[["check", "expected", "observed", "z", "dof", "detectable", "passed"]])
print(f"your theory: {right.passed.sum()} of {len(right)} checks pass (largest |z| "
      f"{right.z.abs().max():.1f}; each can see a {right.detectable.max():.0%} error)")
print(f"the slip: {(~wrong.passed).sum()} of {len(wrong)} checks fail (largest |z| "
      f"{wrong.z.abs().max():.0f})")
ax = md.plot_compare(ds, "one_step_error", mine, x="alpha", label="mine (diagonal kept)")
ax.figure.savefig(out / "check_your_theory.png", dpi=200)
