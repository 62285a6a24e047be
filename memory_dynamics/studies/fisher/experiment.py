"""The per-point experiment of the Fisher memory study.

Simulation plus the exact theory of each random draw (docs/fisher.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from ...analysis import fisher as theory
from ...sim.fisher import empirical_fisher_memory, make_network
from ...sim.rng import SeedLike, as_generator


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Draw the networks of one sweep point and measure their memory.

    For each of ``n_networks`` networks of ``values["ensemble"]`` at ``N`` and ``alpha``,
    the exact J(k) (k = 0..k_max), J_tot for its input vector and for the optimal one,
    Tr J_s and the spectral radius are computed with :mod:`analysis.fisher` (the sampled
    network is the random object here); for the first network, when N is in ``simulate_N``,
    J(k) is also estimated by simulating the noisy linear and tanh networks.
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
    sim = {}
    for phi, eps in (("linear", 1.0), ("tanh", settings["tanh_eps"])):
        if simulate and (phi == "linear" or alpha < 1):
            est, se = empirical_fisher_memory(W0, v0, eps, lags, settings["n_samples"],
                                              children[-1].spawn(1)[0], phi=phi)
        else:  # not simulated at this point (flagged by the 'simulated' attribute)
            est = se = np.full(lags.size, np.nan)
        sim[phi] = (est, se)

    one = {"units": "1"}
    per_eps = {"units": "1/eps"}
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
            "J_sim": ("lag", sim["linear"][0], {
                "long_name": "J(k) estimated from simulation of the noisy linear network "
                             "(network 0; NaN where not simulated)", **per_eps}),
            "J_sim_se": ("lag", sim["linear"][1], {
                "long_name": "jackknife standard error of J_sim", **per_eps}),
            "J_sim_tanh": ("lag", sim["tanh"][0], {
                "long_name": "J(k) estimated from simulation of the tanh network at small "
                             "noise (network 0; NaN where not simulated)", **per_eps}),
            "J_sim_tanh_se": ("lag", sim["tanh"][1], {
                "long_name": "jackknife standard error of J_sim_tanh", **per_eps}),
        },
        coords={
            "network": ("network", np.arange(n_net), {"long_name": "network replicate",
                                                      "units": "1"}),
            "k": ("k", np.arange(k_max + 1), {"long_name": "lag", "units": "steps"}),
            "lag": ("lag", lags, {"long_name": "lag of the simulated estimate",
                                  "units": "steps"}),
            "ensemble": ((), ens, {"long_name": "network ensemble"}),
            "N": ((), N, {"long_name": "number of neurons", "units": "1"}),
            "alpha": ((), alpha, {"long_name": "gain parameter alpha", "units": "1"}),
        },
        attrs={"n_samples": settings["n_samples"], "tanh_eps": settings["tanh_eps"]},
    )
    return ds
