r"""Hopfield network with Hebbian storage: one-step error, attractor retrieval, fixed points.

Model (Hopfield 1982; Hertz, Krogh & Palmer 1991, ch. 2; ``docs/hopfield.md`` §1): ``N`` binary
neurons :math:`s_i = \pm 1` store ``P`` random patterns :math:`\xi^\mu \in \{\pm1\}^N`
(load :math:`\alpha = P/N`) in Hebbian couplings

.. math:: w_{ij} = \frac{1}{N} \sum_{\mu=1}^{P} \xi_i^\mu \xi_j^\mu, \qquad w_{ii} = 0
          \ \text{(or kept)},

and evolve by :math:`s_i \leftarrow \operatorname{sgn}(h_i)`, :math:`h_i = \sum_j w_{ij} s_j`,
where a field of exactly zero keeps the current state.

Implementation notes
--------------------
* Couplings are held unnormalised, :math:`C = N w = \xi^\top \xi` (sign dynamics are invariant
  to the positive factor ``1/N``). ``C`` and all fields are integers; they are exact in
  ``float32`` whenever every partial sum stays below :math:`2^{24}`, which is checked
  (the bound :math:`\max_i \sum_j |C_{ij}|`), and ``float64`` is used otherwise. So the
  float32 BLAS products are exact and results do not depend on the BLAS or thread count.
* Asynchronous dynamics are random-order sweeps: in each sweep every neuron is visited once,
  in a fresh uniformly random order, and updated with the current field. Only flips change
  anything, so the kernel jumps from one flip to the next (the first unstable neuron, i.e.
  :math:`s_i h_i < 0`, after the current position in the sweep order) and updates the fields
  incrementally, :math:`h \mathrel{+}= 2 s_j^{\text{new}} C_{:,j}`. Each step is vectorised
  over all trajectories (starting states and networks) of a batch; there is no loop over
  neurons. A run ends when no neuron is unstable (a fixed point; the energy
  :math:`E = -\tfrac12 \sum_{ij} w_{ij} s_i s_j` falls with every flip, so it always does).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from .rng import SeedLike, as_generator

__all__ = [
    "random_patterns",
    "hebbian_weights",
    "coupling_counts",
    "one_step_flips",
    "asynchronous_dynamics",
    "simulate_capacity",
]

_EXACT_F32 = 2**24  # integers of magnitude below this are exact in float32
_BATCH_BYTES = 256 * 2**20  # memory budget for the stacked couplings of one batch
_GEMM_ROWS = 4096  # rows of the coupling matrix computed per BLAS call


def random_patterns(P: int, N: int, seed: SeedLike) -> np.ndarray:
    """Draw ``P`` i.i.d. uniform ±1 patterns of ``N`` neurons, shape ``(P, N)``, dtype int8."""
    rng = as_generator(seed)
    return (rng.integers(0, 2, size=(P, N), dtype=np.int8) * 2 - 1).astype(np.int8)


def _check_patterns(patterns: np.ndarray) -> np.ndarray:
    patterns = np.asarray(patterns)
    if patterns.ndim != 2 or patterns.shape[0] < 1 or patterns.shape[1] < 2:
        raise ValueError(f"patterns must have shape (P, N) with P >= 1 and N >= 2, "
                         f"got {patterns.shape}")
    if not np.all(np.abs(patterns) == 1):
        raise ValueError("patterns must contain only +1 and -1")
    return patterns


def coupling_counts(patterns: np.ndarray, zero_diagonal: bool = True) -> np.ndarray:
    r"""Unnormalised Hebbian couplings :math:`C = \xi^\top\xi` (``= N w``), exact.

    Returned in ``float32`` when all fields :math:`\sum_j C_{ij} s_j` are exact in float32
    (:math:`\max_i \sum_j |C_{ij}| < 2^{24}`), in ``float64`` otherwise.
    """
    xi = _check_patterns(patterns).astype(np.float32)
    P, N = xi.shape
    # entries are sums of P terms of ±1: exact since P < 2**24. Row blocks keep single BLAS
    # calls moderate (OpenBLAS 0.3.31 sgemm segfaults on a 28000 x 28000 output).
    C = np.empty((N, N), np.float32)
    for i in range(0, N, _GEMM_ROWS):
        np.matmul(xi[:, i:i + _GEMM_ROWS].T, xi, out=C[i:i + _GEMM_ROWS])
    if zero_diagonal:
        np.fill_diagonal(C, 0.0)
    if P * N >= _EXACT_F32 and _max_abs_row_sum(C) >= _EXACT_F32:
        C = C.astype(np.float64)
    return C


def _max_abs_row_sum(C: np.ndarray, block: int = 1024) -> float:
    """max_i sum_j |C_ij|, in row blocks (no full-size temporary)."""
    return max(float(np.abs(C[i:i + block]).sum(axis=1, dtype=np.float64).max())
               for i in range(0, C.shape[0], block))


def hebbian_weights(patterns: np.ndarray, zero_diagonal: bool = True) -> np.ndarray:
    r"""Hebbian weight matrix :math:`w_{ij} = \frac1N \sum_\mu \xi_i^\mu \xi_j^\mu`.

    Parameters
    ----------
    patterns : array_like, shape (P, N)
        Stored patterns, entries ±1.
    zero_diagonal : bool, default True
        Set :math:`w_{ii} = 0` (the standard choice). Keeping the diagonal
        (:math:`w_{ii} = P/N`) stabilises every state and changes the one-step error to
        :math:`\Phi(-(1+\alpha)/\sqrt{\alpha})`.

    Returns
    -------
    numpy.ndarray, shape (N, N), float64
        Symmetric weights.

    References
    ----------
    Hertz, Krogh & Palmer (1991), *Introduction to the Theory of Neural Computation*, Eq. 2.9.
    """
    N = np.shape(patterns)[1]
    return coupling_counts(patterns, zero_diagonal).astype(np.float64) / N


def one_step_flips(patterns: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Boolean ``(P, N)``: bits of each stored pattern that flip on one synchronous update.

    A bit flips when :math:`\\xi_i h_i < 0`; a zero field keeps the state.
    """
    xi = np.asarray(patterns, dtype=C.dtype)
    flips = np.empty(xi.shape, bool)
    for i in range(0, xi.shape[1], _GEMM_ROWS):  # column blocks (C is symmetric)
        flips[:, i:i + _GEMM_ROWS] = (xi[:, i:i + _GEMM_ROWS]
                                      * (xi @ C[:, i:i + _GEMM_ROWS])) < 0
    return flips


