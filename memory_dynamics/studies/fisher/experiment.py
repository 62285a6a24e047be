"""The per-point experiment of the Fisher memory study.

Simulation plus the exact theory of each random draw (docs/fisher.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.analysis import fisher as theory
from memory_dynamics.sim.fisher import empirical_fisher_memory, make_network
from memory_dynamics.sim.rng import SeedLike, as_generator


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Draw the networks of one sweep point and measure their memory.

    For each of ``n_networks`` networks of ``values["ensemble"]`` at ``N`` and ``alpha``,
    the exact J(k) (k = 0..k_max), J_tot for its input vector and for the optimal one,
    Tr J_s and the spectral radius are computed with :mod:`analysis.fisher` (the sampled
    network is the random object here); for the first network, when N is in ``simulate_N``,
    J(k) is also estimated from driven runs of the noisy linear network and of the tanh
    network at every noise level in ``tanh_eps``.
    """
    ens, N, alpha = values["ensemble"], int(values["N"]), float(values["alpha"])
    n_net, k_max = int(settings["n_networks"]), int(settings["k_max"])
    lags = np.asarray(settings["lags"], int)
    children = as_generator(seed).spawn(n_net + 1)
    J = np.empty((n_net, k_max + 1))
    out = {k: np.empty(n_net) for k in ("J_total", "J_total_optimal", "trace_Js",
                                          "spectral_radius")}
    rejected = np.zeros(n_net, np.int64)
    W0 = v0 = None
    for n in range(n_net):
        W, v, rejected[n] = make_network(ens, N, alpha, children[n])
        if n == 0:
            W0, v0 = W, v
        J[n], Js = theory.fisher_memory(W, v, k_max)
        out["J_total"][n] = v @ Js @ v
        out["J_total_optimal"][n] = np.linalg.eigvalsh(Js)[-1]
        out["trace_Js"][n] = np.trace(Js)
        out["spectral_radius"][n] = np.max(np.abs(np.linalg.eigvals(W)))
        if progress is not None:
            progress(n + 1, n_net)
    simulate = N in settings["simulate_N"]
    lag_nan = np.full(lags.size, np.nan)
    eps_t = np.atleast_1d(np.asarray(settings["tanh_eps"], float))
    J_lin = se_lin = lag_nan
    J_tanh, se_tanh = np.full((eps_t.size, lags.size), np.nan), np.full((eps_t.size,
                                                                          lags.size), np.nan)
    rms_tanh, peak_tanh = np.full(eps_t.size, np.nan), np.full(eps_t.size, np.nan)
    if simulate:  # network 0, linear at eps = 1 and tanh at every noise level
        rngs = children[-1].spawn(1 + eps_t.size)
        J_lin, se_lin, _, _ = empirical_fisher_memory(
            W0, v0, 1.0, lags, settings["n_samples"], rngs[0], phi="linear")
        if alpha < 1:
            for i, eps in enumerate(eps_t):
                J_tanh[i], se_tanh[i], rms_tanh[i], peak_tanh[i] = empirical_fisher_memory(
                    W0, v0, float(eps), lags, settings["n_samples"], rngs[1 + i], phi="tanh")

    one = {"units": "1"}
    per_eps = {"units": "1", "comment": "in units of 1/eps, eps the input-noise variance"}
    ds = xr.Dataset(
        {
            "J": (("network", "k"), J, {
                "long_name": "Fisher memory J(k) of each sampled network, exact", **per_eps}),
            "J_total": ("network", out["J_total"], {
                "long_name": "total Fisher memory J_tot = v^T J_s v", **per_eps}),
            "J_total_optimal": ("network", out["J_total_optimal"], {
                "long_name": "J_tot of the optimal input (top eigenvalue of J_s)", **per_eps}),
            "trace_Js": ("network", out["trace_Js"], {
                "long_name": "trace of the spatial Fisher matrix J_s", **per_eps}),
            "spectral_radius": ("network", out["spectral_radius"], {
                "long_name": "spectral radius of W", **one}),
            "n_rejected": ("network", rejected, {
                "long_name": "draws rejected for spectral radius >= 1", **one}),
            "J_sim": ("lag", J_lin, {
                "long_name": "J(k) estimated from driven runs of the noisy linear network "
                             "(network 0; pulse-triggered response and residual covariance; "
                             "NaN where not simulated)", **per_eps}),
            "J_sim_se": ("lag", se_lin, {
                "long_name": "group-jackknife standard error of J_sim", **per_eps}),
            "J_sim_tanh": (("tanh_eps", "lag"), J_tanh, {
                "long_name": "J(k) estimated from driven runs of the tanh network at noise "
                             "variance tanh_eps (network 0; NaN where not simulated)",
                **per_eps}),
            "J_sim_tanh_se": (("tanh_eps", "lag"), se_tanh, {
                "long_name": "group-jackknife standard error of J_sim_tanh", **per_eps}),
            "tanh_preact_rms": ("tanh_eps", rms_tanh, {
                "long_name": "rms pre-activation of the simulated tanh network", **one}),
            "tanh_pulse_peak": ("tanh_eps", peak_tanh, {
                "long_name": "largest single-neuron kick of the probe pulse (pulse x max|v|)",
                **one}),
        },
        coords={
            "network": ("network", np.arange(n_net), {"long_name": "network replicate",
                                                      "units": "1"}),
            "k": ("k", np.arange(k_max + 1), {"long_name": "lag (time steps)", "units": "1"}),
            "lag": ("lag", lags, {"long_name": "lag of the simulated estimate (time steps)",
                                  "units": "1"}),
            "tanh_eps": ("tanh_eps", eps_t, {"long_name": "noise variance of the simulated "
                                                          "tanh network", "units": "1"}),
            "ensemble": ((), ens, {"long_name": "network ensemble"}),
            "N": ((), N, {"long_name": "number of neurons", "units": "1"}),
            "alpha": ((), alpha, {"long_name": "gain parameter alpha", "units": "1"}),
        },
        attrs={"n_samples": settings["n_samples"], "jackknife_groups": 20},
    )
    return ds
