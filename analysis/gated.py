r"""Trained gated networks: the horizon LSTMs and GRUs learn against their gate depth scale.

LSTMs and GRUs trained by Adam to recall one of K symbols after T steps of input noise
(``sim.trained``; ``docs/gated.md``). Along the LSTM's cell path
:math:`c_t = f_t c_{t-1} + i_t\tilde c_t` an error signal is multiplied by the forget gates
(the constant error carousel when f = 1; Hochreiter & Schmidhuber 1997; Gers et al. 2000);
the GRU's state is carried by its retention gate z the same way. The knob of the
initialisation is the gate timescale :math:`\tau = 1/(1 - \sigma(b)) = 1 + e^{b}` (Tallec &
Ollivier 2018: :math:`b = \ln(\tau - 1)`; chrono initialisation :math:`b = \ln u`,
:math:`u\sim U(1, T_{max} - 1)`). A cell path of constant gates :math:`\sigma(b)` multiplies
the squared error signal by :math:`\chi_f = \sigma(b)^2 = (1 - 1/\tau)^2` per step, the
gated counterpart of the vanilla RNN's χ, hence the depth scale

.. math:: \xi_f = -\frac{1}{\ln\chi_f} = -\frac{1}{2\ln(1 - 1/\tau)}
          \;\to\; \frac{\tau - 1/2}{2} \quad (\tau\to\infty)

(chrono: the sum over units of :math:`\sigma(b_i)^{2T}` is dominated at long lags by the
slowest units, so :math:`\xi_f` of :math:`T_{max}`). The claim tested, the analogue of the
RNN's :math:`T^* = c\,\xi` (``analysis.trained``): the longest lag a gated network learns
within a fixed budget is :math:`T^* = c\,\xi_f`, one constant for all τ. At large τ this is
:math:`T^*\propto\tau`; at the small τ of the default preset the two differ by a factor
that is not constant (:math:`\tau/\xi_f` = 3.3 at τ = 1.5, 2.3 at τ = 4). The horizon, its
parametric bootstrap and censoring are those of the ``trained`` study
(:func:`memory_dynamics.analysis.trained.add_horizon`).
"""

from __future__ import annotations

import re

import numpy as np
import xarray as xr

from memory_dynamics.studies.trained import GRADIENT_MIN_LAG

from . import checks as chk
from .trained import (
    BOOT_SEED,
    DIVERGED,
    GRAD_OVERFLOW,
    add_grad_rate,
    add_horizon,
    budget_checks,
    budget_slopes,
    full_budget,
    horizon_fits,
)

TITLE = "Trained gated networks: learned horizon against the gate depth scale"
REFERENCES = ("Hochreiter & Schmidhuber (1997) Neural Comput. 9:1735; Gers, Schmidhuber & "
              "Cummins (2000) Neural Comput. 12:2451; Cho et al. (2014) EMNLP; Tallec & "
              "Ollivier (2018) ICLR; Kingma & Ba (2015) ICLR")

#: what a NaN or inf in the merged dataset means
NON_FINITE = {
    r"fisher_memory": "NaN everywhere: the gated study does not measure the Fisher memory "
                     "(sim.trained.train(..., fisher=True) does, for any cell)",
    r"grad_sq_at_symbol": GRAD_OVERFLOW,
    r"test_loss|train_curve|tau_unit_trained": DIVERGED,
    r"log_grad_sq(_se)?": "NaN where the error signal at the symbol is near float32's "
                          "underflow (|dL/dstate_0|^2 < 1e-30) in some seed: short timescales "
                          "at long lags",
    r"grad_rate(_se)?": f"NaN where fewer than two lags >= {GRADIENT_MIN_LAG} keep a finite "
                        "error signal",
    r"xi_grad(_boot)?": "NaN where the measured error signal does not decay measurably "
                        "(grad_rate + 3 SE >= 0, or a draw >= 0) or has no rate (fewer than "
                        "two lags)",
    r"grad_rate_chi2_reduced": "NaN where the rate fit has fewer than three lags",
}


def shared_draws(check: str) -> str:
    """Group of checks computed from the same networks: every check of one (task, cell,
    init), whose timescales share their draws (common random numbers)."""
    return re.sub(r"^(horizon_slope_grad|horizon_slope|horizon_held_out|horizon_budget)_"
                  r"|_tau[^_]+$|_steps\d+$", "", check)


def gate_depth_scale(tau) -> np.ndarray:
    r"""Depth scale of a cell path of constant gates :math:`\sigma(b) = 1 - 1/\tau`:
    :math:`\xi_f = -1/(2\ln(1 - 1/\tau))` (the squared error signal shrinks by
    :math:`\sigma(b)^2` per step)."""
    tau = np.asarray(tau, float)
    return -1.0 / (2.0 * np.log1p(-1.0 / tau))


