r"""Network ensembles for Fisher memory and the empirical Fisher memory of a noisy network.

Model (Ganguli, Huh & Sompolinsky, PNAS 105:18970, 2008):
:math:`x(n) = W x(n-1) + v\,s(n) + z(n)`, :math:`\langle z_i z_j \rangle = \varepsilon\delta_{ij}`,
or its tanh version :math:`x(n) = \tanh(W x(n-1) + v\,s(n) + z(n))`, whose small-signal,
small-noise linearisation is the linear network.

Ensembles (``docs/fisher.md`` §1): scaled random orthogonal :math:`\sqrt\alpha Q` (Haar Q), random
symmetric (entry variance :math:`\alpha/4N`: semicircle of radius :math:`\sqrt\alpha`), delay
ring (:math:`\sqrt\alpha` times a cyclic shift), delay line (:math:`W_{i+1,i} = \sqrt\alpha`,
nilpotent, stable for every alpha), Gaussian i.i.d. (variance :math:`\alpha/N`) and a normal
matrix with a given spectrum. Random draws (symmetric, Gaussian) with spectral radius >= 1
are rejected and counted.

The empirical estimate of J(k) simulates the network and uses only what a simulation sees:
the sample noise covariance of the state and the measured response to an input pulse
(:func:`empirical_fisher_memory`).
"""

from __future__ import annotations

import numpy as np

from .rng import SeedLike, as_generator, haar_orthogonal

ENSEMBLES = ("orthogonal", "symmetric", "delay_ring", "delay_line", "gaussian")
NORMAL_ENSEMBLES = ("orthogonal", "symmetric", "delay_ring")

__all__ = ["ENSEMBLES", "NORMAL_ENSEMBLES", "orthogonal", "random_symmetric", "delay_ring",
           "delay_line", "gaussian", "normal_with_spectrum", "make_network", "random_input",
           "empirical_fisher_memory"]


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


def normal_with_spectrum(eigenvalues, seed: SeedLike) -> np.ndarray:
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
    W, v, eps: float, lags, n_samples: int, seed: SeedLike, phi: str = "linear",
    n_groups: int = 10, pulse: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Estimate J(k) at ``lags`` by simulating the noisy network, with standard errors.

    ``n_groups`` groups of independent chains are simulated from x = 0 (burn-in until
    :math:`\|W^b\|_F^2 < 10^{-10}`), batched as columns of one state matrix. Each chain is
    run twice with the same noise, with and without an input pulse of size ``pulse`` at
    n = 0, and:

    * the pulse response :math:`\hat u_k` is the mean difference of the paired states at lag
      k, divided by the pulse (exactly :math:`W^k v` for the linear network);
    * the noise covariance :math:`\hat C` is the sample second moment of the pulse-free
      states over every step after burn-in (``n_samples`` state vectors in all);
    * :math:`\hat J(k) = \varepsilon\,\hat u_k^\top \hat C^{-1} \hat u_k`, in units of
      :math:`1/\varepsilon` like :func:`analysis.fisher.fisher_memory_curve`.

    :math:`\hat C^{-1}` is biased upward by O(N / effective samples); the group jackknife
    removes that bias to first order and gives the standard error.

    Parameters
    ----------
    W, v : ndarray
        Network and input vector.
    eps : float
        Noise variance per neuron and step.
    lags : int or sequence of int
        Lags k at which J is estimated; an int ``k_max`` means every lag 0..k_max.
    n_samples : int
        Total state vectors used for the covariance (split over chains and steps).
    seed : seed-like
    phi : {"linear", "tanh"}
    n_groups : int
        Independent groups for the jackknife (>= 2).
    pulse : float, optional
        Pulse size; default 1 for linear, ``0.1*sqrt(eps)`` for tanh (small signal).

    Returns
    -------
    J, se : ndarray, shape (len(lags),)
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
    pulse = pulse if pulse is not None else (1.0 if phi == "linear" else 0.1 * np.sqrt(eps))
    burn = _burn_in(W)
    k_max = int(lags.max())
    G = n_groups
    cpg = max(1, int(np.ceil(np.sqrt(n_samples / 4) / G)))  # chains per group
    chains = G * cpg
    steps = max(k_max + 1, int(np.ceil(n_samples / chains)))
    sd = np.sqrt(eps)
    X = np.zeros((N, chains))
    for _ in range(burn):
        X = f(W @ X + sd * rng.standard_normal((N, chains)))
    S = np.zeros((G, N, N))  # per-group sums of x x^T
    U = np.zeros((G, N, k_max + 1))  # per-group sums of paired-state differences
    Y = X.copy()  # the same chains, with the pulse
    kick = pulse * v[:, None]
    for n in range(steps):
        Z = sd * rng.standard_normal((N, chains))
        X = f(W @ X + Z)
        if n <= k_max:
            Y = f(W @ Y + Z + (kick if n == 0 else 0.0))
            U[:, :, n] = (Y - X).reshape(N, G, cpg).sum(axis=2).T
        Xg = X.reshape(N, G, cpg).transpose(1, 0, 2)
        S += Xg @ Xg.transpose(0, 2, 1)

    def estimate(groups):
        C = S[groups].sum(0) / (steps * cpg * len(groups))
        u = U[groups].sum(0)[:, lags] / (cpg * len(groups) * pulse)
        y = np.linalg.solve(np.linalg.cholesky(C), u)
        return eps * np.einsum("ik,ik->k", y, y)

    everyone = np.arange(G)
    loo = np.array([estimate(np.delete(everyone, g)) for g in range(G)])
    J = G * estimate(everyone) - (G - 1) * loo.mean(0)
    se = np.sqrt((G - 1) / G * ((loo - loo.mean(0)) ** 2).sum(0))
    return J, se
