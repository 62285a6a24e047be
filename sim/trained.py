r"""Trained recurrent networks: vanilla tanh RNNs that learn to recall a symbol (JAX).

Delayed recall (``docs/trained.md`` §1): one of K symbols enters at t = 0, then T steps of
input noise; the network answers at t = T. The network

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
from functools import partial  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

__all__ = ["init_params", "recall_batch", "recall_loss", "train_recall", "recall_baseline",
           "record_steps"]


def recall_baseline(n_symbols: int) -> float:
    r"""Cross-entropy of the best memoryless answer: :math:`\ln K` (nats).

    The symbols are uniform and independent of the noise, so a network that keeps nothing of
    :math:`x_0` can do no better than the uniform distribution over the K symbols, whose
    cross-entropy is :math:`-\sum_s \tfrac1K \ln \tfrac1K = \ln K`.
    """
    return float(np.log(n_symbols))


def init_params(key, g, n_units: int, n_symbols: int) -> dict:
    """Initial parameters of one network (see the module docstring)."""
    kw, ku, kv = jax.random.split(key, 3)
    N, K = n_units, n_symbols
    return {"W": g * jax.random.normal(kw, (N, N)) / np.sqrt(N),
            "U": jax.random.normal(ku, (N, K)) / np.sqrt(K),
            "b": jnp.zeros(N),
            "V": jax.random.normal(kv, (K, N)) / np.sqrt(N),
            "c": jnp.zeros(K)}


def recall_batch(key, lag: int, sigma_u, batch: int, n_symbols: int, n_units: int):
    """Symbols (batch,), the symbol inputs (batch, K) and the noise sigma_u xi_t
    (lag, batch, N)."""
    ks, kn = jax.random.split(key)
    s = jax.random.randint(ks, (batch,), 0, n_symbols)
    x0 = np.sqrt(n_symbols) * jax.nn.one_hot(s, n_symbols)
    return s, x0, sigma_u * jax.random.normal(kn, (lag, batch, n_units))


def _final_state(p, x0, noise, h0=None):
    """h_T, from the symbol step and then the noise steps (the input drive in one product)."""
    h = jnp.tanh(x0 @ p["U"].T + p["b"]) if h0 is None else h0
    drive = noise + p["b"]  # (lag, batch, N)

    def step(h, d):
        return jnp.tanh(h @ p["W"].T + d), None

    return jax.lax.scan(step, h, drive)[0]


def recall_loss(p, s, x0, noise):
    """Mean cross-entropy of the answers (nats)."""
    logits = _final_state(p, x0, noise) @ p["V"].T + p["c"]
    return optax.softmax_cross_entropy_with_integer_labels(logits, s).mean()


def _grad_at_symbol(p, s, x0, noise):
    """Mean over the batch of |dL_n/dh_0|^2: the error signal back-propagated over the lag
    to the state that holds the symbol (per-sequence losses, not their mean)."""
    h0 = jnp.tanh(x0 @ p["U"].T + p["b"])

    def total(h0):
        logits = _final_state(p, x0, noise, h0) @ p["V"].T + p["c"]
        return optax.softmax_cross_entropy_with_integer_labels(logits, s).sum()

    return (jax.grad(total)(h0) ** 2).sum(axis=1).mean()


def _test_set(key, *, lag, sigma_u, n_symbols, n_units, n_test):
    """The held-out sequences of a seed (the same for all its gains)."""
    return recall_batch(jax.random.split(key, 3)[2], lag, sigma_u, n_test, n_symbols, n_units)


def _start(key, g, test, *, n_units, n_symbols, batch):
    """One network at initialisation and the error signal at the symbol's state, on the
    first ``batch`` held-out sequences (BPTT memory grows with the sequences)."""
    p = init_params(jax.random.split(key, 3)[0], g, n_units, n_symbols)
    s0, x0, noise = test
    return p, _grad_at_symbol(p, s0[:batch], x0[:batch], noise[:, :batch])


def _block(p, state, keys, lr, *, lag, sigma_u, n_symbols, n_units, batch):
    """Adam steps of one network, one fresh batch per key; returns the mean training loss."""
    opt = optax.adam(lr)

    def update(carry, k):
        p, state = carry
        loss, grads = jax.value_and_grad(recall_loss)(p, *recall_batch(
            k, lag, sigma_u, batch, n_symbols, n_units))
        updates, state = opt.update(grads, state, p)
        return (optax.apply_updates(p, updates), state), loss

    (p, state), losses = jax.lax.scan(update, (p, state), keys)
    return p, state, losses.mean()


@partial(jax.jit, static_argnames=("lag", "n_units", "n_symbols", "batch", "n_test"))
def _start_grid(keys, gains, sigma_u, *, lag, n_units, n_symbols, batch, n_test):
    test = jax.vmap(partial(_test_set, lag=lag, sigma_u=sigma_u, n_symbols=n_symbols,
                            n_units=n_units, n_test=n_test))(keys)
    one = partial(_start, n_units=n_units, n_symbols=n_symbols, batch=batch)
    params, grad0 = jax.vmap(jax.vmap(one, in_axes=(None, 0, None)),
                             in_axes=(0, None, 0))(keys, gains, test)
    return params, test, grad0


@partial(jax.jit, static_argnames=("lag", "n_symbols", "n_units", "batch"),
         donate_argnums=(0, 1))
def _block_grid(params, states, step_keys, sigma_u, lr, **kw):
    one = partial(_block, lr=lr, sigma_u=sigma_u, **kw)
    over_gains = jax.vmap(one, in_axes=(0, 0, None))  # the same batches at every gain
    return jax.vmap(over_gains, in_axes=(0, 0, 0))(params, states, step_keys)


@jax.jit
def _test_grid(params, test):
    over_gains = jax.vmap(recall_loss, in_axes=(0, None, None, None))
    return jax.vmap(over_gains)(params, *test)


def record_steps(steps: int, n_record: int) -> list[int]:
    """The Adam step ending each record of the learning curve: blocks of
    ``steps // n_record`` steps, the last one taking the remainder."""
    every = steps // n_record
    return [every * (i + 1) for i in range(n_record - 1)] + [steps]


