"""Closed-form limits that configuration validation needs, in pure Python.

Snakemake parses the workflow (and so validates the configuration) in every job; these
functions therefore import neither numpy nor xarray. The simulators re-export them
(:func:`memory_dynamics.sim.saxe.step_stiffness`,
:func:`memory_dynamics.sim.lsm.reachable_distance`) and their tests check them against
simulation.
"""

from __future__ import annotations

import math

TAU_INPUT = 5e-3  # s, the Gaussian kernel of the LSM input distance
SIGMA_MAX = 0.05  # s, the largest spike-time jitter tried for an LSM input distance


def step_stiffness(s: float, c: float, depth: int) -> float:
    r"""Half the largest Hessian eigenvalue per unit learning rate at the end of learning.

    For a mode of strength :math:`s` with whitened inputs :math:`\Sigma^x = cI`, gradient
    descent on ``depth`` = D balanced layers :math:`w` (product :math:`a = w^D`) converges to
    :math:`a^* = s/c`; there the loss Hessian has the single nonzero eigenvalue
    :math:`\lambda = D c\,(s/c)^{2(D-1)/D}` (the gradient of :math:`a` is :math:`w^{D-1}` in
    every layer). Descent with rate ``lr`` is stable iff :math:`\mathrm{lr}\,\lambda/2 < 1`:
    ``lr * s < 1`` for two layers, ``lr * c / 2 < 1`` for one, and
    :math:`\tfrac32\,\mathrm{lr}\,s\,(s/c)^{1/3} < 1` for three (a three-layer network
    needs a smaller rate than a two-layer one once :math:`s/c > (2/3)^3`).

    Returns
    -------
    float
        :math:`\lambda/2` (multiply by ``lr``).
    """
    return 0.5 * depth * c * (s / c) ** (2 * (depth - 1) / depth)


def tree_top_singular_value(depth: int) -> float:
    r"""Largest singular value of the deterministic tree's item-feature matrix.

    With one feature per node of a binary tree of depth :math:`L` (1 for the items below the
    node), :math:`(Y^\top Y)_{ij}` counts the nodes above both items :math:`i` and
    :math:`j`: :math:`k + 1` when their lowest common ancestor is at level :math:`k`. The
    uniform vector is a positive eigenvector of this non-negative matrix, hence its Perron
    vector, with eigenvalue the row sum

    .. math:: s_1^2 = (L + 1) + \sum_{k=0}^{L-1} 2^{L-k-1}\,(k + 1)

    (each item has :math:`2^{L-k-1}` partners whose common ancestor is at level :math:`k`).
    """
    return math.sqrt(depth + 1 + sum(2 ** (depth - k - 1) * (k + 1) for k in range(depth)))


def reachable_distance(rate: float, T: float, sigma: float = SIGMA_MAX,
                       tau: float = TAU_INPUT) -> float:
    r"""Root-mean-square input distance between a Poisson train and its jittered copy.

    Jittering each of the :math:`N \sim \mathrm{Poisson}(rT)` spikes by :math:`\sigma z`
    leaves the expected cross terms of the input distance unchanged (for a Poisson train the
    pairs :math:`i \ne j` see the same density at any shift) and scales each spike's own
    overlap by :math:`E\,G(\sigma z) = (1 + \sigma^2/\tau^2)^{-1/2}`, so

    .. math:: E\,d^2 = \frac{2 r \tau\sqrt{\pi/2}}{T}
              \Big(1 - \frac{1}{\sqrt{1 + \sigma^2/\tau^2}}\Big).

    At the largest jitter tried (``SIGMA_MAX``) this bounds the distances
    :func:`memory_dynamics.sim.lsm.trains_at_distances` can reach: d ~ 1/sqrt(T), so long
    trials at low rates reach only small distances. Measured against 400 draws each: E d^2
    within 5 % for rates 1-200 Hz and T 0.2-10 s.
    """
    return math.sqrt(2 * rate * tau * math.sqrt(math.pi / 2) / T
                     * (1 - 1 / math.sqrt(1 + (sigma / tau) ** 2)))