def asynchronous_dynamics(
    C: np.ndarray,
    states: np.ndarray,
    seed: SeedLike | list[np.random.Generator],
    network: np.ndarray | None = None,
    max_sweeps: int = 1000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run zero-temperature random-order asynchronous dynamics to a fixed point.

    Parameters
    ----------
    C : ndarray, shape (N, N) or (n_networks, N, N)
        Symmetric couplings (e.g. from :func:`coupling_counts`); only signs of fields matter.
    states : ndarray, shape (B, N)
        Initial states (±1), one trajectory per row.
    seed : seed or list of Generator
        Source of the sweep orders. A list gives one Generator per trajectory, which makes
        each trajectory independent of how trajectories are batched.
    network : ndarray of int, shape (B,), optional
        Index into the first axis of a 3-D ``C`` for each trajectory.
    max_sweeps : int
        Safety cap on the number of sweeps of one trajectory.

    Returns
    -------
    final : ndarray, shape (B, N), int8
        Final states.
    sweeps : ndarray, shape (B,), int
        Sweeps started by each trajectory (the last one finds no unstable neuron).
    converged : ndarray, shape (B,), bool
        False where ``max_sweeps`` was reached before a fixed point.
    """
    C3 = C[None] if C.ndim == 2 else C
    S = np.array(states, dtype=C3.dtype)
    B, N = S.shape
    if C3.shape[1:] != (N, N):
        raise ValueError(f"couplings {C.shape} do not match states {S.shape}")
    net = np.zeros(B, np.intp) if network is None else np.asarray(network, np.intp)
    gens = (list(seed) if isinstance(seed, list)
            else as_generator(seed).spawn(B))
    if len(gens) != B:
        raise ValueError(f"need one generator per trajectory ({B}), got {len(gens)}")

    H = np.empty_like(S)
    for n in np.unique(net):
        rows = np.flatnonzero(net == n)
        H[rows] = S[rows] @ C3[n]
    # rank[b, i]: position of neuron i in the current sweep order of trajectory b.
    rank = np.empty((B, N), np.int32)

    def new_sweep(rows: np.ndarray) -> None:
        for r in rows:
            rank[r] = gens[idx[r]].permutation(N)

    final = np.empty((B, N), np.int8)
    sweeps = np.ones(B, np.int64)
    converged = np.ones(B, bool)
    idx = np.arange(B)  # original row of each working row
    ptr = np.full(B, -1, np.int64)  # sweep position of the last neuron visited
    new_sweep(np.arange(B))
    C2 = C3.reshape(-1, N)  # row n*N + j is column j of network n (C is symmetric)
    margin = np.empty_like(S)
    halted = np.zeros(B, bool)  # reached max_sweeps
    while idx.size:
        b = idx.size
        np.multiply(S, H, out=margin[:b])
        # unstable neurons (s_i h_i < 0) are few: work on their flat indices only
        flat = np.flatnonzero(margin[:b] < 0)
        r_u = flat // N
        c_u = flat - r_u * N
        # distance in the sweep order after the last visited neuron; neurons already
        # visited in this sweep (rank <= ptr) sort after every unvisited one
        v = rank[r_u, c_u] - ptr[r_u] - 1
        v[v < 0] += 2 * N
        first = np.flatnonzero(np.r_[True, r_u[1:] != r_u[:-1]]) if flat.size else flat
        best = np.minimum.reduceat(v * N + c_u, first) if flat.size else flat
        rows = r_u[first]
        j = best % N
        wrapped = best // N >= N
        if wrapped.any():  # the sweep ended with unstable neurons left: start a new one
            wrap = rows[wrapped]
            sweeps[idx[wrap]] += 1
            over = sweeps[idx[wrap]] > max_sweeps
            converged[idx[wrap[over]]] = False
            halted[wrap[over]] = True
            new_sweep(wrap[~over])
            ptr[wrap] = -1
            j[wrapped] = np.where(margin[wrap] < 0, rank[wrap], N).argmin(axis=1)
        keep = ~halted[rows]
        rows, j = rows[keep], j[keep]
        if rows.size:
            ptr[rows] = rank[rows, j]
            s_new = -S[rows, j]
            S[rows, j] = s_new
            delta = np.take(C2, net[rows] * N + j, axis=0)
            np.multiply(delta, (2 * s_new)[:, None], out=delta)
            if rows.size == b:
                H += delta
            else:
                H[rows] += delta
        done = np.ones(b, bool)
        done[rows] = False
        n_done = b - rows.size
        if n_done and (n_done * 8 >= b or rows.size == 0):
            final[idx[done]] = S[done]
            keep = ~done
            idx, S, H, rank, ptr, net, halted = (
                a[keep] for a in (idx, S, H, rank, ptr, net, halted))
    return final, sweeps, converged


def simulate_capacity(
    N: int,
    alpha: float,
    n_networks: int,
    seed: SeedLike,
    zero_diagonal: bool = True,
    cue_flip: float = 0.1,
    max_starts: int | None = 10,
    max_sweeps: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    r"""Simulate ``n_networks`` Hebbian networks at one load and measure their memory.

    For each network, ``P = round(alpha * N)`` random patterns are stored and measured:

    * ``one_step_error``: fraction of the :math:`PN` stored bits that flip after one
      synchronous update started from their pattern (theory
      :math:`\Phi(-1/\sqrt\alpha)`; :func:`analysis.hopfield.one_step_error`);
    * ``fixed_point_fraction``: fraction of the ``P`` patterns that are exact fixed points;
    * ``overlap``: final overlap :math:`m = \frac1N \sum_i \xi_i s_i` after asynchronous
      dynamics started from a stored pattern, mean over starts (theory: the
      Amit–Gutfreund–Sompolinsky :math:`m(\alpha)` below :math:`\alpha_c \approx 0.138`);
    * ``cue_overlap``: the same, started from the pattern with ``round(cue_flip*N)`` bits
      flipped at random.

    Parameters
    ----------
    N : int
        Number of neurons (>= 2).
    alpha : float
        Load ``P/N`` in (0, 1); the realised load is ``P/N`` with ``P = round(alpha*N)``.
    n_networks : int
        Independent networks (replicates). Network ``n`` draws from the ``n``-th child of
        ``seed``, so the first networks do not change when ``n_networks`` grows.
    seed : int, sequence of int, SeedSequence or Generator
        Root of all random draws.
    zero_diagonal : bool
        Use :math:`w_{ii}=0` (default) or keep :math:`w_{ii}=P/N`.
    cue_flip : float
        Fraction of bits flipped in the retrieval cue (0 <= cue_flip < 0.5).
    max_starts : int, optional
        Patterns per network used as starting points of the dynamics (a random subset when
        ``P > max_starts``; all patterns when None). One-step error and fixed points always
        use all ``P`` patterns.
    max_sweeps : int
        Cap on asynchronous sweeps; trajectories that hit it are counted in ``n_unconverged``.
    progress : callable, optional
        Called as ``progress(networks_done, n_networks)``.

    Returns
    -------
    xarray.Dataset
        Dimension ``network``; scalar coordinates ``N``, ``alpha``, ``P``.
    """
    N, P = int(N), int(round(alpha * N))
    if N < 2 or P < 1:
        raise ValueError(f"need N >= 2 and P = round(alpha*N) >= 1, got N={N}, alpha={alpha}")
    if not 0 <= cue_flip < 0.5:
        raise ValueError(f"cue_flip must be in [0, 0.5), got {cue_flip}")
    n_starts = P if max_starts is None else min(P, int(max_starts))
    n_cue = int(round(cue_flip * N))
    children = as_generator(seed).spawn(n_networks)

    out = {k: np.empty(n_networks) for k in
           ("one_step_error", "one_step_error_var", "fixed_point_fraction", "overlap",
            "cue_overlap")}
    out["n_unconverged"] = np.zeros(n_networks, np.int64)
    per_batch = max(1, min(n_networks, _BATCH_BYTES // (8 * N * N)))
    for first in range(0, n_networks, per_batch):
        nets = range(first, min(first + per_batch, n_networks))
        Cs, starts, targets, gens = [], [], [], []
        for n in nets:
            rng = children[n]
            xi = random_patterns(P, N, rng)
            C = coupling_counts(xi, zero_diagonal)
            flips = one_step_flips(xi, C)
            out["one_step_error"][n] = flips.mean()
            # sampling variance of that mean under crossed pattern and neuron effects
            out["one_step_error_var"][n] = (flips.mean(1).var(ddof=1) / P if P > 1 else 0.0) \
                + flips.mean(0).var(ddof=1) / N
            out["fixed_point_fraction"][n] = (~flips.any(axis=1)).mean()
            probe = (np.sort(rng.choice(P, n_starts, replace=False)) if n_starts < P
                     else np.arange(P))
            cue = xi[probe].copy()
            if n_cue:
                flip_at = np.argsort(rng.random((n_starts, N)), axis=1)[:, :n_cue]
                np.put_along_axis(cue, flip_at, -np.take_along_axis(cue, flip_at, 1), 1)
            Cs.append(C)
            starts += [xi[probe], cue]
            targets += [xi[probe], xi[probe]]
            gens += rng.spawn(2 * n_starts)
        dtype = np.result_type(*Cs)
        C3 = (Cs[0][None] if len(Cs) == 1  # a view: no copy of the largest array
              else np.stack([C.astype(dtype, copy=False) for C in Cs]))
        del Cs
        network = np.repeat(np.arange(len(nets)), 2 * n_starts)
        final, _, conv = asynchronous_dynamics(C3, np.concatenate(starts), gens, network,
                                               max_sweeps)
        m = (final.astype(np.float32) * np.concatenate(targets)).mean(axis=1)
        m = m.reshape(len(nets), 2, n_starts)
        for k, n in enumerate(nets):
            out["overlap"][n] = m[k, 0].mean()
            out["cue_overlap"][n] = m[k, 1].mean()
            out["n_unconverged"][n] = (~conv.reshape(len(nets), -1)[k]).sum()
        if progress is not None:
            progress(nets[-1] + 1, n_networks)

    frac = {"units": "1"}
    ds = xr.Dataset(
        {
            "one_step_error": ("network", out["one_step_error"], {
                "long_name": "fraction of stored bits flipped by one synchronous update",
                **frac}),
            "one_step_error_var": ("network", out["one_step_error_var"], {
                "long_name": "sampling variance of one_step_error within the network "
                             "(pattern and neuron effects: var of row means/P + var of "
                             "column means/N)", **frac}),
            "fixed_point_fraction": ("network", out["fixed_point_fraction"], {
                "long_name": "fraction of stored patterns that are fixed points", **frac}),
            "overlap": ("network", out["overlap"], {
                "long_name": "final overlap, asynchronous dynamics from a stored pattern",
                **frac}),
            "cue_overlap": ("network", out["cue_overlap"], {
                "long_name": f"final overlap from a cue with {cue_flip:g} of bits flipped",
                **frac}),
            "n_unconverged": ("network", out["n_unconverged"], {
                "long_name": f"trajectories without a fixed point after {max_sweeps} sweeps",
                "units": "1"}),
            "starts_per_network": ((), n_starts, {
                "long_name": "stored patterns per network used as starts of the "
                             "asynchronous dynamics: min(P, max_starts)", "units": "1"}),
        },
        coords={
            "network": ("network", np.arange(n_networks),
                        {"long_name": "network replicate", "units": "1"}),
            "N": ((), N, {"long_name": "number of neurons", "units": "1"}),
            "alpha": ((), float(alpha), {"long_name": "nominal load P/N", "units": "1"}),
            "P": ((), P, {"long_name": "number of stored patterns", "units": "1"}),
        },
        attrs={"zero_diagonal": int(zero_diagonal), "cue_flip": cue_flip,
               "max_sweeps": max_sweeps},
    )
    return ds
