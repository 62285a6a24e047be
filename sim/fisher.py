r"""Network ensembles for Fisher memory and the empirical Fisher memory of a noisy network.

Model (Ganguli, Huh & Sompolinsky, PNAS 105:18970, 2008):
:math:`x(n) = W x(n-1) + v\,s(n) + z(n)`, :math:`\langle z_i z_j \rangle = \varepsilon\delta_{ij}`,
or its tanh version :math:`x(n) = \tanh(W x(n-1) + v\,s(n) + z(n))`, whose small-signal,
small-noise linearisation is the linear network.

Ensembles (``docs/fisher.md`` §1): scaled random orthogonal :math:`\sqrt\alpha Q` (Haar Q), random
symmetric (entry variance :math:`\alpha/4N`: semicircle of radius :math:`\sqrt\alpha`), delay
ring (:math:`\sqrt\alpha` times a cyclic shift), delay line (:math:`W_{i+1,i} = \sqrt\alpha`,
nilpotent, stable for every alpha), Gaussian i.i.d. (variance :math:`\alpha/N`, unstable
draws rejected; or rescaled to spectral radius :math:`\sqrt\alpha`, ``gaussian_radius``) and a
normal matrix with a given spectrum. Random draws (symmetric, Gaussian) with spectral radius >= 1
are rejected and counted.

The empirical estimate of J(k) uses only what an experimenter sees in driven, noisy runs: the
pulse-triggered average response and the covariance of the states around it
(:func:`empirical_fisher_memory`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .rng import SeedLike, as_generator, haar_orthogonal

ENSEMBLES = ("orthogonal", "symmetric", "delay_ring", "delay_line", "gaussian",
             "gaussian_radius")
NORMAL_ENSEMBLES = ("orthogonal", "symmetric", "delay_ring")

__all__ = ["ENSEMBLES", "NORMAL_ENSEMBLES", "orthogonal", "random_symmetric", "delay_ring",
           "delay_line", "gaussian", "gaussian_radius", "normal_with_spectrum", "make_network",
           "random_input", "empirical_fisher_memory"]


def orthogonal(N: int, alpha: float, seed: SeedLike) -> np.ndarray:
    r"""Scaled random orthogonal :math:`W = \sqrt\alpha Q`: normal,
    :math:`J(k)=\alpha^k(1-\alpha)`."""
    return np.sqrt(alpha) * haar_orthogonal(N, seed)


def random_symmetric(N: int, alpha: float, seed: SeedLike) -> np.ndarray:
    r"""Random symmetric W, off-diagonal variance :math:`\alpha/(4N)` (GOE scaling).

    The spectrum fills the semicircle of radius :math:`\sqrt\alpha` as N grows.
    """
    G = as_generator(seed).standard_normal((N, N)) * np.sqrt(alpha / (4 * N))
    return (G + G.T) / np.sqrt(2)


def delay_ring(N: int, alpha: float) -> np.ndarray:
    r""":math:`\sqrt\alpha` times the cyclic shift :math:`e_i \to e_{i+1 \bmod N}` (normal)."""
    return np.sqrt(alpha) * np.roll(np.eye(N), 1, axis=0)


def delay_line(N: int, alpha: float) -> np.ndarray:
    r"""Delay line :math:`W_{i+1,i} = \sqrt\alpha` (non-normal, nilpotent: stable for any
    alpha)."""
    return np.diag(np.full(N - 1, np.sqrt(alpha)), -1)


def _stable_draw(draw, N: int, alpha: float, max_tries: int) -> tuple[np.ndarray, int]:
    for rejected in range(max_tries):
        W = draw()
        if np.max(np.abs(np.linalg.eigvals(W))) < 1:
            return W, rejected
    raise ValueError(f"no stable draw in {max_tries} tries (N={N}, alpha={alpha}); "
                     "lower alpha")


def gaussian(N: int, alpha: float, seed: SeedLike, max_tries: int = 1000
             ) -> tuple[np.ndarray, int]:
    r"""Gaussian i.i.d. W (variance :math:`\alpha/N`), redrawn until its spectral radius < 1.

    Returns
    -------
    W : ndarray
    n_rejected : int
        Draws rejected for spectral radius >= 1.
    """
    rng = as_generator(seed)
    return _stable_draw(lambda: rng.standard_normal((N, N)) * np.sqrt(alpha / N), N, alpha,
                        max_tries)


def gaussian_radius(N: int, alpha: float, seed: SeedLike) -> np.ndarray:
    r"""Gaussian i.i.d. W rescaled to spectral radius exactly :math:`\sqrt\alpha` (no draw is
    rejected).

    The ``radius`` normalisation of the Gaussian ensemble; :func:`gaussian` fixes the entry
    variance :math:`\alpha/N` instead and keeps only stable draws, which conditions the
    ensemble strongly near :math:`\alpha = 1` (``docs/fisher.md`` §4).
    """
    G = as_generator(seed).standard_normal((N, N))
    return np.sqrt(alpha) * G / np.max(np.abs(np.linalg.eigvals(G)))


def normal_with_spectrum(eigenvalues: ArrayLike, seed: SeedLike) -> np.ndarray:
    """Real normal matrix with the given spectrum in a Haar-random orthonormal basis.

    Complex eigenvalues must come in conjugate pairs; each pair ``a ± ib`` becomes a real
    2 x 2 block ``[[a, -b], [b, a]]``.
    """
    lam = np.asarray(eigenvalues, dtype=complex)
    if np.any(np.abs(lam) >= 1):
        raise ValueError("eigenvalue moduli must be < 1 for a stationary network")
    real = lam[np.abs(lam.imag) < 1e-12].real
    upper = lam[lam.imag >= 1e-12]
    if len(upper) != len(lam[lam.imag <= -1e-12]) or not np.allclose(
            np.sort_complex(upper.conj()), np.sort_complex(lam[lam.imag <= -1e-12])):
        raise ValueError("complex eigenvalues must come in conjugate pairs")
    N = len(lam)
    D = np.zeros((N, N))
    D[np.arange(len(real)), np.arange(len(real))] = real
    for j, z in enumerate(upper):
        i = len(real) + 2 * j
        D[i:i + 2, i:i + 2] = [[z.real, -z.imag], [z.imag, z.real]]
    Q = haar_orthogonal(N, seed)
    return Q @ D @ Q.T


def random_input(N: int, seed: SeedLike) -> np.ndarray:
    """Uniformly random unit input vector."""
    v = as_generator(seed).standard_normal(N)
    return v / np.linalg.norm(v)


def make_network(ensemble: str, N: int, alpha: float, seed: SeedLike
                 ) -> tuple[np.ndarray, np.ndarray, int]:
    """Draw ``(W, v, n_rejected)`` of an ensemble. Delay line and ring take v = e1."""
    rng = as_generator(seed)
    rejected = 0
    if ensemble == "orthogonal":
        W = orthogonal(N, alpha, rng)
    elif ensemble == "symmetric":  # finite-N edge fluctuations can exceed 1: redraw
        W, rejected = _stable_draw(lambda: random_symmetric(N, alpha, rng), N, alpha, 1000)
    elif ensemble == "delay_ring":
        W = delay_ring(N, alpha)
    elif ensemble == "delay_line":
        W = delay_line(N, alpha)
    elif ensemble == "gaussian":
        W, rejected = gaussian(N, alpha, rng)
    elif ensemble == "gaussian_radius":
        W = gaussian_radius(N, alpha, rng)
    else:
        raise ValueError(f"unknown ensemble {ensemble!r}; allowed: {', '.join(ENSEMBLES)}")
    v = np.eye(N)[0] if ensemble.startswith("delay") else random_input(N, rng)
    return W, v, rejected


def _burn_in(W: np.ndarray, tol: float = 1e-10) -> int:
    """Steps after which the state forgets its start to ``tol`` (|W^b|_F^2 < tol)."""
    A, b = W.copy(), 1
    while np.sum(A * A) >= tol:
        if b > 2**20:
            raise ValueError("the network does not forget its initial state (spectral "
                             "radius too close to 1)")
        A, b = A @ A, 2 * b
    return b


def empirical_fisher_memory(
    W: np.ndarray, v: np.ndarray, eps: float, lags: ArrayLike, n_samples: int,
    seed: SeedLike, phi: str = "linear",
    n_groups: int = 20, pulse: float | None = None, period: int | None = None,
) -> tuple[np.ndarray, np.ndarray, float, float]:
    r"""Estimate J(k) at ``lags`` as an experimenter would: from driven, noisy runs only.

    Independent chains of the noisy network (burn-in until :math:`\|W^b\|_F^2 < 10^{-10}`)
    receive an input pulse of size ``pulse`` every ``period`` steps (default: the first power
    of 2 after which a pulse is forgotten, :math:`\|W^L\|_F^2 < 10^{-6}`, and at least
    ``max(lags) + 1``). Every chain has its own noise. From these runs alone:

    * the response :math:`\hat u_k` is the pulse-triggered average of the state k steps after
      a pulse, divided by the pulse (its noise: :math:`\mathrm{Cov}\,\hat u_k =
      C/(n_k p^2)` with :math:`n_k` the number of pulses);
    * the noise covariance :math:`\hat C` is the covariance of the states around the
      triggered average at their phase after the last pulse;
    * :math:`\hat J(k) = \varepsilon\,[\hat u_k^\top\hat C^{-1}\hat u_k - N/(n_k p^2)]`, the
      second term removing the quadratic form's bias from the noise in :math:`\hat u_k`, in
      units of :math:`1/\varepsilon` like :func:`analysis.fisher.fisher_memory_curve`.

    The group jackknife removes the remaining O(N/n) bias of :math:`\hat C^{-1}` to first
    order and gives the standard error. For the tanh network the triggered average is its
    mean response to a pulse of that size, and J its Fisher memory in the Gaussian
    approximation; it equals the linear theory in the small-signal, small-noise limit.

    Parameters
    ----------
    W, v : ndarray
        Network and input vector.
    eps : float
        Noise variance per neuron and step.
    lags : int or sequence of int
        Lags k at which J is estimated; an int ``k_max`` means every lag 0..k_max.
    n_samples : int
        Total state vectors (chains x steps after burn-in).
    seed : seed-like
    phi : {"linear", "tanh"}
    n_groups : int
        Independent groups of chains for the jackknife (>= 2): its SE has n_groups - 1
        degrees of freedom.
    pulse : float, optional
        Pulse size; default ``30 sqrt(eps)`` for linear (any size gives the same J; a large
        one makes the triggered average precise), ``10 sqrt(eps)`` for tanh (spread over N
        neurons by v, a per-neuron kick of 10 sqrt(eps / N): small against the noise for
        N >= 100, comparable at N = 50; the noise level sets the operating point).
    period : int, optional
        Steps between pulses.

    Returns
    -------
    J, se : ndarray, shape (len(lags),)
    preact_rms : float
        Root mean square of the pre-activations :math:`Wx + v s + z` over the run.
    pulse_peak : float
        Largest single-neuron kick of a pulse, ``pulse * max|v|``. Together with
        ``preact_rms`` the distance from the linear regime of tanh (a pulse on one neuron,
        as in the delay line, drives that neuron much harder than the rms suggests).
    """
    rng = as_generator(seed)
    W = np.asarray(W, float)
    v = np.asarray(v, float)
    N = W.shape[0]
    lags = np.arange(int(lags) + 1) if np.ndim(lags) == 0 else np.asarray(lags, int)
    if phi not in ("linear", "tanh"):
        raise ValueError(f"phi must be 'linear' or 'tanh', got {phi!r}")
    if n_groups < 2:
        raise ValueError("n_groups must be >= 2")
    f = np.tanh if phi == "tanh" else (lambda a: a)
    pulse = pulse if pulse is not None else (30 if phi == "linear" else 10) * np.sqrt(eps)
    L = int(period) if period is not None else max(int(lags.max()) + 1, _burn_in(W, 1e-6))
    if L <= lags.max():
        raise ValueError(f"period = {L} must exceed the largest lag {lags.max()}")
    G = n_groups
    # chains per group: ~sqrt(n/4) chains in all, but at least two pulses per chain
    cpg = max(1, min(int(np.ceil(np.sqrt(n_samples / 4) / G)), n_samples // (2 * L * G)))
    chains = G * cpg
    cycles = max(2, int(np.ceil(n_samples / (chains * L))))  # pulses per chain
    sd = np.sqrt(eps)
    X = np.zeros((N, chains))
    for _ in range(_burn_in(W)):
        X = f(W @ X + sd * rng.standard_normal((N, chains)))
    S = np.zeros((G, N, N))  # per-group sums of x x^T
    M = np.zeros((G, L, N))  # per-group sums of x at each phase after a pulse
    kick = pulse * v[:, None]
    pre_sq = 0.0
    for _ in range(cycles):
        for j in range(L):
            A = W @ X + sd * rng.standard_normal((N, chains))
            if j == 0:
                A += kick
            pre_sq += float(np.mean(A * A))
            X = f(A)
            Xg = X.reshape(N, G, cpg).transpose(1, 0, 2)
            S += Xg @ Xg.transpose(0, 2, 1)
            M[:, j] += Xg.sum(axis=2)

    def estimate(groups):
        n_phase = cycles * cpg * len(groups)  # samples per phase (= pulses)
        Mg = M[groups].sum(0)
        # covariance around the phase means (the triggered averages)
        C = (S[groups].sum(0) - np.einsum("jn,jm->nm", Mg, Mg) / n_phase) / (n_phase * L)
        u = Mg[lags].T / (n_phase * pulse)
        y = np.linalg.solve(np.linalg.cholesky(C), u)
        return eps * (np.einsum("ik,ik->k", y, y) - N / (n_phase * pulse**2))

    everyone = np.arange(G)
    loo = np.array([estimate(np.delete(everyone, g)) for g in range(G)])
    J = G * estimate(everyone) - (G - 1) * loo.mean(0)
    se = np.sqrt((G - 1) / G * ((loo - loo.mean(0)) ** 2).sum(0))
    return J, se, float(np.sqrt(pre_sq / (cycles * L))), float(pulse * np.abs(v).max())
