r"""Back-propagated gradient norms in random recurrent networks and an LSTM cell.

Vanilla RNN (Pascanu, Mikolov & Bengio 2013 form; ``docs/gradients.md`` §1):
:math:`a_t = W\varphi(a_{t-1}) + \sigma_u\xi_t`, :math:`W = g Z`, :math:`Z_{ij}\sim\mathcal
N(0, 1/N)`, :math:`\xi_t\sim\mathcal N(0, I)`. After a burn-in onto the driven attractor, the
Jacobian product :math:`P_q = \partial a_t/\partial a_{t-q} = \prod W\,\mathrm{diag}(\varphi'
(a_{s}))` is applied to ``n_probes`` random unit row vectors (back-propagation of an error
signal) and renormalised at every step, so nothing under- or overflows; the Frobenius norm
follows from :math:`E\|\delta P\|^2 = \|P\|_F^2/N` for isotropic unit :math:`\delta`. All
gains g of a point share one Z per seed (common random numbers) and are propagated together,
one matrix product per step for all gains and probes.

LSTM cell (Hochreiter & Schmidhuber 1997, with forget gate, Gers et al. 2000):
:math:`f,i,o = \sigma(W_{f,i,o}[h_{t-1}; x_t] + b)`, :math:`\tilde c = \tanh(W_c[h_{t-1};x_t])`,
:math:`c_t = f\odot c_{t-1} + i\odot\tilde c`, :math:`h_t = o\odot\tanh(c_t)`. The error
carried by the cell path is multiplied by :math:`f` at every step:
:math:`\partial c_t/\partial c_{t-q}|_{cell} = \mathrm{diag}(\prod_s f_s)`. ``forget_bias =
inf`` makes every gate exactly 1: the constant error carousel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike
from scipy import special

from .nonlinearities import phi_functions
from .rng import SeedLike, as_generator

__all__ = ["jacobian_log_norms", "decay_rate", "lstm_cell_log_norms",
           "simulate_gradient_norms"]


def _log_frobenius(logs: np.ndarray, N: int) -> np.ndarray:
    """log ||P||_F from per-probe log norms (last axis: probes), E|dP|^2 = |P|_F^2 / N."""
    K = logs.shape[-1]
    return 0.5 * (special.logsumexp(2 * logs, axis=-1) + np.log(N / K))


def _propagate(N, gs, sigma_u, phi, q_max, burn_in, n_probes, rng):
    """One seed: per-probe log norms (g, q, probe) and the coupling matrix Z."""
    f, fp = phi_functions(phi)
    G = len(gs)
    Z = rng.standard_normal((N, N)) / np.sqrt(N)
    # float32 for the two matrix products per step (the rates need ~1e-4, rounding gives
    # ~1e-7 per step; the log norms accumulate in float64)
    Z32, g32 = Z.astype(np.float32), gs.astype(np.float32)
    A = (np.sqrt(0.5) * rng.standard_normal((N, G))).astype(np.float32)  # same start, all g
    hist = np.zeros((q_max + 1, N, G), np.float32)
    if phi != "linear":  # a linear network's Jacobian is W whatever the state (which may diverge)
        for t in range(burn_in + q_max + 1):
            A = (Z32 @ f(A)) * g32 + np.float32(sigma_u) * rng.standard_normal(
                (N, 1), dtype=np.float32)
            if t >= burn_in:
                hist[t - burn_in] = A  # hist[-1] is a_t, hist[-1-j] is a_{t-j}
    D = rng.standard_normal((G, n_probes, N)).astype(np.float32)
    D /= np.linalg.norm(D, axis=-1, keepdims=True)
    logs = np.zeros((G, q_max + 1, n_probes))
    for q in range(1, q_max + 1):
        # delta_{t-q} = delta_{t-q+1} W diag(phi'(a_{t-q})), with a_{t-q} = hist[-1-q]
        a_prev = hist[-1 - q]
        D = (D.reshape(G * n_probes, N) @ Z32).reshape(G, n_probes, N)
        D *= (g32[:, None] * fp(a_prev).T)[:, None, :]
        n = np.linalg.norm(D, axis=-1)
        logs[:, q] = logs[:, q - 1] + np.log(n.astype(float))
        D /= n[..., None]
    return logs, Z


def _propagate_fixed(W: np.ndarray, q_max: int, n_probes: int, rng) -> np.ndarray:
    """Per-probe log norms of delta W^q for a fixed matrix (a linear network), (q, probe)."""
    D = rng.standard_normal((n_probes, W.shape[0]))
    D /= np.linalg.norm(D, axis=-1, keepdims=True)
    logs = np.zeros((q_max + 1, n_probes))
    for q in range(1, q_max + 1):
        D = D @ W
        n = np.linalg.norm(D, axis=-1)
        logs[q] = logs[q - 1] + np.log(n)
        D /= n[:, None]
    return logs


def jacobian_log_norms(N: int, g: ArrayLike, sigma_u: float, phi: str, q_max: int, burn_in: int,
                       seed: SeedLike, n_probes: int = 16) -> np.ndarray:
    r"""log Frobenius norm of :math:`\partial a_t/\partial a_{t-q}` for q = 0..q_max.

    Parameters
    ----------
    N : int
        Network size (>= 2).
    g : float or array_like
        Gain(s); several gains are propagated together with one shared Z.
    sigma_u : float
        Input noise standard deviation.
    phi : {"tanh", "logistic", "linear"}
    q_max : int
        Largest number of steps back (>= 1).
    burn_in : int
        Forward steps before t (onto the driven attractor).
    seed : seed-like
    n_probes : int
        Random unit vectors back-propagated (the norm estimate's precision).

    Returns
    -------
    ndarray, shape (q_max + 1,) or (len(g), q_max + 1)
        ``log ||P_q||_F``; at q = 0 it is exactly ``0.5 log N``.
    """
    if N < 2 or q_max < 1:
        raise ValueError("need N >= 2 and q_max >= 1")
    gs = np.atleast_1d(np.asarray(g, float))
    if np.any(gs <= 0):
        raise ValueError("g must be > 0")
    logs, _ = _propagate(N, gs, sigma_u, phi, q_max, burn_in, n_probes, as_generator(seed))
    out = _log_frobenius(logs, N)
    return out[0] if np.ndim(g) == 0 else out


def decay_rate(log_norms: np.ndarray, window: tuple[int, int] = (5, 50)
               ) -> tuple[float, float]:
    """Rate per step (slope of log norm vs q over ``window``) and its standard error.

    ``log_norms`` has shape (n_seeds, q_max + 1): one slope is fitted per seed; the rate is
    their mean and the SE their standard deviation over sqrt(n_seeds). The default window
    skips the first steps (the probes align with the product) and stops before the few
    largest eigenvalues of one finite W take over (q of order sqrt(N)), which is the regime
    the mean-field rate describes.
    """
    L = np.atleast_2d(log_norms)
    q = np.arange(L.shape[-1])
    sel = (q >= window[0]) & (q <= window[1])
    slopes = np.polyfit(q[sel], L[:, sel].T, 1)[0]
    se = slopes.std(ddof=1) / np.sqrt(len(slopes)) if len(slopes) > 1 else np.nan
    return float(slopes.mean()), float(se)


def lstm_cell_log_norms(N: int, forget_bias: ArrayLike, input_std: float, q_max: int,
                        burn_in: int, seed: SeedLike, weight_std: float = 1.0,
                        max_lag: int | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""LSTM cell-path gradient :math:`\log\|\partial c_t/\partial c_{t-q}|_{cell}\|_F`.

    One random LSTM cell (weights :math:`\mathcal N(0, w^2/2N)` on :math:`[h; x]`, input
    :math:`x_t\sim\mathcal N(0, s^2 I)`) per forget bias, all driven by the same input; the
    forward pass runs in float32 (the gates enter only through their logarithms).

    Returns
    -------
    log_norms : ndarray, shape (len(forget_bias), q_max + 1)
        ``0.5 log N`` at q = 0.
    f_preact_std : ndarray, shape (len(forget_bias),)
        Root mean square of the forget-gate pre-activation minus its bias,
        :math:`z_{t,i} = (W_f[h_{t-1}; x_t])_i`, over the ``q_max`` recorded steps and units.
    f_preact_mean : ndarray, shape (len(forget_bias),)
        Its mean over steps and units.
    f_preact_acov : ndarray, shape (len(forget_bias), max_lag + 1)
        Its autocovariance :math:`C(\tau) = \langle (z_{t,i}-\bar z)(z_{t+\tau,i}-\bar z)
        \rangle` over the pairs of recorded steps of each unit (unbiased in the number of
        pairs), lags 0..``max_lag`` (default ``q_max // 2``). A unit's persistent offset
        (the cell's static memory) shows as a plateau of C: the Gaussian-gate theory of the
        cell-path rate uses it.
    """
    rng = as_generator(seed)
    bs = np.atleast_1d(np.asarray(forget_bias, float))
    B = len(bs)
    max_lag = q_max // 2 if max_lag is None else int(max_lag)
    if not 0 <= max_lag < q_max:
        raise ValueError("need 0 <= max_lag < q_max")
    Wg = (rng.standard_normal((4 * N, 2 * N)) * (weight_std / np.sqrt(2 * N))).astype(
        np.float32)
    bias = np.where(np.isfinite(bs), bs, 0.0).astype(np.float32)
    h = np.zeros((N, B), np.float32)
    c = np.zeros((N, B), np.float32)
    zrec = np.empty((q_max, N, B), np.float32)
    for t in range(burn_in + q_max):
        x = (input_std * rng.standard_normal((N, 1))).astype(np.float32)
        hx = np.concatenate([h, np.broadcast_to(x, (N, B))])
        zf, zi, zo, zc = np.split(Wg @ hx, 4)  # one GEMM for the four gates
        f = np.where(np.isfinite(bs), special.expit(zf + bias), 1)  # b_f = inf: the carousel
        c = f * c + special.expit(zi) * np.tanh(zc)
        h = special.expit(zo) * np.tanh(c)
        if t >= burn_in:
            zrec[t - burn_in] = zf
    z = zrec.astype(float)
    logf = np.where(np.isfinite(bs), np.log(special.expit(z + np.where(np.isfinite(bs), bs,
                                                                           0.0))), 0.0)
    # product of the gates from t back to t-q+1, per neuron
    cum = np.concatenate([np.zeros((1, N, B)), np.cumsum(logf[::-1], axis=0)])
    log_norms = 0.5 * special.logsumexp(2 * cum, axis=1).T  # (B, q_max + 1)
    zbar = z.mean(axis=(0, 1))
    d = z - zbar
    acov = np.stack([(d[: q_max - k] * d[k:]).mean(axis=(0, 1)) for k in range(max_lag + 1)],
                    axis=-1)
    return log_norms, np.sqrt((z**2).mean(axis=(0, 1))), zbar, acov


def simulate_gradient_norms(phi: str, N: int, sigma_u: float, g: ArrayLike, n_seeds: int,
                            q_max: int, burn_in: int, n_probes: int,
                            fit_window: tuple[int, int] | list[int],
                            lstm_forget_bias: ArrayLike,
                            seed: SeedLike,
                            progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Back-propagated gradient norms of ``n_seeds`` networks at every gain in ``g``.

    Per seed: one coupling matrix Z shared by all gains (common random numbers), the log
    Frobenius norm of the Jacobian product for q = 0..q_max, the largest Lyapunov exponent
    (slope from ``fit_window[0]`` to q_max), ||Z||_A and sigma_max(Z); at tanh points also
    one LSTM cell per seed for every ``lstm_forget_bias`` (input std sigma_u, 1 where it is
    0), with the statistics of its forget-gate pre-activations.
    """
    N, su = int(N), float(sigma_u)
    gs = np.asarray(g, float)
    S, q_max, burn, K = int(n_seeds), int(q_max), int(burn_in), int(n_probes)
    children = as_generator(seed).spawn(S + 1)
    logF = np.empty((S, len(gs), q_max + 1))
    lyap = np.empty((S, len(gs)))
    norm_a = np.empty(S)
    smax = np.empty(S)
    q_min = int(fit_window[0])
    for s in range(S):
        logs, Z = _propagate(N, gs, su, phi, q_max, burn, K, children[s])
        logF[s] = _log_frobenius(logs, N)
        # largest Lyapunov exponent: mean growth of single vectors, E log (not log E)
        lyap[s] = ((logs[:, -1] - logs[:, q_min]) / (q_max - q_min)).mean(axis=-1)
        norm_a[s] = np.abs(Z).sum(axis=1).max()
        smax[s] = np.linalg.norm(Z, 2) if N <= 400 else _power_sigma_max(Z, children[s])
        if progress is not None:
            progress(s + 1, S)
    bs = np.asarray(lstm_forget_bias, float)
    # the Gaussian-gate theory of the cell path needs C(tau) over the fit window
    n_lag = min(int(fit_window[1]), q_max - 1) + 1
    lstm = np.full((S, len(bs), q_max + 1), np.nan)
    pre, pre_mean = np.full((S, len(bs)), np.nan), np.full((S, len(bs)), np.nan)
    acov = np.full((S, len(bs), n_lag), np.nan)
    if phi == "tanh":  # the LSTM is simulated beside the tanh network only: one cell per seed
        for s, rng in enumerate(children[-1].spawn(S)):
            lstm[s], pre[s], pre_mean[s], acov[s] = lstm_cell_log_norms(
                N, bs, su if su > 0 else 1.0, q_max, burn, rng,
                max_lag=n_lag - 1)
    one = {"units": "1"}
    ds = xr.Dataset(
        {
            "log_norm": (("seed", "g", "q"), logF, {
                "long_name": "log Frobenius norm of the Jacobian product da_t/da_(t-q)",
                **one}),
            "lyapunov": (("seed", "g"), lyap, {
                "long_name": "largest Lyapunov exponent of the back-propagation (E log of "
                             "single-vector growth per step)", "units": "1"}),
            "norm_A_Z": ("seed", norm_a, {
                "long_name": "max absolute row sum of Z (||W||_A = g ||Z||_A)", **one}),
            "sigma_max_Z": ("seed", smax, {
                "long_name": "largest singular value of Z (||W||_2 = g sigma_max(Z))", **one}),
            "lstm_log_norm": (("seed", "forget_bias", "q"), lstm, {
                "long_name": "LSTM cell-path log Frobenius norm of dc_t/dc_(t-q) (computed "
                             "at tanh points only; NaN elsewhere)", **one}),
            "lstm_f_preact_std": (("seed", "forget_bias"), pre, {
                "long_name": "rms of the LSTM forget-gate pre-activation (without bias)",
                **one}),
            "lstm_f_preact_mean": (("seed", "forget_bias"), pre_mean, {
                "long_name": "mean of the LSTM forget-gate pre-activation (without bias)",
                **one}),
            "lstm_f_preact_acov": (("seed", "forget_bias", "lag"), acov, {
                "long_name": "autocovariance of the LSTM forget-gate pre-activation over "
                             "the steps of each unit", **one}),
        },
        coords={
            "seed": ("seed", np.arange(S), {"long_name": "network replicate", "units": "1"}),
            "g": ("g", gs, {"long_name": "gain g (W_ij ~ N(0, g^2/N))", "units": "1"}),
            "q": ("q", np.arange(q_max + 1), {"long_name": "steps back in time (count)",
                                              "units": "1"}),
            "forget_bias": ("forget_bias", bs, {"long_name": "LSTM forget-gate bias b_f",
                                                "units": "1"}),
            "lag": ("lag", np.arange(n_lag), {
                "long_name": "time lag of the autocovariance (steps)", "units": "1"}),
            "phi": ((), phi, {"long_name": "nonlinearity"}),
            "N": ((), N, {"long_name": "number of neurons", "units": "1"}),
            "sigma_u": ((), su, {"long_name": "input noise standard deviation",
                                 "units": "1"}),
        },
        attrs={"burn_in": burn, "n_probes": K, "fit_window": list(fit_window),
               "lstm_input_std_note": "LSTM input std = sigma_u (1 where sigma_u = 0)"},
    )
    return ds


def _power_sigma_max(Z: np.ndarray, rng: np.random.Generator, iters: int = 200) -> float:
    """Largest singular value by power iteration on Z^T Z (relative accuracy ~1e-6)."""
    x = rng.standard_normal(Z.shape[1])
    s = 0.0
    for _ in range(iters):
        y = Z.T @ (Z @ x)
        s_new = np.sqrt(np.linalg.norm(y) / np.linalg.norm(x))
        x = y / np.linalg.norm(y)
        if abs(s_new - s) < 1e-9 * s_new:
            break
        s = s_new
    return float(s_new)