def train_recall(gains, n_seeds: int, lag: int, sigma_u: float, seed: int, *,
                 n_units: int = 32, n_symbols: int = 2, batch: int = 64, steps: int = 600,
                 lr: float = 3e-3, n_test: int = 512, n_record: int = 20,
                 progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Train ``n_seeds`` networks at every gain on delayed recall at one lag, all at once.

    Seed s of every gain starts from the same draws (W = g Z with one Z per seed) and sees
    the same batches: the gains are compared with common random numbers, the seeds are
    independent replicates. Its key is ``fold_in(key(seed), s)``, so a seed's draws do not
    depend on how many seeds or gains are trained beside it (its trained weights agree to
    float32 rounding; for one configuration they are identical on every rerun).

    Parameters
    ----------
    gains : sequence of float
        Recurrent gains g (W_ij ~ N(0, g^2/N) at initialisation).
    n_seeds : int
        Independent networks per gain.
    lag : int
        Noise steps T between the symbol and the answer.
    sigma_u : float
        Standard deviation of the input noise (pre-activation variance sigma_u^2 per step).
    seed : int
        Root of the keys (from the point's generator).
    n_units, n_symbols, batch, steps, lr, n_test, n_record
        Network size N, symbols K, training batch, Adam steps and rate, held-out test
        sequences, records of the learning curve (:func:`record_steps`).

    Returns
    -------
    dict of numpy arrays, shape (seed, g, ...)
        ``test_loss`` (nats, on ``n_test`` held-out sequences after training),
        ``train_curve`` (seed, g, record: mean training loss of each block of Adam
        steps), ``grad_sq_at_symbol`` (mean |dL/dh_0|^2 at
        initialisation, on the first ``batch`` test sequences), ``W`` (the trained
        recurrent matrices).
    """
    if not 1 <= n_record <= steps:
        raise ValueError(f"n_record = {n_record}: allowed 1 <= n_record <= steps = {steps}")
    root = jax.random.key(seed)
    keys = jax.vmap(lambda s: jax.random.fold_in(root, s))(jnp.arange(n_seeds))
    kw = dict(lag=int(lag), n_symbols=int(n_symbols), n_units=int(n_units), batch=int(batch))
    su, gains = jnp.float32(sigma_u), jnp.asarray(gains, jnp.float32)
    params, test, grad0 = _start_grid(keys, gains, su, n_test=int(n_test), **kw)
    # the data keys of a seed (the same for all its gains): n_record blocks of Adam steps
    ends = record_steps(steps, n_record)
    step_keys = jax.vmap(lambda k: jax.random.split(jax.random.split(k, 3)[1], steps))(keys)
    opt_init = jax.vmap(jax.vmap(optax.adam(lr).init))
    states, curve = opt_init(params), []
    for i, (a, b) in enumerate(zip((0, *ends[:-1]), ends)):
        params, states, loss = _block_grid(params, states, step_keys[:, a:b], su,
                                           jnp.float32(lr), **kw)
        curve.append(np.asarray(loss))
        if progress is not None:
            progress(i + 1, n_record)
    out = {"test_loss": _test_grid(params, test), "train_curve": np.stack(curve, axis=-1),
           "grad_sq_at_symbol": grad0, "W": params["W"]}
    return {k: np.asarray(v) for k, v in out.items()}
