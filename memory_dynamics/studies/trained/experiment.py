"""The per-point experiment of the trained-networks study (docs/trained.md)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from memory_dynamics.sim.rng import SeedLike, as_generator


def simulate_point(values: dict, settings: dict, seed: SeedLike,
                   progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Sweep point (task, cell, sigma_u, lag): ``n_seeds`` networks at every gain, trained
    together (:func:`memory_dynamics.sim.trained.train_recall`)."""
    from memory_dynamics.sim.trained import (  # imports JAX
        recall_baseline,
        record_steps,
        train_recall,
    )

    s = settings
    gains = np.asarray(s["g"], float)
    # jax.random.key keeps the low 32 bits of this draw (JAX without x64): a uniform
    # 32-bit root
    key = int(as_generator(seed).integers(2**63))
    out = train_recall(gains, s["n_seeds"], values["lag"], values["sigma_u"], key,
                       n_units=s["n_units"], n_symbols=s["n_symbols"], batch=s["batch"],
                       steps=s["steps"], lr=s["lr"], n_test=s["n_test"],
                       n_record=s["n_record"], progress=progress)
    # moduli of the trained recurrent matrix's eigenvalues, largest first (float64)
    eig = np.sort(np.abs(np.linalg.eigvals(out["W"].astype(np.float64))), axis=-1)[..., ::-1]
    ends = record_steps(s["steps"], s["n_record"])
    nats = {"units": "1", "comment": "nats"}
    ds = xr.Dataset(
        {
            "test_loss": (("seed", "g"), out["test_loss"].astype(np.float64), {
                "long_name": f"cross-entropy of the answer after training, {s['n_test']} "
                             "held-out sequences", **nats}),
            "train_curve": (("seed", "g", "step"), out["train_curve"].astype(np.float64), {
                "long_name": "mean training cross-entropy over the block of Adam steps "
                             "ending at step", **nats}),
            "grad_sq_at_symbol": (("seed", "g"),
                                  out["grad_sq_at_symbol"].astype(np.float64), {
                "long_name": "mean squared norm |dL/dh_0|^2 of the error back-propagated to "
                             "the symbol's state, at initialisation", "units": "1"}),
            "eig_abs_trained": (("seed", "g", "mode"), eig, {
                "long_name": "moduli of the eigenvalues of the trained recurrent matrix W, "
                             "largest first", "units": "1"}),
            "baseline": ((), recall_baseline(s["n_symbols"]), {
                "long_name": "cross-entropy of the best memoryless answer, ln K", **nats}),
        },
        coords={
            "seed": ("seed", np.arange(s["n_seeds"]), {"long_name": "network replicate",
                                                       "units": "1"}),
            "g": ("g", gains, {"long_name": "recurrent gain g at initialisation "
                                            "(W_ij ~ N(0, g^2/N))", "units": "1"}),
            "step": ("step", np.array(ends), {
                "long_name": "Adam steps", "units": "1"}),
            "mode": ("mode", np.arange(s["n_units"]), {
                "long_name": "eigenvalue rank (by modulus)", "units": "1"}),
            "task": ((), values["task"], {"long_name": "task"}),
            "cell": ((), values["cell"], {"long_name": "recurrent cell"}),
            "sigma_u": ((), float(values["sigma_u"]), {
                "long_name": "input noise standard deviation", "units": "1"}),
            "lag": ((), int(values["lag"]), {
                "long_name": "noise steps T between the symbol and the answer",
                "units": "1"}),
        },
    )
    return ds
