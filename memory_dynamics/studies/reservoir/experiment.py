"""The per-point experiment of the echo-state reservoir memory study.

Simulation plus the exact theory of each random draw (docs/reservoir.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.analysis.fisher import fisher_memory_curve, memory_curve
from memory_dynamics.analysis.reservoir import RESOLVABLE, noise_free_memory
from memory_dynamics.sim.reservoir import memory_sweep, reservoir_matrix
from memory_dynamics.sim.rng import SeedLike, as_generator


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep-point entry (phi, N, input_scale, noise): all radii and seeds in one batch."""
    phi, N = values["phi"], int(values["N"])
    scale, eps = float(values["input_scale"]), float(values["noise"])
    rhos = np.asarray(settings["rho"], float)
    S, T, wash = int(settings["n_seeds"]), int(settings["T"]), int(settings["washout"])
    K = int(settings["k_max"]) + 1
    rng = as_generator(seed)
    W1 = np.stack([reservoir_matrix(settings["kind"], N, r) for r in rng.spawn(S)])
    v = rng.standard_normal((S, N))
    v *= scale / np.linalg.norm(v, axis=1, keepdims=True)
    u = rng.uniform(-np.sqrt(3), np.sqrt(3), size=(S, T))  # i.i.d., variance 1, per seed
    rel = float(settings["ridge_relative"])
    res = memory_sweep(W1, v, rhos, u, phi, eps, K - 1, wash, settings["test_fraction"],
                       float(settings["ridge"]), rng.spawn(1)[0], ridge_relative=rel,
                       progress=progress)
    mc, mc_in, mc_corr, n_test = (res[k] for k in ("held_out", "in_sample", "corrected",
                                                    "n_test"))
    # the small-input limit of tanh: input x s and noise x s^2 make a linear reservoir's memory
    # unchanged, and tanh linear to O(s^2): its MC must approach the exact linear one
    small = float(settings["small_input_scale"])
    mc_small = np.full_like(mc_in, np.nan)
    if phi == "tanh" and eps > 0 and small > 0:
        mc_small = memory_sweep(W1, v * small, rhos, u, phi, eps * small**2, K - 1, wash,
                                settings["test_fraction"], float(settings["ridge"]),
                                rng.spawn(1)[0], ridge_relative=rel,
                                bias_correction=False)["in_sample"]
    nan = np.full(K, np.nan)
    one = {"units": "1"}
    flag = {"flag_values": np.array([0, 1], np.int8), "flag_meanings": "no yes", "units": "1"}
    if eps > 0:  # the noise floor makes the covariance well conditioned: always exact
        exact = np.array([[memory_curve(r * W1[i], v[i], eps=eps, sigma2=1.0, k_max=K - 1)
                           if r < 1 else nan for r in rhos] for i in range(S)])
        info = [[{"resolvable": r < 1} for r in rhos] for _ in range(S)]
    else:  # noise-free: exact only where float64 resolves the covariance
        info = [[noise_free_memory(r * W1[i], v[i], K - 1, rel) if r < 1 else
                 {"resolvable": False, "curve": nan} for r in rhos] for i in range(S)]
        exact = np.array([[f["curve"] for f in row] for row in info])

    def field(key, default=np.nan):
        return np.array([[f.get(key, default) for f in row] for row in info], dtype=float)

    noise_free = {
        "exact_resolvable": (("seed", "rho"), field("resolvable", 0).astype(np.int8), {
            "long_name": "exact memory curve available: noisy, or noise-free with a "
                         "covariance resolvable in float64 (smallest/largest eigenvalue >= "
                         f"{RESOLVABLE:g}); else memory_function_linear_theory is NaN",
            **flag}),
        "memory_capacity_limit": (("seed", "rho"), field("limit"), {
            "long_name": "noise-free MC summed over all lags in exact arithmetic: "
                         "rank [v, Wv, ...] = N if (W, v) is controllable (NaN with noise)",
            **one}),
        "memory_capacity_exact_all_lags": (("seed", "rho"), field("total"), {
            "long_name": "exact noise-free MC summed to rho^k < 1e-18 (NaN unless "
                         "resolvable; NaN with noise)", **one}),
        "memory_capacity_precision_estimate": (("seed", "rho"), field("precision_estimate"), {
            "long_name": "noise-free MC kept by a readout regularised at ridge_relative x "
                         "tr C if each lag had its own direction (estimate; ignores k_max; "
                         "NaN with noise)", **one}),
    }
    fisher = np.array([[fisher_memory_curve(r * W1[i], v[i], K - 1, eps=eps)
                        if r < 1 and eps > 0 else nan for r in rhos] for i in range(S)])
    return xr.Dataset(
        {
            "memory_function": (("seed", "rho", "k"), mc, {
                "long_name": "held-out r^2 of the best linear readout of u(n-k)", **one}),
            "memory_function_corrected": (("seed", "rho", "k"), mc_corr, {
                "long_name": "held-out r^2 with its O(1/T) biases removed (training side: "
                             "Richardson 2 r^2(n) - r^2(n/2); test side: first-order "
                             "squared-correlation bias)", **one}),
            "memory_function_in_sample": (("seed", "rho", "k"), mc_in, {
                "long_name": "in-sample r^2 of the same readouts (biased up by ~N/T)", **one}),
            "memory_function_small_input_in_sample": (("seed", "rho", "k"), mc_small, {
                "long_name": "in-sample r^2 of the same tanh reservoir with input x "
                             "small_input_scale and noise x small_input_scale^2 (its "
                             "small-input limit; NaN for linear or noise-free points)", **one}),
            "fisher_J": (("seed", "rho", "k"), fisher, {
                "long_name": "Fisher memory J(k) of the linear reservoir, absolute units "
                             "(NaN without noise)", "units": "1"}),
            "memory_function_linear_theory": (("seed", "rho", "k"), exact, {
                "long_name": "exact memory curve m(k) of the same reservoir made linear "
                             "(sigma^2 w_k^T Sigma_x^-1 w_k); the theory for phi = linear; "
                             "NaN where noise-free Sigma_x is not resolvable in float64",
                **one}),
            **noise_free,
        },
        coords={
            "seed": ("seed", np.arange(S), {"long_name": "reservoir replicate", "units": "1"}),
            "rho": ("rho", rhos, {"long_name": "spectral radius", "units": "1"}),
            "k": ("k", np.arange(K), {"long_name": "delay (time steps)", "units": "1"}),
            "phi": ((), phi, {"long_name": "nonlinearity"}),
            "N": ((), N, {"long_name": "reservoir size", "units": "1"}),
            "input_scale": ((), scale, {"long_name": "input weight norm |v|", **one}),
            "noise": ((), eps, {"long_name": "state noise variance epsilon", **one}),
        },
        attrs={"T": T, "washout": wash, "n_test": n_test, "n_train": int(res["n_train"]),
               "kind": settings["kind"],
               "ridge": settings["ridge"], "ridge_relative": rel, "small_input_scale": small,
               "input": "i.i.d. uniform, variance 1, one series per seed"},
    )
