r"""Spiking liquid state machine: the cortical column of Maass, Natschläger & Markram (2002).

Model (Maass, Natschläger & Markram, Neural Computation 14:2531, 2002; ``docs/lsm.md`` §1):
leaky integrate-and-fire neurons on a 3-D grid (15 × 3 × 3 for 135 neurons), 20 % inhibitory,

.. math:: \tau_m \dot V = -V + R\,(I_\mathrm{bg} + I_\mathrm{syn}(t)),

threshold 15 mV, reset 13.5 mV, refractory 3 ms (E) / 2 ms (I), :math:`\tau_m` = 30 ms,
R = 1 MΩ, :math:`I_\mathrm{bg}` = 13.5 nA, initial V uniform in [13.5, 15] mV. A connection
a → b exists with probability :math:`C\,e^{-(D(a,b)/\lambda)^2}` (D: grid distance; C = 0.3 EE,
0.2 EI, 0.4 IE, 0.1 II; λ = 2). Synaptic currents jump by :math:`A\,u_n R_n` at each
presynaptic spike (after a delay of 1.5 ms EE, 0.8 ms otherwise) and decay with 3 ms
(excitatory) or 6 ms (inhibitory); Dale's law fixes the sign by the presynaptic type. The
dynamic synapse (Markram, Wang & Tsodyks 1998) follows, for inter-spike interval
:math:`\Delta_n`,

.. math:: u_{n+1} = U + u_n (1-U) e^{-\Delta_n/F}, \qquad
          R_{n+1} = 1 + (R_n - u_n R_n - 1) e^{-\Delta_n/D}, \qquad u_1 = U,\ R_1 = 1,

with (U, D, F) Gaussian around (0.5, 1.1 s, 0.05 s) EE, (0.05, 0.125 s, 1.2 s) EI,
(0.25, 0.7 s, 0.02 s) IE, (0.32, 0.144 s, 0.06 s) II, SD 50 % (draws outside U ∈ (0, 1],
D, F > 0 are redrawn and counted), and amplitudes A gamma-distributed (SD 100 %) around 30, 60,
−19, −19 nA. The input (one spike train per trial) reaches a random ``input_fraction`` of the
neurons (30 % by default, as in the paper) through static synapses of gamma-distributed
amplitude around 18 nA (to E) / 9 nA (to I), τ = 3 ms, delay 0.8 ms.

Integration: exact between grid points (dt = 0.1 ms by default): the membrane and both
synaptic currents are linear between spikes, so one step is an exact propagator (Rotter &
Diesmann 1999); spikes are detected at the end of each step and take effect on the grid.
Trials (inputs × initial states) run as one batch: every state array has a leading trial
axis, and the synapse updates of all spikes of a step are one vectorised gather/scatter.
The liquid state is the spike trains filtered by :math:`e^{-t/30\,\mathrm{ms}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from .limits import SIGMA_MAX, TAU_INPUT, reachable_distance
from .rng import SeedLike, as_generator

__all__ = ["LiquidColumn", "build_column", "isolated_neurons", "simulate", "lif_rate",
           "steady_state_synapse", "grid_shape", "poisson_trains", "input_distance",
           "trains_at_distances", "reachable_distance"]

# connection parameters indexed [pre_type, post_type], 0 = E, 1 = I (docs/lsm.md §1)
C_CONN = np.array([[0.3, 0.2], [0.4, 0.1]])
U_MEAN = np.array([[0.5, 0.05], [0.25, 0.32]])
D_MEAN = np.array([[1.1, 0.125], [0.7, 0.144]])  # s
F_MEAN = np.array([[0.05, 1.2], [0.02, 0.06]])  # s
A_MEAN = np.array([[30.0, 60.0], [-19.0, -19.0]])  # nA
DELAY = np.array([[1.5e-3, 0.8e-3], [0.8e-3, 0.8e-3]])  # s
TAU_SYN = np.array([3e-3, 6e-3])  # by presynaptic type, s
INPUT_A = np.array([18.0, 9.0])  # nA, to E / to I
INPUT_DELAY = 0.8e-3  # input synapses feed the excitatory current (tau 3 ms)
#: trials x neurons of one block of the batch (state arrays of ~0.8 MB stay in cache)
TRIALS_X_NEURONS = 100_000


def grid_shape(n_neurons: int) -> tuple[int, int, int]:
    """The column's grid: 15 × 3 × 3 for 135 neurons, 15 × 3 × 6 for 270, 15 × 6 × 6 for 540."""
    shapes = {135: (15, 3, 3), 270: (15, 3, 6), 540: (15, 6, 6)}
    if n_neurons in shapes:
        return shapes[n_neurons]
    if n_neurons % 15 == 0:
        rest = n_neurons // 15
        a = int(np.floor(np.sqrt(rest)))
        while rest % a:
            a -= 1
        return (15, a, rest // a)
    raise ValueError(f"column size {n_neurons} must be a multiple of 15 (allowed: 135, 270, 540"
                     ", or any 15 * a * b)")


@dataclass(frozen=True)
class LiquidColumn:
    """A column of LIF neurons with dynamic synapses (arrays in SI-like units: s, mV, nA, MΩ).

    Synapses are sorted by presynaptic neuron (``syn_ptr`` is the CSR row pointer), so the
    synapses of the neurons that spike in a step are contiguous ranges.
    """

    positions: np.ndarray  # (N, 3) grid coordinates
    inhibitory: np.ndarray  # (N,) bool
    pre: np.ndarray  # (S,) int
    post: np.ndarray  # (S,) int
    syn_ptr: np.ndarray  # (N + 1,) CSR pointer over pre
    A: np.ndarray  # (S,) nA, signed by Dale's law
    U: np.ndarray
    D: np.ndarray  # s
    F: np.ndarray  # s
    delay: np.ndarray  # (S,) s
    input_targets: np.ndarray  # (n_in,) int
    input_A: np.ndarray  # (n_in,) nA
    lam: float
    redrawn: dict = field(default_factory=dict)  # counts of redrawn out-of-range parameters
    tau_m: float = 30e-3
    v_thresh: float = 15.0
    v_reset: float = 13.5
    t_ref: tuple = (3e-3, 2e-3)  # E, I
    i_bg: float = 13.5
    r_m: float = 1.0

    @property
    def N(self) -> int:
        return len(self.inhibitory)

    @property
    def n_synapses(self) -> int:
        return len(self.pre)


def _positive_normal(rng, mean, sd_frac, upper=np.inf):
    """Gaussian draws (SD = sd_frac * mean) redrawn until in (0, upper]; returns (x, redraws)."""
    x = rng.normal(mean, sd_frac * mean)
    redrawn = 0
    bad = (x <= 0) | (x > upper)
    while bad.any():
        redrawn += int(bad.sum())
        x[bad] = rng.normal(mean[bad], sd_frac * mean[bad])
        bad = (x <= 0) | (x > upper)
    return x, redrawn


def build_column(n_neurons: int = 135, lam: float = 2.0, input_fraction: float = 0.3,
                 seed: SeedLike = None, inhibitory_fraction: float = 0.2) -> LiquidColumn:
    """Build a column from a seed (connectivity, synapse parameters, input synapses).

    Parameters
    ----------
    n_neurons : int
        Column size (135, 270, 540, or 15·a·b; see :func:`grid_shape`).
    lam : float
        Connection length scale λ (grid units) in :math:`C e^{-(D/\\lambda)^2}`.
    input_fraction : float
        Fraction of neurons that receive the input train (0.3 in the paper; 1.0 = all).
    """
    if lam <= 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    if not 0 < input_fraction <= 1:
        raise ValueError(f"input_fraction must be in (0, 1], got {input_fraction}")
    rng = as_generator(seed)
    shape = grid_shape(n_neurons)
    pos = np.stack(np.unravel_index(np.arange(n_neurons), shape), axis=1).astype(float)
    inh = np.zeros(n_neurons, bool)
    inh[rng.choice(n_neurons, int(round(inhibitory_fraction * n_neurons)), replace=False)] = True
    t = inh.astype(int)
    dist = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
    p = C_CONN[t[:, None], t[None, :]] * np.exp(-(dist / lam) ** 2)
    np.fill_diagonal(p, 0.0)
    pre, post = np.nonzero(rng.random(p.shape) < p)  # row-major: sorted by pre
    tp, tq = t[pre], t[post]
    U, nU = _positive_normal(rng, U_MEAN[tp, tq], 0.5, upper=1.0)
    D, nD = _positive_normal(rng, D_MEAN[tp, tq], 0.5)
    F, nF = _positive_normal(rng, F_MEAN[tp, tq], 0.5)
    mean_a = A_MEAN[tp, tq]
    A = np.sign(mean_a) * rng.gamma(1.0, np.abs(mean_a))  # gamma, SD 100 % = shape 1
    targets = np.sort(rng.choice(n_neurons, int(round(input_fraction * n_neurons)),
                                 replace=False))
    in_A = rng.gamma(1.0, INPUT_A[t[targets]])
    ptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n_neurons))])
    return LiquidColumn(pos, inh, pre, post, ptr, A, U, D, F, DELAY[tp, tq], targets, in_A,
                        float(lam), {"U": nU, "D": nD, "F": nF})


