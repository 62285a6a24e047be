"""Figures of the lsm study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from memory_dynamics.sim.lsm import lif_rate

from .. import plotting
from ..lsm import T_CHECK


def _main_point(ds):
    sel = {}
    for dim, want in (("N", 135), ("lam", 2.0), ("input_fraction", 0.3)):
        vals = ds[dim].values
        sel[dim] = want if want in vals else vals[0]
    return ds.sel(**sel), sel


def _fig_separation(ds, plt):
    """Top: state distances with the d = 0 floor; bottom: the input-caused excess over the
    floor (paired per pair) and the one-spike perturbation test."""
    Ns = ds.N.values
    fig, axes = plt.subplots(2, len(Ns), figsize=(3.0 * len(Ns), 4.6), squeeze=False,
                             sharey="row", sharex=True)
    _, sel = _main_point(ds)
    for j, N in enumerate(Ns):
        ax, bx = axes[0, j], axes[1, j]
        pt = ds.sel(N=N, lam=sel["lam"], input_fraction=sel["input_fraction"])
        t = 1e3 * pt.t.values
        for c, d in zip(plotting.colors(ds.sizes["distance"])[::-1], ds.distance.values):
            m, s = pt.separation_mean.sel(distance=d), pt.separation_se.sel(distance=d)
            ax.plot(t, m, color=c, lw=1, ls="--" if d == 0 else "-",
                    label=f"d(u,v) = {d:g}" + (" (floor: same u, own history)" if d == 0
                                               else ""))
            ax.fill_between(t, m - s, m + s, color=c, alpha=0.3, lw=0)
            if d > 0:
                m, s = pt.separation_excess_mean.sel(distance=d), pt.separation_excess_se.sel(
                    distance=d)
                bx.plot(t, m, color=c, lw=1)
                bx.fill_between(t, m - s, m + s, color=c, alpha=0.3, lw=0)
        if "perturbation_distance" in pt:
            p = pt.perturbation_distance
            bx.plot(t, p.mean("perturbation"), color="0.4", lw=0.9, ls=":",
                    label="one extra input spike at t = 0")
        bx.axhline(0, color="k", lw=0.6)
        for a in (ax, bx):
            a.axvspan(0, 1e3 * T_CHECK[0], color="0.92", lw=0, zorder=0)
        bx.set_xlabel("time after the pre-period (ms)")
        extra = ""
        if "isi_cv" in pt:
            extra = f"; CV {float(pt.isi_cv):.2f}, $\\chi$ {float(pt.synchrony):.2f}"
        ax.set_title(f"N = {N}, $\\lambda$ = {sel['lam']:g}, input to "
                     f"{sel['input_fraction']:.0%}, {pt.sizes['pair']} pairs{extra}",
                     fontsize=6.5)
    axes[0][0].set_ylabel(r"state distance $\|x_u(t)-x_v(t)\|$")
    axes[1][0].set_ylabel("distance minus floor (paired)")
    axes[0][0].legend(fontsize=5.5)
    axes[1][0].legend(fontsize=5.5, loc="upper right")
    fig.suptitle(f"every trial starts from its own driven state ({ds.attrs['T_pre']:g} s "
                 "of independent input before t = 0); grey: before the compared window",
                 fontsize=7)
    return fig


def _fig_readout(ds, plt):
    pt0, sel = _main_point(ds)
    sweeps = [("N", "column size N = {:g}"), ("lam", r"$\lambda$ = {:g}"),
              ("input_fraction", "input to {:.0%}")]
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 2.7), sharey=True)
    for ax, (dim, fmt) in zip(axes, sweeps):
        others = {k: v for k, v in sel.items() if k != dim}
        for c, val in zip(plotting.colors(ds.sizes[dim]), ds[dim].values):
            pt = ds.sel(**others, **{dim: val})
            ax.errorbar(1e3 * pt.delay, pt.readout_r2, yerr=pt.readout_r2_se, fmt="o-", ms=2.5,
                        lw=0.9, color=c, label=fmt.format(val))
        ax.plot(1e3 * pt0.delay, pt0.readout_r2_filter, "k--", lw=1,
                label="input, 30 ms filter only")
        fixed = ", ".join(f"{k} = {v:g}" for k, v in others.items()).replace("lam", r"$\lambda$")
        ax.set_title(fixed.replace("input_fraction", "input fraction"), fontsize=7)
        ax.set_xlabel("readout delay (ms)")
        ax.legend(fontsize=6)
    axes[0].set_ylabel(f"held-out $r^2$ (input count in {1e3 * ds.attrs['readout_window']:g} ms)")
    axes[0].set_ylim(bottom=0)
    return fig


def _fig_raster(ds, plt):
    pt, sel = _main_point(ds)
    r = pt.raster.dropna("neuron", how="all")
    fig, ax = plt.subplots(figsize=(5.0, 2.8))
    inh = pt.inhibitory.sel(neuron=r.neuron).values == 1
    for mask, c, lab in ((~inh, "C0", "excitatory"), (inh, "C3", "inhibitory")):
        tt, nn = np.nonzero(r.values[:, mask] > 0)
        ax.plot(1e3 * r.raster_time.values[tt], r.neuron.values[mask][nn], "|", ms=2.5,
                color=c, label=lab)
    spikes = pt.input_spikes.dropna("input_spike").values
    top = r.neuron.values.max() + 4
    ax.plot(1e3 * spikes, np.full(len(spikes), top), "v", ms=3.5, color="k", label="input spike")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    stats = ""
    if "isi_cv" in pt:
        stats = (f"; ISI CV {float(pt.isi_cv):.2f} (Poisson: 1), synchrony $\\chi$ "
                 f"{float(pt.synchrony):.2f} (independent: {1 / np.sqrt(sel['N']):.2f})")
    ax.set_title(f"N = {sel['N']}, one 20 Hz Poisson input (trial 0){stats}", fontsize=6.5)
    ax.set_xlim(0, 1e3 * ds.attrs["T"])
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def _fig_lif(ds, plt):
    pt, _ = _main_point(ds)
    T = float(ds.attrs["lif_T"])
    fig, ax = plt.subplots(figsize=(3.4, 2.6))

    I = np.linspace(0, float(pt.current.max()) * 1.05, 300)
    ax.plot(I, [lif_rate(i + 13.5) for i in I], "k-", lw=1, label="exact (continuous time)")
    dt = float(ds.attrs["dt"])
    ax.plot(I, [lif_rate(i + 13.5, dt=dt) for i in I], "-", color="C1", lw=0.8,
            label=f"exact on the dt = {1e3 * dt:g} ms grid")
    ax.plot(pt.current, pt.lif_count / T, "o", ms=4, mfc="none", color="C0",
            label=f"simulated, dt = {1e3 * ds.attrs['dt']:g} ms")
    ax.set_xlabel("constant current above background (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend(fontsize=6)
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "lsm_separation": _fig_separation,
    "lsm_readout": _fig_readout,
    "lsm_raster": _fig_raster,
    "lsm_lif_rate": _fig_lif,
}