def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """The gate timescale, success, the horizon with its bootstrap, and the error signal at
    initialisation."""
    ds = ds.copy()
    ds["xi_gate_theory"] = ("tau", gate_depth_scale(ds.tau.values), {
        "long_name": "depth scale of a cell path of constant gates 1 - 1/tau: "
                     "xi_f = -1/(2 ln(1 - 1/tau)) (chrono: of T_max)", "units": "1",
        "comment": "time steps"})
    add_horizon(ds, "tau")
    add_grad_rate(ds)
    ds["grad_rate_gate_theory"] = ("tau", 2 * np.log1p(-1 / ds.tau.values), {
        "long_name": "rate of ln |dL/dstate_0|^2 along a cell path of constant gates "
                     "sigma(b) = 1 - 1/tau: 2 ln(1 - 1/tau) (no gate noise; drawn, not "
                     "checked)", "units": "1", "comment": "per time step"})
    # the measured depth scale of the error signal, -1/rate, and its resamples (the rate
    # drawn from its normal SE, beside the horizon's bootstrap)
    rate, se = ds.grad_rate, ds.grad_rate_se
    decays = rate + 3 * se < 0  # measurably
    z = np.random.default_rng(BOOT_SEED + 1).standard_normal((ds.sizes["boot"], *rate.shape))
    with np.errstate(divide="ignore", invalid="ignore"):
        xb = np.where(decays.values & (rate.values + se.values * z < 0),
                      -1 / (rate.values + se.values * z), np.nan)
    ds["xi_grad"] = (-1 / rate.where(decays)).assign_attrs(
        long_name="measured depth scale of the error signal at initialisation, "
                  "-1/grad_rate (where grad_rate is below 0 by 3 SE)", units="1",
        comment="time steps")
    ds["xi_grad_boot"] = (("boot", *rate.dims), xb, {
        "long_name": "xi_grad with grad_rate drawn from its standard error", "units": "1"})
    tu = ds.tau_unit_trained
    ds["log_tau_unit_trained_median"] = np.log(tu).median(("seed", "unit")).assign_attrs(
        long_name="median over units and seeds of ln tau_i after training", units="1")
    return ds


def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """The horizon against the gate depth scale.

    * ``prediction``: the slope of ln T* on ln xi_f over the timescales with a measured
      horizon is 1 (T* = c xi_f; parametric-bootstrap SE, normal, Sidak over the series).
    * ``fitted``: c fitted on every other timescale, against ln T* at the ones left out;
      the slope of ln T* on ln xi_grad = 1, xi_grad the depth scale of the error signal
      measured at initialisation in the same networks (the gated analogue of the RNN's
      xi = -1/ln chi, which mean field predicts; for the gates it is measured).

    The slope on xi_f at every training budget (one Sidak family), its difference between
    budgets (:func:`memory_dynamics.analysis.trained.budget_checks`); the rest at the full
    budget.
    """
    series = [(f"{t}_{c}_{i}", {"task": t, "cell": c, "init": i})
              for t in ds.task.values for c in ds.cell.values for i in ds.init.values]
    out = budget_checks(ds, series, "xi_gate_theory", "tau", "xi_f")
    fam_slope = [(tag + suffix, after, f) for tag, sel in series
                 for suffix, after, f in budget_slopes(ds, sel, "xi_gate_theory", "tau")]
    ds = full_budget(ds)
    fam_held, fam_grad = [], []
    n_seed = ds.sizes["seed"]
    for t in ds.task.values:
        for c in ds.cell.values:
            for i in ds.init.values:
                pt = ds.sel(task=t, cell=c, init=i)
                f = horizon_fits(pt, "xi_gate_theory", "tau")
                tag = f"{t}_{c}_{i}"
                if "slope" in f:
                    fam_held += [(tag, *h) for h in f["held_out"]]
                fg = horizon_fits(pt, "xi_grad", "tau")
                if "slope" in fg:
                    fam_grad.append((tag, fg))
    z = chk.sidak(len(fam_slope))
    for tag, after, f in fam_slope:
        out.append(chk.within_se(
            f"horizon_slope_{tag}",
            f"{tag}{after}: slope of ln T* on ln xi_f (xi_f = -1/(2 ln(1 - 1/tau)), the depth "
            f"scale of constant retention gates 1 - 1/tau at initialisation) over the "
            f"{len(f['gains'])} timescales with a measured horizon (tau = "
            f"{', '.join(f'{v:g}' for v in f['gains'])}) vs 1 (T* = c xi_f); "
            f"parametric-bootstrap SE from {n_seed} seeds per lag; Sidak over "
            f"{len(fam_slope)}", 1.0, f["slope"], f["slope_se"], z))
    z = chk.sidak(len(fam_held))
    for tag, v, log_c, r, se in fam_held:
        out.append(chk.within_se(
            f"horizon_held_out_{tag}_tau{v:g}",
            f"{tag}, tau={v:g}: ln T* minus ln(c xi_f), c = {np.exp(log_c):.3g} fitted on the "
            f"other timescales (not this one); parametric-bootstrap SE; Sidak over "
            f"{len(fam_held)}", 0.0, r, se, z, kind="fitted"))
    z = chk.sidak(len(fam_grad))
    for tag, f in fam_grad:
        out.append(chk.within_se(
            f"horizon_slope_grad_{tag}",
            f"{tag}: slope of ln T* on ln xi_grad, the depth scale -1/(slope of ln "
            f"|dL/dstate_0|^2 in the lag) measured at initialisation in the same networks, "
            f"over tau = {', '.join(f'{v:g}' for v in f['gains'])} vs 1 (T* = c xi_grad); SE "
            f"from the bootstrap of T* and the rate's SE; Sidak over {len(fam_grad)}",
            1.0, f["slope"], f["slope_se"], z, kind="fitted"))
    return out