def isolated_neurons(n: int, inhibitory: bool = False) -> LiquidColumn:
    """``n`` unconnected neurons of the column's kind (for the analytic LIF check)."""
    z, zi = np.zeros(0), np.zeros(0, int)
    return LiquidColumn(np.zeros((n, 3)), np.full(n, inhibitory), zi, zi, np.zeros(n + 1, int),
                        z, z, z, z, z, zi, z, lam=1.0)


def poisson_trains(n: int, rate: float, T: float, seed: SeedLike) -> list[np.ndarray]:
    """``n`` homogeneous Poisson spike trains (sorted times in [0, T), s)."""
    rng = as_generator(seed)
    return [np.sort(rng.uniform(0, T, rng.poisson(rate * T))) for _ in range(n)]


def _propagators(col: LiquidColumn, dt: float):
    em = np.exp(-dt / col.tau_m)
    es = np.exp(-dt / TAU_SYN)
    # V gain per unit current of a synaptic current decaying with tau_s over one step (exact)
    ps = col.r_m * TAU_SYN / (TAU_SYN - col.tau_m) * (es - em)
    return em, es, ps


def simulate(column: LiquidColumn, input_spikes: np.ndarray, T: float, dt: float = 1e-4,
             seed: SeedLike = None, record_every: int = 50, tau_state: float = 30e-3,
             v_init: np.ndarray | None = None, input_current: np.ndarray | None = None,
             return_spikes: int = 0, synapse_state: bool = False,
             progress: Callable[[int, int], None] | None = None) -> dict:
    """Simulate a batch of trials of one column.

    Parameters
    ----------
    input_spikes : list of arrays, or None
        One input spike train (times in s) per trial; the batch size is its length.
    T, dt : float
        Duration and time step (s). Delays and refractory periods are rounded to the grid.
    seed : seed
        Draws the initial membrane potentials (uniform in [13.5, 15] mV), unless ``v_init``
        (B, N) is given.
    record_every : int
        The liquid state (spikes filtered by exp(-t / tau_state)) is recorded every
        ``record_every`` steps, at times ``(i + 1) * record_every * dt``.
    input_current : array (B, N), optional
        An extra constant current (nA), e.g. for the analytic LIF check.
    return_spikes : int
        Return the spike raster (steps × neurons, bool) of the first ``return_spikes`` trials.
    synapse_state : bool
        Also return ``u_last`` and ``R_last`` (trials × synapses, float64; large).

    Returns
    -------
    dict with ``states`` (B, n_rec, N) float32, ``times`` (n_rec,), ``spike_counts`` (B, N),
    ``raster`` (return_spikes, n_steps, N), and with ``synapse_state`` ``u_last``,
    ``R_last`` (B, n_synapses): each dynamic synapse's u_n and R_n at its last presynaptic
    spike.
    """
    col = column
    N, S = col.N, col.n_synapses
    B = len(input_spikes) if input_spikes is not None else len(v_init)
    n_steps = int(round(T / dt))
    V = (as_generator(seed).uniform(13.5, 15.0, (B, N)) if v_init is None
         else np.array(v_init, float, copy=True).reshape(B, N))
    block = max(1, TRIALS_X_NEURONS // N)
    if B > block:  # blocks of trials whose state arrays stay in cache; same result
        parts = []
        for lo in range(0, B, block):
            hi = min(B, lo + block)
            cur = (None if input_current is None else
                   np.broadcast_to(np.asarray(input_current, float), (B, N))[lo:hi])
            parts.append(simulate(
                col, None if input_spikes is None else input_spikes[lo:hi], T, dt,
                record_every=record_every, tau_state=tau_state, v_init=V[lo:hi],
                input_current=cur, return_spikes=max(0, min(return_spikes - lo, hi - lo)),
                synapse_state=synapse_state,
                progress=None if progress is None else
                (lambda k, n, lo=lo: progress(lo * n + k * (min(B, lo + block) - lo), B * n))))
        out = dict(parts[0])
        for key in ("states", "spike_counts", "raster",
                    *(("u_last", "R_last") if synapse_state else ())):
            out[key] = np.concatenate([p.pop(key) for p in parts])
        return out
    # input trains -> spike counts per step, (n_steps, B)
    counts = np.zeros((n_steps, B), np.float64)
    if input_spikes is not None:
        for b, times in enumerate(input_spikes):
            steps = np.floor(np.asarray(times) / dt).astype(int)
            np.add.at(counts[:, b], steps[(steps >= 0) & (steps < n_steps)], 1.0)
    em, es, ps = _propagators(col, dt)
    v_inf = col.r_m * col.i_bg
    inh = col.inhibitory
    ref_steps = np.where(inh, round(col.t_ref[1] / dt), round(col.t_ref[0] / dt))
    d_syn = np.rint(col.delay / dt).astype(int)
    d_in = int(round(INPUT_DELAY / dt))
    L = int(max(d_syn.max(initial=0), d_in)) + 2  # ring of pending current increments
    ring = np.zeros((2, L, B, N))  # [E/I current, slot, trial, neuron]
    ring_flat = ring.reshape(-1)
    syn_type = inh[col.pre].astype(int)
    deg = np.diff(col.syn_ptr)
    Isyn = np.zeros((2, B, N))
    v_eff = v_inf + (0.0 if input_current is None
                     else col.r_m * np.broadcast_to(np.asarray(input_current, float), (B, N)))
    drive = v_eff * (1 - em)  # V -> V em + v_eff (1 - em) + synaptic terms
    ref_until = np.zeros((B, N), np.int64)  # first step at which a neuron integrates again
    held = np.zeros((B, N), bool)
    tmp = np.empty((B, N))
    u_last = np.zeros((B, S))
    R_last = np.ones((B, S))
    last_spike = np.full((B, N), -np.inf)
    n_rec = n_steps // record_every
    states = np.empty((B, n_rec, N), np.float32)
    raster = np.zeros((return_spikes, n_steps, N), bool)
    spike_counts = np.zeros(B * N, np.int64)
    # liquid state: spikes since the last record enter with weight exp(-(t_rec - t)/tau)
    x = np.zeros(B * N)
    decay_rec = np.exp(-record_every * dt / tau_state)
    in_gain = np.zeros(N)
    in_gain[col.input_targets] = col.input_A
    in_input = np.zeros(N, bool)
    in_input[col.input_targets] = True
    V_flat = V.reshape(-1)
    for n in range(n_steps):
        slot = n % L
        Isyn += ring[:, slot]
        ring[:, slot] = 0.0
        c = counts[n]
        if c.any():  # input spikes of this step arrive after the input delay (excitatory)
            ring[0, (n + d_in) % L] += c[:, None] * in_gain
        # exact propagation over one step: membrane, then both synaptic currents
        V *= em
        V += drive
        np.multiply(Isyn[0], ps[0], out=tmp)
        V += tmp
        np.multiply(Isyn[1], ps[1], out=tmp)
        V += tmp
        np.greater(ref_until, n, out=held)
        np.copyto(V, col.v_reset, where=held)  # refractory: clamped at reset
        Isyn[0] *= es[0]
        Isyn[1] *= es[1]
        idx = np.flatnonzero(V_flat >= col.v_thresh)
        if len(idx):
            bs, js = np.divmod(idx, N)
            V_flat[idx] = col.v_reset
            ref_until.reshape(-1)[idx] = n + 1 + ref_steps[js]
            x[idx] += np.exp(-((record_every - 1 - n % record_every) * dt) / tau_state)
            spike_counts[idx] += 1
            if return_spikes:
                first = bs < return_spikes
                raster[bs[first], n, js[first]] = True
            k = deg[js]
            if k.sum():
                # every synapse of every spiking neuron: (trial, synapse) pairs
                b_rep = np.repeat(bs, k)
                syn = np.arange(k.sum()) + np.repeat(col.syn_ptr[js] - np.cumsum(k) + k, k)
                t_now = (n + 1) * dt
                gap = t_now - np.repeat(last_spike[bs, js], k)
                u0, R0 = u_last[b_rep, syn], R_last[b_rep, syn]
                Us = col.U[syn]
                u_new = Us + u0 * (1 - Us) * np.exp(-gap / col.F[syn])
                R_new = 1 + (R0 - u0 * R0 - 1) * np.exp(-gap / col.D[syn])
                u_last[b_rep, syn] = u_new
                R_last[b_rep, syn] = R_new
                arrive = (n + 1 + d_syn[syn]) % L
                flat = ((syn_type[syn] * L + arrive) * B + b_rep) * N + col.post[syn]
                np.add.at(ring_flat, flat, col.A[syn] * u_new * R_new)
            last_spike[bs, js] = (n + 1) * dt
        if (n + 1) % record_every == 0:
            states[:, (n + 1) // record_every - 1] = x.reshape(B, N)
            x *= decay_rec
        if progress is not None and (n + 1) % 1000 == 0:
            progress(n + 1, n_steps)
    spike_counts = spike_counts.reshape(B, N)
    return {"states": states, "times": (np.arange(n_rec) + 1) * record_every * dt,
            "spike_counts": spike_counts, "raster": raster, "n_steps": n_steps, "dt": dt,
            "input_targets_mask": in_input,
            **({"u_last": u_last, "R_last": R_last} if synapse_state else {})}


def lif_rate(current: float, tau_m: float = 30e-3, v_thresh: float = 15.0,
             v_reset: float = 13.5, t_ref: float = 3e-3, r_m: float = 1.0,
             dt: float | None = None) -> float:
    r"""Exact firing rate (Hz) of the LIF neuron under a constant total current (nA).

    Continuous time (``dt`` None): :math:`1 / (t_\mathrm{ref} + \tau_m \ln\frac{V_\infty -
    V_\mathrm{reset}}{V_\infty - \theta})`, :math:`V_\infty = R I`; 0 if :math:`V_\infty \le
    \theta`. On a grid of step ``dt`` (spikes detected at step ends, the refractory period
    rounded to the grid) the threshold passage is rounded up to the grid: the exact rate of
    the discretised neuron.
    """
    v_inf = r_m * current
    if v_inf <= v_thresh:
        return 0.0
    t_cross = tau_m * np.log((v_inf - v_reset) / (v_inf - v_thresh))
    if dt is not None:
        t_cross = np.ceil(t_cross / dt - 1e-9) * dt
        t_ref = round(t_ref / dt) * dt
    return 1.0 / (t_ref + t_cross)


def steady_state_synapse(U: ArrayLike, D: ArrayLike, F: ArrayLike, interval: float
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Steady state (u*, R*, u* R*) of the dynamic synapse under a regular train.

    :math:`u^* = U / (1 - (1-U) e^{-\Delta/F})`, :math:`R^* = (1 - e^{-\Delta/D}) /
    (1 - (1-u^*) e^{-\Delta/D})` (Markram, Wang & Tsodyks 1998; Tsodyks et al. 1998).
    """
    eF, eD = np.exp(-interval / F), np.exp(-interval / D)
    u = U / (1 - (1 - U) * eF)
    R = (1 - eD) / (1 - (1 - u) * eD)
    return u, R, u * R


def input_distance(u: np.ndarray, v: np.ndarray, T: float = 0.5, tau: float = TAU_INPUT
                   ) -> float:
    r"""d(u, v): L2 distance of the Gaussian-filtered spike trains divided by T (s^-1/2).

    Maass, Natschläger & Markram (2002): the trains convolved with the kernel
    :math:`e^{-(t/\tau)^2}` (τ = 5 ms), their L2 distance divided by the duration T,

    .. math:: d(u,v) = \frac{1}{T}\Big(\tau\sqrt{\pi/2}\sum_{i,j}\big[G(u_i-u_j)
              + G(v_i-v_j) - 2G(u_i-v_j)\big]\Big)^{1/2}, \qquad G(x) = e^{-x^2/2\tau^2},

    (the kernel's overlap integral in closed form; T and τ in seconds).
    """
    u, v = np.asarray(u, float), np.asarray(v, float)

    def overlap(a, b):
        return np.exp(-np.subtract.outer(a, b) ** 2 / (2 * tau**2)).sum()

    sq = tau * np.sqrt(np.pi / 2) * (overlap(u, u) + overlap(v, v) - 2 * overlap(u, v))
    return float(np.sqrt(max(sq, 0.0)) / T)


def _reflect(t, T):
    t = np.abs(t) % (2 * T)
    return np.where(t >= T, 2 * T - t - 1e-12, t)


def trains_at_distances(distances: ArrayLike, T: float, rate: float, rng: SeedLike,
                        tol: float = 1e-3, max_tries: int = 100
                        ) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, int]:
    """A Poisson train u and, for every target distance d, a jittered copy v_d with d(u, v_d) = d.

    v_d = u + σ_d z with one standard normal vector z shared by all distances (times reflected
    into [0, T)); σ_d is found by bisection to ±tol. The copies of one u are therefore nested
    (common random numbers): the separation curves of different d differ by the input
    distance, not by the draw of u, and their ordering can be tested pair by pair. d = 0
    gives v = u. Trains too short to reach the largest d are redrawn (counted).

    Returns
    -------
    u, list of v_d, achieved distances (array), number of redrawn trains
    """
    distances = np.asarray(distances, float)
    for tries in range(max_tries):
        u = np.sort(rng.uniform(0, T, rng.poisson(rate * T)))
        z = rng.standard_normal(len(u))

        def jittered(sig, u=u, z=z):
            return np.sort(_reflect(u + sig * z, T))

        if len(u) == 0 or input_distance(u, jittered(SIGMA_MAX), T) < distances.max():
            continue
        vs, got = [], []
        for d in distances:
            lo, hi, sig, dm = 0.0, SIGMA_MAX, 0.0, 0.0
            while d > 0 and abs(dm - d) > tol:
                sig = 0.5 * (lo + hi)
                dm = input_distance(u, jittered(sig), T)
                lo, hi = (sig, hi) if dm < d else (lo, sig)
                if hi - lo < 1e-12:
                    break
            vs.append(jittered(sig) if d > 0 else u.copy())
            got.append(dm)
        if np.all(np.abs(np.array(got) - distances) <= tol):
            return u, vs, np.array(got), tries
    raise RuntimeError(f"no input trains at distances {distances.tolist()} after {max_tries} "
                       f"draws (rate {rate} Hz, T {T} s); allowed: smaller distances")
