"""The per-point experiment of the trained-networks study (docs/trained.md)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.sim.rng import SeedLike, as_generator


def train_point(cell_name: str, knobs, values: dict, settings: dict, seed: SeedLike,
                progress: Callable[[int, int], None] | None = None, *, fisher: bool):
    """Train ``n_seeds`` networks of cell ``cell_name`` at every knob value on the point's
    task, lag and noise (:func:`memory_dynamics.sim.trained.train`; ``fisher``: with the
    Fisher memory); returns the outputs, the record steps of the learning curve and the
    task."""
    from memory_dynamics.sim.trained import (  # imports JAX
        CELLS,
        TASKS,
        budget_steps,
        record_steps,
        train,
    )

    s = settings
    # jax.random.key keeps the low 32 bits of this draw (JAX without x64): a uniform
    # 32-bit root
    key = int(as_generator(seed).integers(2**63))
    task = TASKS[values["task"]].from_settings(s)
    out = train(CELLS[cell_name], task, knobs, s["n_seeds"], values["lag"], values["sigma_u"],
                key, n_units=s["n_units"], batch=s["batch"],
                steps=s["steps"], lr=s["lr"], n_test=s["n_test"], n_record=s["n_record"],
                test_at=budget_steps(s["steps"], s["n_record"], s["budget_fraction"]),
                fisher=fisher,
                progress=progress)
    return out, record_steps(s["steps"], s["n_record"]), task


def point_dataset(out: dict, ends, task, knob: tuple, values: dict, settings: dict,
                   data_vars: dict, coords: dict) -> xr.Dataset:
    """The dataset of one point: test loss (seed, knob, budget), learning curve, error
    signal at initialisation, Lyapunov exponent on (seed, knob) and the task's memoryless
    baseline, plus ``data_vars`` and ``coords``. ``knob`` is ``(name, values, attrs)`` of
    the cell's knob dimension."""
    from memory_dynamics.sim.trained import FISHER_DELAYS, budget_steps, fisher_steps

    s = settings
    name, kv, kattrs = knob
    loss = {"units": "1", "comment": task.loss_name}
    dims = ("seed", name)
    return xr.Dataset(
        {
            "test_loss": ((*dims, "budget"), out["test_loss"].astype(np.float64), {
                "long_name": f"task loss after training for budget Adam steps, "
                             f"{s['n_test']} held-out sequences", **loss}),
            "train_curve": ((*dims, "step"), out["train_curve"].astype(np.float64), {
                "long_name": "mean training loss over the block of Adam steps ending at "
                             "step", **loss}),
            "grad_sq_at_symbol": (dims, out["grad_sq_at_symbol"].astype(np.float64), {
                "long_name": "mean squared norm of the answer's error back-propagated to "
                             "the state after the first input, at initialisation",
                "units": "1"}),
            "lyapunov": (dims, out["lyapunov"].astype(np.float64), {
                "long_name": "maximal Lyapunov exponent at initialisation, driven by "
                             "noise of the effective input variance", "units": "1",
                "comment": "per time step"}),
            "fisher_memory": ((*dims, "stage", "delay"), out["fisher"].astype(np.float64), {
                "long_name": "Fisher memory J(k) of the symbol k steps later, the network "
                             "linearised along noise-driven trajectories (delayed recall; "
                             "mean over trajectories)", "units": "1"}),
            "fisher_steps": ("delay", fisher_steps(int(values["lag"])), {
                "long_name": "delay k of fisher_memory: max(1, round(delay x lag))",
                "units": "1", "comment": "time steps"}),
            "diverged": (dims, out["diverged"].astype(np.int8), {
                "long_name": "training diverged: the parameters became non-finite (exploding "
                             "gradients overflow float32); counted as not learned",
                "units": "1", "flag_values": np.array([0, 1], np.int8),
                "flag_meanings": "trained diverged"}),
            "baseline": ((), task.baseline(int(values["lag"])), {
                "long_name": "task loss of the best memoryless answer", **loss}),
            **data_vars,
        },
        coords={
            "seed": ("seed", np.arange(s["n_seeds"]), {"long_name": "network replicate",
                                                       "units": "1"}),
            name: (name, np.asarray(kv, float), kattrs),
            "step": ("step", np.array(ends), {"long_name": "Adam steps", "units": "1"}),
            "stage": ("stage", ["init", "trained"], {
                "long_name": "the network at initialisation or after the full budget"}),
            "delay": ("delay", np.asarray(FISHER_DELAYS), {
                "long_name": "delay of the Fisher memory as a fraction k/T of the lag",
                "units": "1"}),
            "budget": ("budget", np.array(budget_steps(s["steps"], s["n_record"],
                                                       s["budget_fraction"])), {
                "long_name": "training budget: Adam steps before the held-out loss is "
                             "measured (the same networks part-way)", "units": "1"}),
            "task": ((), values["task"], {"long_name": "task"}),
            "input_variance": ((), float(task.input_variance), {
                "long_name": "variance the task's inputs add to a pre-activation per step "
                             "after the first (the mean field adds it to sigma_u^2)",
                "units": "1"}),
            "cell": ((), values["cell"], {"long_name": "recurrent cell"}),
            "lag": ((), int(values["lag"]), {
                "long_name": "noise steps T between the symbol and the answer",
                "units": "1"}),
            **coords,
        },
    )


def eigenvalue_moduli(W) -> np.ndarray:
    """Moduli of the eigenvalues of each matrix of ``W`` (..., N, N), largest first
    (float64); NaN for a matrix with a non-finite entry (training diverged)."""
    W = np.asarray(W, np.float64)
    ok = np.isfinite(W).all(axis=(-2, -1))
    eig = np.full(W.shape[:-1], np.nan)
    eig[ok] = np.sort(np.abs(np.linalg.eigvals(W[ok])), axis=-1)[..., ::-1]
    return eig


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep point (task, cell, sigma_u, lag): ``n_seeds`` networks at every gain, trained
    together (:func:`memory_dynamics.sim.trained.train`)."""
    s = settings
    gains = np.asarray(s["g"], float)
    out, ends, task = train_point(values["cell"], gains, values, s, seed, progress,
                                  fisher=True)
    eig = eigenvalue_moduli(out["W"])
    return point_dataset(
        out, ends, task, ("g", gains, {"long_name": "recurrent gain g at initialisation (W = g Z, "
                                              "Z_ij ~ N(0, 1/N); rnn_orthogonal: W = g Q)",
                                 "units": "1"}),
        values, s,
        {"eig_abs_trained": (("seed", "g", "mode"), eig, {
            "long_name": "moduli of the eigenvalues of the trained recurrent matrix W, "
                         "largest first", "units": "1"})},
        {"mode": ("mode", np.arange(s["n_units"]), {"long_name": "eigenvalue rank (by "
                                                                 "modulus)", "units": "1"}),
         "sigma_u": ((), float(values["sigma_u"]), {
             "long_name": "input noise standard deviation", "units": "1"})})
