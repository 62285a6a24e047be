r"""Trained recurrent networks: RNNs, LSTMs and GRUs that learn to remember (JAX).

Three tasks (``docs/trained.md`` §1), each a :class:`Recall`, :class:`Copy` or
:class:`Adding` object: delayed recall (one of K symbols enters at t = 0, then T steps of
input noise; the network answers at t = T), the copy task and the adding problem. For
delayed recall the network

.. math:: a_0 = U x_0 + b, \qquad a_t = W h_{t-1} + \sigma_u \xi_t + b \ (t \ge 1), \qquad
          h_t = \tanh(a_t), \qquad \mathrm{logits} = V h_T + c,

starts at :math:`h_{-1} = 0`; the symbol enters as :math:`x_0 = \sqrt K\,e_s` and the noise
:math:`\xi_t \sim \mathcal N(0, I_N)` on every unit independently (full rank), t = 1..T. At
initialisation :math:`W_{ij}\sim\mathcal N(0, g^2/N)`, :math:`U_{ik}\sim\mathcal N(0, 1/K)`
(the symbol adds variance 1 to every pre-activation), :math:`b = 0`,
:math:`V_{ki}\sim\mathcal N(0, 1/N)`, :math:`c = 0`: the pre-activations are those of the
mean-field model of the ``gradients`` study, :math:`a_t = W\varphi(a_{t-1}) + \sigma_u\xi_t`
(Poole et al. 2016; Chen, Pennington & Schoenholz 2018). Every parameter is trained by Adam
on the cross-entropy of the answer, with a fresh batch per step.

Many networks are trained at once: :func:`train_recall` maps one training run over gains and
seeds with ``jax.vmap`` (batched matrix products), runs time with ``lax.scan`` and each block
of Adam steps with a second ``lax.scan``, compiled once per lag by ``jax.jit`` (the blocks
report progress between them). Training is float32.

XLA's CPU backend runs Eigen single-threaded and without its YNNPACK fusions (``XLA_FLAGS``,
set on import): with them a process confined to one core and one free on two trained
different bits (same seeds, jax 0.10.2). Every reduction then runs in one order and results
are identical for any number of cores or jobs (tested). The same flags set XLA's backend
optimisation level to 1: every lag has its own shapes and is compiled once, which took 11.6 s
at the default level and 4.0 s at level 1 (16 units, 12 networks), at the same run time
within the noise of a 2-core machine. If JAX was imported before this module
with other flags, they are kept (and determinism across thread counts is not guaranteed).
"""

from __future__ import annotations

import os
import sys

if "jax" not in sys.modules:  # must precede the first import of jax
    _PIN = ("--xla_cpu_multi_thread_eigen=false --xla_cpu_experimental_ynn_fusion_type= "
            "--xla_backend_optimization_level=1")
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_PIN}".strip()

from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import partial  # noqa: E402

import jax  # noqa: E402
import jax.flatten_util  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

__all__ = ["VanillaRNN", "LSTM", "GRU", "CELLS", "Recall", "Copy", "Adding", "TASKS",
           "init_params", "recall_batch", "recall_loss", "task_loss", "train", "train_recall",
           "record_steps", "budget_steps", "fisher_steps", "FISHER_DELAYS"]


def _readout(key, n_units, n_out):
    return {"V": jax.random.normal(key, (n_out, n_units)) / np.sqrt(n_units),
            "c": jnp.zeros(n_out)}


@dataclass(frozen=True)
class VanillaRNN:
    r"""Vanilla tanh RNN, :math:`h_t = \tanh(W h_{t-1} + \sigma_u\xi_t + b)`; its knob is the
    recurrent gain g of :math:`W_{ij}\sim\mathcal N(0, g^2/N)`, or :math:`W = gQ` with Q a
    Haar-random orthogonal matrix (``orthogonal``; Saxe, McClelland & Ganguli 2014)."""

    orthogonal: bool = False
    n_pre = 1  # pre-activations per unit (the noise enters each)

    def init(self, key, g, n_units: int, n_in: int, n_out: int) -> dict:
        kw, ku, kv = jax.random.split(key, 3)
        N, K = n_units, n_in
        Z = jax.random.normal(kw, (N, N))
        if self.orthogonal:  # QR of a Gaussian matrix with the signs of R's diagonal fixed
            Q, R = jnp.linalg.qr(Z)
            W = g * Q * jnp.sign(jnp.diag(R))
        else:
            W = g * Z / np.sqrt(N)
        return {"W": W, "U": jax.random.normal(ku, (N, K)) / np.sqrt(K), "b": jnp.zeros(N),
                **_readout(kv, N, n_out)}

    def start(self, p, x0):
        return jnp.tanh(x0 @ p["U"].T + p["b"])

    def step(self, p, h, drive):
        return jnp.tanh(h @ p["W"].T + drive)

    def output(self, h):
        return h


