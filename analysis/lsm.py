r"""Liquid state machine: separation curves, theory and checks.

Maass, Natschläger & Markram (2002), Neural Computation 14:2531. The separation property:
the distance of the liquid states driven by two inputs u and v grows with their input
distance d(u, v) (:func:`memory_dynamics.sim.lsm.input_distance`), above the d = 0 floor of
two runs with the same input and different initial states. Science notes: ``docs/lsm.md``.
"""

from __future__ import annotations

import numpy as np

from . import checks as chk

__all__ = ["separation_curves",
           "add_theory", "make_checks"]

TITLE = "Spiking liquid state machine: separation and fading memory"
REFERENCES = ("Maass, Natschläger & Markram (2002) Neural Comput. 14:2531; Markram, Wang & "
              "Tsodyks (1998) PNAS 95:5323; Rotter & Diesmann (1999) Biol. Cybern. 81:381")

def separation_curves(state_distance):
    """Mean and standard error over pairs of the state distance, per input distance and time.

    ``state_distance``: DataArray (distance, pair, time). Returns (mean, se) DataArrays.
    """
    return chk.mean_se(state_distance, "pair")


T_CHECK = (0.1, 0.5)  # s, where the separation curves must be ordered


def add_theory(ds):
    """Separation means, SEs and paired ordering statistics; rates; the exact LIF curve."""
    ds = ds.copy()
    one = {"units": "1"}
    mean, se = separation_curves(ds.state_distance)
    ds["separation_mean"] = mean.assign_attrs(long_name="state distance, mean over pairs", **one)
    ds["separation_se"] = se.assign_attrs(long_name="state distance, SE over pairs", **one)
    # consecutive distances share u, z and the u-run (common random numbers): paired z-scores
    gap = ds.state_distance.diff("distance", label="upper")
    mean, se = chk.mean_se(gap, "pair")
    z = mean / se
    ds["separation_order_z"] = z.rename(distance="upper_distance").assign_attrs(
        long_name="mean over pairs of d(x_u, x_v) at this input distance minus at the next "
                  "smaller one, in standard errors of the paired difference", **one)
    rate = ds.rate
    ds["rate_excitatory"] = rate.where(ds.inhibitory == 0).mean("neuron").assign_attrs(
        long_name="mean firing rate, excitatory", units="Hz")
    ds["rate_inhibitory"] = rate.where(ds.inhibitory == 1).mean("neuron").assign_attrs(
        long_name="mean firing rate, inhibitory", units="Hz")
    return ds


def _points(ds):
    import itertools

    for N, lam, f in itertools.product(ds.N.values, ds.lam.values, ds.input_fraction.values):
        pt = ds.sel(N=N, lam=lam, input_fraction=f)
        if np.isfinite(pt.separation_mean).any():
            yield f"N{N}_lam{lam:g}_in{f:g}", f"N={N}, lambda={lam:g}, input to {f:.0%}", pt


def make_checks(ds):
    """Separation ordering of the liquid states and the LIF rate against its closed form."""
    out = []
    for tag, desc, pt in _points(ds):
        win = (pt.time >= T_CHECK[0] - 1e-9) & (pt.time <= T_CHECK[1] + 1e-9)
        z = pt.separation_order_z.where(win, drop=True)
        d = pt.distance.values
        out.append(chk.at_least(
            f"separation_ordered_{tag}",
            f"{desc}: min over t in [0.1, 0.5] s and consecutive d in {d.tolist()} of the paired "
            f"z-score of d(x_u, x_v)(d_i+1) - d(x_u, x_v)(d_i) over {pt.sizes['pair']} pairs "
            "(ordered beyond one standard error at every recorded time)", 1.0,
            float(z.min()), kind="simulation"))
    first = next(_points(ds), None)
    if first is not None:
        pt = first[2]
        T = float(ds.attrs["lif_T"])
        f = pt.lif_rate_theory.values
        dt = float(ds.attrs["dt"])
        err = np.abs(pt.lif_count.values / T - f) - (f**2 * dt + 1 / T)
        out.append(chk.at_most(
            "lif_rate_vs_continuous_formula", "same neurons: max over currents of |rate - "
            "1/(t_ref + tau ln((V_inf - V_r)/(V_inf - theta)))| minus its discretisation "
            "allowance f^2 dt + 1/T (Hz)", 0.0, float(err.max()), kind="theory"))
    return out

