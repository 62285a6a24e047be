r"""Liquid state machine: separation curves, theory and checks.

Maass, Natschläger & Markram (2002), Neural Computation 14:2531. The separation property:
the distance of the liquid states driven by two inputs u and v grows with their input
distance d(u, v) (:func:`memory_dynamics.sim.lsm.input_distance`), above the d = 0 floor of
two runs with the same input and different initial states. Science notes: ``docs/lsm.md``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import checks as chk

__all__ = ["separation_curves",
           "add_theory", "make_checks"]

TITLE = "Spiking liquid state machine: separation and fading memory"
REFERENCES = ("Maass, Natschläger & Markram (2002) Neural Comput. 14:2531; Markram, Wang & "
              "Tsodyks (1998) PNAS 95:5323; Rotter & Diesmann (1999) Biol. Cybern. 81:381")

def separation_curves(state_distance):
    """Mean and standard error over pairs of the state distance, per input distance and time.

    ``state_distance``: DataArray (distance, pair, t). Returns (mean, se) DataArrays.
    """
    return chk.mean_se(state_distance, "pair")


T_CHECK = (0.1, 0.5)  # s, where the separation curves are compared (after the onset)
#: failures that are understood science, not bugs: (regex of the check name, reason)
KNOWN_DEVIATIONS = (
    (r"separation_ordered_N(270|540)_lam3_in0\.3_d0\.[124]$",
     "chaotic columns: with lambda = 3 and N >= 270 a single extra input spike grows to the "
     "level of the d = 0 floor (perturbation 3.7 and 4.4 against floor 3.3 and 5.2 at the end "
     "of the window), so the state distance no longer resolves small input distances; Maass "
     "et al. (2002) note that large lambda facilitates chaotic behaviour (docs/lsm.md "
     "section 4)"),
)


def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Separation means and SEs, the d = 0 floor and the input-caused excess over it, the
    window-averaged ordering statistics, the perturbation test, rates."""
    ds = ds.copy()
    one = {"units": "1"}
    mean, se = separation_curves(ds.state_distance)
    ds["separation_mean"] = mean.assign_attrs(long_name="state distance, mean over pairs", **one)
    ds["separation_se"] = se.assign_attrs(long_name="state distance, SE over pairs", **one)
    floor = ds.state_distance.sel(distance=0.0)
    m, e = chk.mean_se(ds.state_distance - floor, "pair")  # paired: same u-run per pair
    ds["separation_excess_mean"] = m.assign_attrs(
        long_name="state distance minus the d = 0 floor of the same pair, mean over pairs",
        **one)
    ds["separation_excess_se"] = e.assign_attrs(long_name="SE of separation_excess_mean",
                                                **one)
    # consecutive distances share u and the u-run (common random numbers): paired gaps,
    # averaged over the window T_CHECK, one number per pair
    win = (ds.t >= T_CHECK[0] - 1e-9) & (ds.t <= T_CHECK[1] + 1e-9)
    gap = ds.state_distance.where(win).mean("t").diff("distance", label="upper")
    gm, gse = chk.mean_se(gap, "pair")
    ds["separation_gap_mean"] = gm.rename(distance="upper_distance").assign_attrs(
        long_name=f"mean over t in {T_CHECK} s and pairs of d(x_u, x_v) at this input "
                  "distance minus at the next smaller one", **one)
    ds["separation_gap_se"] = gse.rename(distance="upper_distance").assign_attrs(
        long_name="SE over pairs of separation_gap_mean", **one)
    ends = floor.isel(t=[0, -1])
    fm, fse = chk.mean_se(ends.isel(t=1) - ends.isel(t=0), "pair")
    ds["floor_change_mean"] = fm.assign_attrs(
        long_name="d = 0 floor at the end of the window minus at its start, mean over pairs",
        **one)
    ds["floor_change_se"] = fse.assign_attrs(long_name="SE of floor_change_mean", **one)
    if "perturbation_distance" in ds:
        pe = ds.perturbation_distance.isel(t=slice(-5, None)).mean(("perturbation", "t"))
        fe = floor.isel(t=slice(-5, None)).mean(("pair", "t"))
        ds["perturbation_end_ratio"] = (pe / fe).assign_attrs(
            long_name="state distance left by one extra input spike at t = 0, over the d = 0 "
                      "floor, both over the last 5 recorded times (about 1: the perturbation "
                      "grew to the floor, chaotic; << 1: it faded)", **one)
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


def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """Separation ordering, fading of the d = 0 floor, and the LIF rate.

    * ``prediction`` (of a sign): at every point, the window-averaged state distance grows
      with the input distance (each consecutive step, one-sided, paired over pairs, Sidak
      over the family); the d = 0 floor (the same input after independent histories) falls
      over the window (one-sided);
    * ``reference``: isolated LIF neurons against the continuous-time rate formula within the
      discretisation allowance.
    """
    out = []
    pts = list(_points(ds))
    P = ds.sizes["pair"]
    fam = [(tag, desc, pt, d) for tag, desc, pt in pts for d in pt.upper_distance.values]
    thr = chk.sidak(len(fam), dof=P - 1, one_sided=True) if fam else 3.0
    for tag, desc, pt, d in fam:
        lo = float(pt.distance.values[list(pt.distance.values).index(d) - 1])
        g, se = pt.separation_gap_mean.sel(upper_distance=d), pt.separation_gap_se.sel(
            upper_distance=d)
        out.append(chk.significant_se(
            f"separation_ordered_{tag}_d{d:g}",
            f"{desc}: mean over t in {T_CHECK} s of d(x_u, x_v) at input distance {d:g} minus "
            f"at {lo:g}, paired over {P} pairs (each pair shares u and its run); must exceed "
            f"0 by {thr:.3g} SE (one-sided Sidak over {len(fam)}, Student t)",
            float(g), float(se), thr, dof=P - 1))
    thr = chk.sidak(len(pts), dof=P - 1, one_sided=True) if pts else 3.0
    for tag, desc, pt in pts:
        out.append(chk.significant_se(
            f"floor_fades_{tag}",
            f"{desc}: d = 0 floor (the same input after independent histories) at t = "
            f"{float(pt.t[-1]):g} s minus at t = {float(pt.t[0]):g} s, paired over {P} "
            f"pairs; must be below 0 by {thr:.3g} SE (one-sided Sidak over {len(pts)}, "
            "Student t): the column forgets its history", float(pt.floor_change_mean),
            float(pt.floor_change_se), thr, below=True, dof=P - 1))
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
            "allowance f^2 dt + 1/T (Hz)", 0.0, float(err.max()), kind="reference"))
    return out