def _gate_bias(key, tau, n_units, chrono):
    r"""Retention-gate bias: :math:`\ln(\tau - 1)` on every unit, so that
    :math:`\sigma(b) = 1 - 1/\tau`; or chrono initialisation, :math:`b = \ln u`,
    :math:`u\sim U(1, \tau - 1)` per unit (Tallec & Ollivier 2018, with T_max = tau)."""
    if chrono:
        return jnp.log(jax.random.uniform(key, (n_units,), minval=1.0, maxval=tau - 1.0))
    return jnp.full(n_units, jnp.log(tau - 1.0))


@dataclass(frozen=True)
class LSTM:
    r"""LSTM (Hochreiter & Schmidhuber 1997; forget gate of Gers, Schmidhuber & Cummins 2000).

    .. math:: (i, f, \tilde c, o)_t = (\sigma, \sigma, \tanh, \sigma)(W h_{t-1} +
              \sigma_u\xi_t + b),\qquad c_t = f_t c_{t-1} + i_t\tilde c_t,\qquad
              h_t = o_t\tanh c_t,

    the noise :math:`\xi_t\sim\mathcal N(0, I_{4N})` on every pre-activation, the symbol
    through U at t = 0 from :math:`h_{-1} = c_{-1} = 0`. Its knob is the forget timescale
    :math:`\tau = 1/(1 - \sigma(b_f))` at initialisation (:func:`_gate_bias`; with
    ``chrono`` the input-gate bias is :math:`-b_f`); :math:`W\sim\mathcal N(0, 1/N)`.
    """

    chrono: bool = False
    n_pre = 4

    def init(self, key, tau, n_units: int, n_in: int, n_out: int) -> dict:
        kw, ku, kv, kb = jax.random.split(key, 4)
        N, K = n_units, n_in
        bf = _gate_bias(kb, tau, N, self.chrono)
        bi = -bf if self.chrono else jnp.zeros(N)
        b = jnp.concatenate([bi, bf, jnp.zeros(2 * N)])
        return {"W": jax.random.normal(kw, (4 * N, N)) / np.sqrt(N),
                "U": jax.random.normal(ku, (4 * N, K)) / np.sqrt(K), "b": b,
                **_readout(kv, N, n_out)}

    @staticmethod
    def _cell(a, c):
        i, f, u, o = jnp.split(a, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(u)
        return jax.nn.sigmoid(o) * jnp.tanh(c), c

    def start(self, p, x0):
        return self._cell(x0 @ p["U"].T + p["b"], 0.0)

    def step(self, p, hc, drive):
        h, c = hc
        return self._cell(h @ p["W"].T + drive, c)

    def output(self, hc):
        return hc[0]


@dataclass(frozen=True)
class GRU:
    r"""GRU (Cho et al. 2014), written with a retention gate z:

    .. math:: r_t, z_t = \sigma(W_{r,z} h_{t-1} + \sigma_u\xi^{r,z}_t + b_{r,z}),\quad
              \tilde h_t = \tanh(W_h (r_t h_{t-1}) + \sigma_u\xi^h_t + b_h),\quad
              h_t = z_t h_{t-1} + (1 - z_t)\tilde h_t .

    Its knob is the retention timescale :math:`\tau = 1/(1 - \sigma(b_z))` at
    initialisation (:func:`_gate_bias`, constant or chrono); :math:`W\sim\mathcal N(0, 1/N)`.
    """

    chrono: bool = False
    n_pre = 3

    def init(self, key, tau, n_units: int, n_in: int, n_out: int) -> dict:
        kw, ku, kv, kb = jax.random.split(key, 4)
        N, K = n_units, n_in
        b = jnp.concatenate([jnp.zeros(N), _gate_bias(kb, tau, N, self.chrono),
                             jnp.zeros(N)])
        return {"W": jax.random.normal(kw, (3 * N, N)) / np.sqrt(N),
                "U": jax.random.normal(ku, (3 * N, K)) / np.sqrt(K), "b": b,
                **_readout(kv, N, n_out)}

    @staticmethod
    def _gates(p, h, a):
        N = h.shape[-1]
        rz = jax.nn.sigmoid(h @ p["W"][: 2 * N].T + a[..., : 2 * N])
        r, z = rz[..., :N], rz[..., N:]
        u = jnp.tanh((r * h) @ p["W"][2 * N:].T + a[..., 2 * N:])
        return z * h + (1 - z) * u

    def start(self, p, x0):
        a = x0 @ p["U"].T + p["b"]
        return self._gates(p, jnp.zeros(a.shape[:-1] + (a.shape[-1] // 3,)), a)

    def step(self, p, h, drive):
        return self._gates(p, h, drive)

    def output(self, h):
        return h


#: the cells by name (the ``cell`` and ``init`` sweeps of the studies)
CELLS = {"rnn": VanillaRNN(), "rnn_orthogonal": VanillaRNN(orthogonal=True),
         "lstm": LSTM(), "lstm_chrono": LSTM(chrono=True), "gru": GRU(),
         "gru_chrono": GRU(chrono=True)}


def init_params(key, g, n_units: int, n_symbols: int) -> dict:
    """Initial parameters of one vanilla RNN for delayed recall of K = ``n_symbols``."""
    return VanillaRNN().init(key, g, n_units, n_symbols, n_symbols)


def _one_hot(labels, n):
    r"""One-hot rows scaled by :math:`\sqrt n`: through U ~ N(0, 1/n) each adds variance 1
    to every pre-activation."""
    return np.sqrt(n) * jax.nn.one_hot(labels, n)


def _cross_entropy(out, y):
    return optax.softmax_cross_entropy_with_integer_labels(out, y)


@dataclass(frozen=True)
class Recall:
    r"""Delayed recall: one of K symbols at t = 0 (:math:`x_0 = \sqrt K e_s`), then T steps
    of input noise and no input; the answer at t = T, cross-entropy over the K symbols.

    Memoryless baseline :math:`\ln K` (the symbols are uniform and independent of the
    noise, so a network that keeps nothing of :math:`x_0` can do no better than the
    uniform answer)."""

    n_symbols: int = 2
    name = "recall"
    every_step = False  # the loss reads the last state only
    input_variance = 0.0  # after t = 0 the drive is the noise alone
    loss_name = "cross-entropy of the answer (nats)"

    @classmethod
    def from_settings(cls, settings: dict) -> Recall:
        return cls(int(settings["n_symbols"]))

    @property
    def n_in(self) -> int:
        return self.n_symbols

    @property
    def n_out(self) -> int:
        return self.n_symbols

    def sample(self, key, lag: int, sigma_u, batch: int, noise_dim: int):
        """``(x0, xs, noise, y)``: the first input (batch, n_in), the later inputs (None:
        there are none), the noise (lag, batch, noise_dim) and the targets (batch,)."""
        ks, kn = jax.random.split(key)
        s = jax.random.randint(ks, (batch,), 0, self.n_symbols)
        return (_one_hot(s, self.n_symbols), None,
                sigma_u * jax.random.normal(kn, (lag, batch, noise_dim)), s)

    def loss(self, out, y):
        """Per-sequence cross-entropy of the answer (nats)."""
        return _cross_entropy(out, y)

    answer_loss = loss

    def baseline(self, lag: int) -> float:
        r"""The memoryless baseline :math:`\ln K` (nats)."""
        return float(np.log(self.n_symbols))


@dataclass(frozen=True)
class Copy:
    r"""The copy task in the layout of Arjovsky, Shah & Bengio (2016): ``length`` symbols
    out of ``n_symbols`` at t = 0..9, T - 1 blanks, a marker, ``length`` blanks (T + 20
    steps with the defaults); the target is blank until the marker's answer phase and then
    the symbols in order; cross-entropy over ``n_symbols`` + 1 classes averaged over all
    steps. Inputs are one-hot over symbols, blank and marker, scaled as :func:`_one_hot`.

    Memoryless baseline :math:`\ell\ln M / (T + 2\ell)` (M symbols, :math:`\ell` of them):
    blank with certainty for the first :math:`T + \ell` steps, which takes no memory of the
    symbols, and the uniform guess over the M symbols at the last :math:`\ell`."""

    n_symbols: int = 8
    length: int = 10
    name = "copy"
    every_step = True
    input_variance = 1.0  # every step a scaled one-hot (:func:`_one_hot`)
    loss_name = "cross-entropy per step, mean over all steps (nats)"

    @property
    def n_in(self) -> int:
        return self.n_symbols + 2

    @property
    def n_out(self) -> int:
        return self.n_symbols + 1

    @classmethod
    def from_settings(cls, settings: dict) -> Copy:
        return cls()

    def sample(self, key, lag: int, sigma_u, batch: int, noise_dim: int):
        """``(x0, xs, noise, y)``: the first input (batch, n_in), the other T + 2 length - 1
        (steps, batch, n_in), the noise on those steps and the targets (batch, steps)."""
        ks, kn = jax.random.split(key)
        M, ell = self.n_symbols, self.length
        a = jax.random.randint(ks, (batch, ell), 0, M)
        blank, marker = M, M + 1
        seq = jnp.concatenate([a, jnp.full((batch, lag - 1), blank),
                               jnp.full((batch, 1), marker), jnp.full((batch, ell), blank)],
                              axis=1)
        y = jnp.concatenate([jnp.full((batch, lag + ell), blank), a], axis=1)
        x = _one_hot(seq.T, self.n_in)  # (steps, batch, n_in)
        L = lag + 2 * ell
        return x[0], x[1:], sigma_u * jax.random.normal(kn, (L - 1, batch, noise_dim)), y

    def loss(self, out, y):
        """Per-sequence cross-entropy averaged over every step (out: batch, steps, n_out)."""
        return _cross_entropy(out, y).mean(axis=-1)

    def answer_loss(self, out, y):
        """Per-sequence cross-entropy summed over the answer steps (the last ``length``)."""
        return _cross_entropy(out[:, -self.length:], y[:, -self.length:]).sum(axis=-1)

    def baseline(self, lag: int) -> float:
        r""":math:`\ell \ln M / (T + 2\ell)` (nats per step)."""
        return float(self.length * np.log(self.n_symbols) / (lag + 2 * self.length))


@dataclass(frozen=True)
class Adding:
    r"""The adding problem (Hochreiter & Schmidhuber 1997; the layout of Le, Jaitly & Hinton
    2015): T + 1 steps each with a value :math:`v_t\sim U(0, 1)` and a marker; one marker
    uniform in the first :math:`\lceil (T+1)/2\rceil` steps, one in the rest; the target
    at t = T is the sum of the two marked values, squared error of one linear output.

    Memoryless baseline: the mean, 1, with squared error :math:`\operatorname{Var}(v_1 +
    v_2) = 2/12 = 1/6`. The input :math:`x_t = (v_t, m_t)` through U ~ N(0, 1/2) adds
    variance :math:`E[v^2]/2 = 1/6` to a pre-activation at the steps without a marker."""

    name = "adding"
    every_step = False
    n_in = 2
    n_out = 1
    input_variance = 1.0 / 6.0
    loss_name = "squared error of the answer"

    @classmethod
    def from_settings(cls, settings: dict) -> Adding:
        return cls()

    def sample(self, key, lag: int, sigma_u, batch: int, noise_dim: int):
        """``(x0, xs, noise, y)``: the first input (batch, 2), the other T (T, batch, 2),
        the noise on those steps (T, batch, noise_dim) and the targets (batch,)."""
        kv, k1, k2, kn = jax.random.split(key, 4)
        L = lag + 1
        half = (L + 1) // 2
        v = jax.random.uniform(kv, (batch, L))
        i = jax.random.randint(k1, (batch,), 0, half)
        j = jax.random.randint(k2, (batch,), half, L)
        m = jax.nn.one_hot(i, L) + jax.nn.one_hot(j, L)
        x = jnp.stack([v, m], axis=-1).transpose(1, 0, 2)  # (L, batch, 2)
        return x[0], x[1:], sigma_u * jax.random.normal(kn, (lag, batch, noise_dim)), (
            (v * m).sum(axis=-1))

    def loss(self, out, y):
        """Per-sequence squared error of the answer."""
        return (out[..., 0] - y) ** 2

    answer_loss = loss

    def baseline(self, lag: int) -> float:
        """Squared error of the constant answer 1, the target's mean: 1/6."""
        return 1.0 / 6.0


#: the tasks by name (the ``task`` sweep): ``TASKS[name].from_settings(settings)``
TASKS = {"recall": Recall, "copy": Copy, "adding": Adding}


def recall_batch(key, lag: int, sigma_u, batch: int, n_symbols: int, n_units: int,
                 n_pre: int = 1):
    """Symbols (batch,), the symbol inputs (batch, K) and the noise sigma_u xi_t
    (lag, batch, n_pre N) of delayed recall (:meth:`Recall.sample`)."""
    x0, _, noise, s = Recall(n_symbols).sample(key, lag, sigma_u, batch, n_pre * n_units)
    return s, x0, noise


def _drive(p, xs, noise):
    """Inputs through U plus noise plus bias of every step after the first, in one
    operation (steps, batch, n_pre N)."""
    drive = noise + p["b"]
    return drive if xs is None else drive + xs @ p["U"].T


def _final_state(cell, p, x0, noise, xs=None, state0=None):
    """The state after the first input and then every later step."""
    state = cell.start(p, x0) if state0 is None else state0
    return jax.lax.scan(lambda st, d: (cell.step(p, st, d), None), state,
                        _drive(p, xs, noise))[0]


def _outputs(cell, task, p, x0, xs, noise, state0=None):
    """The read-out of the last state, or (``task.every_step``) of every step's state,
    (batch, steps, n_out)."""
    if not task.every_step:
        h = cell.output(_final_state(cell, p, x0, noise, xs, state0))
    else:
        state = cell.start(p, x0) if state0 is None else state0

        def step(st, d):
            st = cell.step(p, st, d)
            return st, cell.output(st)

        hs = jax.lax.scan(step, state, _drive(p, xs, noise))[1]
        h = jnp.concatenate([cell.output(state)[None], hs]).swapaxes(0, 1)
    return h @ p["V"].T + p["c"]


def task_loss(p, data, cell=VanillaRNN(), task=Recall()):
    """Mean loss of a batch ``data = (x0, xs, noise, y)`` (:meth:`Recall.sample` etc.)."""
    x0, xs, noise, y = data
    return task.loss(_outputs(cell, task, p, x0, xs, noise), y).mean()


def recall_loss(p, s, x0, noise, cell=VanillaRNN()):
    """Mean cross-entropy of the answers of delayed recall (nats)."""
    return task_loss(p, (x0, None, noise, s), cell, Recall(int(x0.shape[-1])))


def _grad_at_symbol(cell, task, p, data):
    """Mean over the batch of |dL_n/dstate_0|^2: the error signal of the answer
    (``task.answer_loss``) back-propagated to the state after the first input (per-sequence
    losses, not their mean; the state is (h, c) for the LSTM)."""
    x0, xs, noise, y = data
    state0 = cell.start(p, x0)

    def total(st):
        return task.answer_loss(_outputs(cell, task, p, x0, xs, noise, st), y).sum()

    grads = jax.tree_util.tree_leaves(jax.grad(total)(state0))
    return sum((gr**2).sum(axis=-1) for gr in grads).mean()


#: the maximal Lyapunov exponent at initialisation (:func:`_lyapunov`): noise-driven
#: trajectories per network, steps discarded while the state and the tangent vector settle,
#: and steps averaged
LYAPUNOV_TRAJECTORIES, LYAPUNOV_BURN, LYAPUNOV_STEPS = 4, 100, 400


def _lyapunov(cell, p, key, sigma_u, n_units):
    r"""Maximal Lyapunov exponent of one network driven by its input noise (per step).

    A tangent vector :math:`v` follows the state along a noise-driven trajectory,
    :math:`v_{t+1} = J_t v_t` with :math:`J_t` the Jacobian of one step (``jax.jvp`` of
    ``cell.step``; for the RNN :math:`J_t = \operatorname{diag}(1 - h_{t+1}^2) W`), and is
    renormalised every step; the exponent is the mean of :math:`\ln|J_t v_t|` over
    :data:`LYAPUNOV_STEPS` steps after :data:`LYAPUNOV_BURN`, averaged over
    :data:`LYAPUNOV_TRAJECTORIES` trajectories from :math:`h_{-1} = 0` with no symbol
    (Benettin et al. 1980; for random networks with noise, Molgedey, Schuchhardt & Schuster
    1992). Positive: the network is chaotic for this input.
    """
    n = LYAPUNOV_TRAJECTORIES
    kn, kv = jax.random.split(key)
    T = LYAPUNOV_BURN + LYAPUNOV_STEPS
    drive = sigma_u * jax.random.normal(kn, (T, n, cell.n_pre * n_units)) + p["b"]
    state = cell.start(p, jnp.zeros((n, p["U"].shape[1])))
    v = jax.tree_util.tree_map(
        lambda x, k: jax.random.normal(k, x.shape),
        state, tuple(jax.random.split(kv, 2)) if isinstance(state, tuple) else kv)

    def norm(t):
        return jnp.sqrt(sum((x**2).sum(axis=-1) for x in jax.tree_util.tree_leaves(t)))

    def step(carry, d):
        st, v = carry
        st, v = jax.jvp(lambda s: cell.step(p, s, d), (st,), (v,))
        nv = norm(v)
        return (st, jax.tree_util.tree_map(lambda x: x / nv[:, None], v)), jnp.log(nv)

    v = jax.tree_util.tree_map(lambda x: x / norm(v)[:, None], v)
    logs = jax.lax.scan(step, (state, v), drive)[1]
    return logs[LYAPUNOV_BURN:].mean()


#: the Fisher memory curve (:func:`_fisher_memory`): held-out trajectories per network and
#: the delays k at which it is read, as fractions of the lag T (k = max(1, round(f T)))
FISHER_TRAJECTORIES = 8
FISHER_DELAYS = tuple(float(f) for f in np.linspace(0.125, 2.0, 16))
#: a read-out noise of this fraction of the mean state variance is added to C before it is
#: inverted (C is ill-conditioned in float32 where the network is chaotic; in the ordered
#: phase the injected noise keeps its eigenvalues above about 1e-3 of the mean)
FISHER_RIDGE = 1e-5


def fisher_steps(lag: int) -> np.ndarray:
    """The delays k of :data:`FISHER_DELAYS` at lag T (steps after the symbol)."""
    return np.maximum(1, np.round(np.asarray(FISHER_DELAYS) * lag)).astype(int)


def _lower_factor(M):
    """A lower-triangular L with L L^T = M M^T (QR of M^T)."""
    return jnp.linalg.qr(M.T, mode="r").T


def _fisher_memory(cell, p, x0, noise, sigma_u, ks):
    r"""Fisher memory of the symbol in the network linearised along one trajectory.

    A small input :math:`\theta` along :math:`\delta x = x(1) - x(0)` (from symbol 0 towards
    symbol 1) at t = 0 moves the state by :math:`\delta_0 = \partial s_0/\partial x_0\,
    \delta x`, carried by the step Jacobians :math:`A_t = \partial s_t/\partial s_{t-1}`:
    :math:`\delta_k = A_k\cdots A_1\delta_0`. The noise injected after t = 0, through
    :math:`B_t = \partial s_t/\partial a_t` (noise on every pre-activation), has covariance
    :math:`C_k = A_k C_{k-1} A_k^\top + \sigma_u^2 B_k B_k^\top`, :math:`C_0 = 0`. The Fisher
    information about :math:`\theta` carried by the state k steps later is

    .. math:: J(k) = \delta_k^\top C_k^{-1} \delta_k

    (Ganguli, Huh & Sompolinsky 2008, eq. 3, for a linear network driven by one pulse;
    here the linearisation about the trajectory, the extended-Kalman view). Linear, the
    network gives the ``fisher`` study's curve with its noise started at t = 1 (tested).
    C is carried as a square root, :math:`C = SS^\top` (QR of :math:`[A_kS, \sigma_u B_k]`),
    so that it stays positive definite in float32 and :math:`J = |L^{-1}\delta_k|^2 \ge 0`
    with L the triangular factor of :math:`C + \rho\,\bar c\, I` (:data:`FISHER_RIDGE`
    :math:`\rho`, :math:`\bar c` the mean variance); ``delta`` and S are carried divided by
    a common running scale, which leaves J unchanged and keeps both inside float32's range.
    Returns J at the steps ``ks``.
    """
    K = x0.shape[-1]
    dx = jnp.sqrt(K) * (jax.nn.one_hot(1, K) - jax.nn.one_hot(0, K))
    st0, ds0 = jax.jvp(lambda x: cell.start(p, x), (x0,), (dx,))
    flat0, unravel = jax.flatten_util.ravel_pytree(st0)
    n = flat0.size

    def f(flat, d):
        return jax.flatten_util.ravel_pytree(cell.step(p, unravel(flat), d))[0]

    def step(carry, d):
        flat, delta, S, log_s = carry  # delta, S divided by e^log_s; C = S S^T
        A, B = jax.jacfwd(f, argnums=(0, 1))(flat, d + p["b"])
        # square-root update: [A S, sigma B] [A S, sigma B]^T = A C A^T + sigma^2 B B^T
        S = _lower_factor(jnp.concatenate([A @ S, sigma_u * jnp.exp(-log_s) * B], axis=1))
        delta = A @ delta
        r = 0.5 * jnp.log((S**2).sum() / n)
        delta, S, log_s = delta * jnp.exp(-r), S * jnp.exp(-r), log_s + r
        ridge = _lower_factor(jnp.concatenate([S, np.sqrt(FISHER_RIDGE) * jnp.eye(n)], axis=1))
        u = jax.scipy.linalg.solve_triangular(ridge, delta, lower=True)
        return (f(flat, d + p["b"]), delta, S, log_s), u @ u

    carry = (flat0, jax.flatten_util.ravel_pytree(ds0)[0], jnp.zeros((n, n)), 0.0)
    Js = jax.lax.scan(step, carry, noise)[1]  # J after steps 1..len(noise)
    return Js[jnp.asarray(ks) - 1]


@partial(jax.jit, static_argnames=("cell", "lag", "n_units"))
def _fisher_grid(params, keys, sigma_u, *, cell, lag, n_units):
    """:func:`_fisher_memory` of every network (params (seed, knob, ...)), mean over
    :data:`FISHER_TRAJECTORIES` trajectories of delayed recall with 2 T noise steps; a
    seed's trajectories, key ``fold_in(key, 4)``, are the same at all its knob values and
    before and after training."""
    ks = tuple(int(k) for k in fisher_steps(lag))

    def one(p, key):
        K = p["U"].shape[1]
        x0, _, noise, _ = Recall(K).sample(jax.random.fold_in(key, 4), max(ks), sigma_u,
                                           FISHER_TRAJECTORIES, cell.n_pre * n_units)
        J = jax.vmap(lambda x, z: _fisher_memory(cell, p, x, z, sigma_u, ks),
                     in_axes=(0, 1))(x0, noise)
        return J.mean(axis=0)
    return jax.vmap(jax.vmap(one, in_axes=(0, None)), in_axes=(0, 0))(params, keys)


def _test_set(key, *, cell, task, lag, sigma_u, n_units, n_test):
    """The held-out sequences of a seed (the same for all its knob values)."""
    return task.sample(jax.random.split(key, 3)[2], lag, sigma_u, n_test, cell.n_pre * n_units)


def _head(data, n):
    """The first ``n`` sequences of ``(x0, xs, noise, y)``."""
    x0, xs, noise, y = data
    return x0[:n], None if xs is None else xs[:, :n], noise[:, :n], y[:n]


def _start(key, knob, test, *, cell, task, n_units, batch):
    """One network at initialisation and the error signal at the first input's state, on
    the first ``batch`` held-out sequences (BPTT memory grows with the sequences)."""
    p = cell.init(jax.random.split(key, 3)[0], knob, n_units, task.n_in, task.n_out)
    return p, _grad_at_symbol(cell, task, p, _head(test, batch))


def _block(p, state, keys, lr, *, cell, task, lag, sigma_u, n_units, batch):
    """Adam steps of one network, one fresh batch per key; returns the mean training loss."""
    opt = optax.adam(lr)

    def update(carry, k):
        p, state = carry
        loss, grads = jax.value_and_grad(task_loss)(p, task.sample(
            k, lag, sigma_u, batch, cell.n_pre * n_units), cell, task)
        updates, state = opt.update(grads, state, p)
        return (optax.apply_updates(p, updates), state), loss

    (p, state), losses = jax.lax.scan(update, (p, state), keys)
    return p, state, losses.mean()


@partial(jax.jit, static_argnames=("cell", "task", "lag", "n_units", "batch", "n_test"))
def _start_grid(keys, knobs, sigma_u, *, cell, task, lag, n_units, batch, n_test):
    test = jax.vmap(partial(_test_set, cell=cell, task=task, lag=lag, sigma_u=sigma_u,
                            n_units=n_units, n_test=n_test))(keys)
    one = partial(_start, cell=cell, task=task, n_units=n_units, batch=batch)
    params, grad0 = jax.vmap(jax.vmap(one, in_axes=(None, 0, None)),
                             in_axes=(0, None, 0))(keys, knobs, test)
    return params, test, grad0


@partial(jax.jit, static_argnames=("cell", "n_units"))
def _lyapunov_grid(params, keys, sigma_u, *, cell, n_units):
    """:func:`_lyapunov` of every initial network (params (seed, knob, ...)); a seed's
    noise, key ``fold_in(key, 3)``, is apart from its training and test draws and the same
    at all its knob values."""
    def one(p, key):
        return _lyapunov(cell, p, jax.random.fold_in(key, 3), sigma_u, n_units)
    return jax.vmap(jax.vmap(one, in_axes=(0, None)), in_axes=(0, 0))(params, keys)


@partial(jax.jit, static_argnames=("cell", "task", "lag", "n_units", "batch"),
         donate_argnums=(0, 1))
def _block_grid(params, states, step_keys, sigma_u, lr, **kw):
    one = partial(_block, lr=lr, sigma_u=sigma_u, **kw)
    over_knobs = jax.vmap(one, in_axes=(0, 0, None))  # the same batches at every knob value
    return jax.vmap(over_knobs, in_axes=(0, 0, 0))(params, states, step_keys)


@partial(jax.jit, static_argnames=("cell", "task"))
def _test_grid(params, test, cell, task):
    over_knobs = jax.vmap(partial(task_loss, cell=cell, task=task), in_axes=(0, None))
    return jax.vmap(over_knobs)(params, test)


def _diverged(params) -> np.ndarray:
    """(seed, knob): some parameter of the network is not finite."""
    return ~np.all([np.isfinite(np.asarray(v)).all(axis=tuple(range(2, np.ndim(v))))
                    for v in jax.tree_util.tree_leaves(params)], axis=0)


def record_steps(steps: int, n_record: int) -> list[int]:
    """The Adam step ending each record of the learning curve: blocks of
    ``steps // n_record`` steps, the last one taking the remainder."""
    every = steps // n_record
    return [every * (i + 1) for i in range(n_record - 1)] + [steps]


def budget_steps(steps: int, n_record: int, fraction: float | None) -> list[int]:
    """The training budgets at which the held-out loss is measured: the full ``steps`` and,
    unless ``fraction`` is None, the end of the first learning-curve block at or after
    ``fraction * steps`` (:func:`record_steps`), increasing and distinct."""
    if fraction is None:
        return [steps]
    early = next((e for e in record_steps(steps, n_record) if e >= fraction * steps), steps)
    return sorted({early, steps})


def train(cell, task, knobs, n_seeds: int, lag: int, sigma_u: float, seed: int, *,
          n_units: int, batch: int, steps: int, lr: float, n_test: int, n_record: int,
          test_at, fisher: bool,
          progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Train ``n_seeds`` networks of one cell at every knob value on one task at one lag,
    all at once.

    Seed s of every knob value starts from the same draws (for the RNN W = g Z with one Z
    per seed) and sees the same batches: the knob values are compared with common random
    numbers, the seeds are independent replicates. Its key is ``fold_in(key(seed), s)``, so
    a seed's draws do not depend on how many seeds or knob values are trained beside it
    (its trained weights agree to float32 rounding; for one configuration they are
    identical on every rerun).

    Parameters
    ----------
    cell : VanillaRNN, LSTM or GRU
        The network (:data:`CELLS`).
    task : Recall, Copy or Adding
        The task (:data:`TASKS`), its samples, loss and memoryless baseline.
    knobs : sequence of float
        The cell's knob at initialisation: the gain g of the RNN, the gate timescale tau of
        the LSTM and GRU.
    n_seeds : int
        Independent networks per knob value.
    lag : int
        The task's T: noise steps between the symbol and the answer (recall), blanks between
        the symbols and the marker (copy), steps after the first (adding).
    sigma_u : float
        Standard deviation of the input noise (pre-activation variance sigma_u^2 per step).
    seed : int
        Root of the keys (from the point's generator).
    n_units, batch, steps, lr, n_test, n_record
        Network size N, training batch, Adam steps and rate, held-out test
        sequences, records of the learning curve (:func:`record_steps`).
    test_at : sequence of int
        Training budgets (Adam steps, each the end of a learning-curve block, e.g. from
        :func:`budget_steps`) after which the held-out loss is measured: the networks
        trained for fewer steps are the same networks part-way (Adam's rate is constant).
    fisher : bool
        Measure the Fisher memory of the symbol before and after training
        (:func:`_fisher_memory`; delayed recall with noise only, NaN otherwise).

    Returns
    -------
    dict of numpy arrays, shape (seed, knob, ...)
        ``test_loss`` (seed, knob, budget: the task's loss on ``n_test`` held-out
        sequences after each budget of ``test_at``),
        ``train_curve`` (seed, knob, record: mean training loss of each block of Adam
        steps), ``grad_sq_at_symbol`` (mean squared norm of the error signal at the
        first input's state at initialisation, on the first ``batch`` test sequences),
        ``lyapunov`` (the maximal Lyapunov exponent at initialisation, :func:`_lyapunov`,
        driven by noise of the task's effective variance, sigma_u^2 + its input variance),
        ``fisher`` (seed, knob, 2, delay: the Fisher memory :func:`_fisher_memory` of
        delayed recall at initialisation and after training, at the delays
        :func:`fisher_steps`; NaN unless ``fisher``, for the other tasks and without
        noise),
        ``diverged`` (seed, knob: the parameters became non-finite during training, whose
        later losses, trained W and Fisher memory are then NaN),
        ``W`` and ``b`` (the trained recurrent matrices and biases).
    """
    if not 1 <= n_record <= steps:
        raise ValueError(f"n_record = {n_record}: allowed 1 <= n_record <= steps = {steps}")
    ends = record_steps(steps, n_record)
    test_at = [int(b) for b in test_at]
    if not test_at or any(b not in ends for b in test_at):
        raise ValueError(f"test_at = {test_at}: allowed a non-empty list of learning-curve "
                         f"block ends {ends}")
    root = jax.random.key(seed)
    keys = jax.vmap(lambda s: jax.random.fold_in(root, s))(jnp.arange(n_seeds))
    kw = dict(cell=cell, task=task, lag=int(lag), n_units=int(n_units), batch=int(batch))
    su, knobs = jnp.float32(sigma_u), jnp.asarray(knobs, jnp.float32)
    params, test, grad0 = _start_grid(keys, knobs, su, n_test=int(n_test), **kw)
    # read before the first Adam block donates the initial parameters
    s_eff = jnp.float32(np.sqrt(sigma_u**2 + task.input_variance))
    lyap = np.asarray(_lyapunov_grid(params, keys, s_eff, cell=cell, n_units=int(n_units)))
    fisher = fisher and isinstance(task, Recall) and sigma_u > 0  # one symbol; noise bounds J
    fkw = dict(cell=cell, lag=int(lag), n_units=int(n_units))
    if fisher:
        fisher0 = np.asarray(_fisher_grid(params, keys, su, **fkw))
    # the data keys of a seed (the same for all its knob values): n_record blocks of steps
    step_keys = jax.vmap(lambda k: jax.random.split(jax.random.split(k, 3)[1], steps))(keys)
    opt_init = jax.vmap(jax.vmap(optax.adam(lr).init))
    states, curve, tested = opt_init(params), [], []
    for i, (a, b) in enumerate(zip((0, *ends[:-1]), ends)):
        params, states, loss = _block_grid(params, states, step_keys[:, a:b], su,
                                           jnp.float32(lr), **kw)
        curve.append(np.asarray(loss))
        if b in test_at:  # before the next block donates the parameters
            tested.append(np.asarray(_test_grid(params, test, cell, task)))
        if progress is not None:
            progress(i + 1, n_record)
    # a network whose Adam steps overflowed (exploding gradients: chaotic gains, long lags,
    # float32) has non-finite parameters from then on: it did not learn (its test loss is
    # NaN, which no success threshold passes)
    diverged = _diverged(params)
    if fisher:
        fisher = np.stack([fisher0, np.asarray(_fisher_grid(params, keys, su, **fkw))],
                          axis=2)
    else:
        fisher = np.full((n_seeds, len(knobs), 2, len(FISHER_DELAYS)), np.nan)
    out = {"test_loss": np.stack(tested, axis=-1), "train_curve": np.stack(curve, axis=-1),
           "grad_sq_at_symbol": grad0, "lyapunov": lyap, "fisher": fisher,
           "diverged": diverged, "W": params["W"],
           "b": params["b"]}
    return {k: np.asarray(v) for k, v in out.items()}


def train_recall(gains, n_seeds: int, lag: int, sigma_u: float, seed: int, *,
                 n_units: int = 32, n_symbols: int = 2, batch: int = 64, steps: int = 600,
                 lr: float = 3e-3, n_test: int = 512, n_record: int = 20, progress=None):
    """:func:`train` for the vanilla RNN (Gaussian W) at the gains ``gains``, with the
    ``trained`` study's defaults (:func:`train` itself takes every setting explicitly: the
    ``gated`` study trains through it with its own)."""
    return train(CELLS["rnn"], Recall(n_symbols), gains, n_seeds, lag, sigma_u, seed,
                 n_units=n_units, batch=batch, steps=steps, lr=lr, n_test=n_test,
                 n_record=n_record, test_at=[steps], fisher=True, progress=progress)
