r"""Liquid state machine: input distances, separation curves, readouts, checks and figures.

Maass, Natschläger & Markram (2002), Neural Computation 14:2531. The input distance of two
spike trains is the L2 distance of the trains convolved with the Gaussian kernel
:math:`e^{-(t/\tau)^2}` (τ = 5 ms), divided by the duration T:

.. math:: d(u,v) = \frac{1}{T}\Big(\tau\sqrt{\pi/2}\sum_{i,j}\big[G(u_i-u_j) + G(v_i-v_j)
          - 2G(u_i-v_j)\big]\Big)^{1/2}, \qquad G(x) = e^{-x^2/2\tau^2},

(the kernel's overlap integral in closed form; T and τ in seconds). The separation property:
the distance of the liquid states driven by u and v grows with d(u,v), above the d = 0 floor
of two runs with the same input and different initial states.
"""

from __future__ import annotations

import numpy as np

__all__ = ["input_distance", "trains_at_distances", "separation_curves", "readout_performance",
           "add_theory", "make_checks", "make_figures", "FIGURES"]

TITLE = "Spiking liquid state machine: separation and fading memory"
REFERENCES = ("Maass, Natschläger & Markram (2002) Neural Comput. 14:2531; Markram, Wang & "
              "Tsodyks (1998) PNAS 95:5323; Rotter & Diesmann (1999) Biol. Cybern. 81:381")

TAU_INPUT = 5e-3


def input_distance(u, v, T: float = 0.5, tau: float = TAU_INPUT) -> float:
    """d(u, v): L2 distance of the Gaussian-filtered spike trains divided by T (s^-1/2)."""
    u, v = np.asarray(u, float), np.asarray(v, float)

    def overlap(a, b):
        return np.exp(-np.subtract.outer(a, b) ** 2 / (2 * tau**2)).sum()

    sq = tau * np.sqrt(np.pi / 2) * (overlap(u, u) + overlap(v, v) - 2 * overlap(u, v))
    return float(np.sqrt(max(sq, 0.0)) / T)


def _reflect(t, T):
    t = np.abs(t) % (2 * T)
    return np.where(t >= T, 2 * T - t - 1e-12, t)


def trains_at_distances(distances, T: float, rate: float, rng, tol: float = 1e-3,
                        max_tries: int = 100):
    """A Poisson train u and, for every target distance d, a jittered copy v_d with d(u, v_d) = d.

    v_d = u + σ_d z with one standard normal vector z shared by all distances (times reflected
    into [0, T)); σ_d is found by bisection to ±tol. The copies of one u are therefore nested
    (common random numbers): the separation curves of different d differ by the input
    distance, not by the draw of u, and their ordering can be tested pair by pair. d = 0
    gives v = u. Trains too short to reach the largest d are redrawn (counted).

    Returns
    -------
    u, list of v_d, achieved distances (array), number of redrawn trains
    """
    distances = np.asarray(distances, float)
    for tries in range(max_tries):
        u = np.sort(rng.uniform(0, T, rng.poisson(rate * T)))
        z = rng.standard_normal(len(u))

        def jittered(sig):
            return np.sort(_reflect(u + sig * z, T))

        if len(u) == 0 or input_distance(u, jittered(0.05), T) < distances.max():
            continue
        vs, got = [], []
        for d in distances:
            lo, hi, sig, dm = 0.0, 0.05, 0.0, 0.0
            while d > 0 and abs(dm - d) > tol:
                sig = 0.5 * (lo + hi)
                dm = input_distance(u, jittered(sig), T)
                lo, hi = (sig, hi) if dm < d else (lo, sig)
                if hi - lo < 1e-12:
                    break
            vs.append(jittered(sig) if d > 0 else u.copy())
            got.append(dm)
        if np.all(np.abs(np.array(got) - distances) <= tol):
            return u, vs, np.array(got), tries
    raise RuntimeError(f"no input trains at distances {distances.tolist()} after {max_tries} "
                       f"draws (rate {rate} Hz, T {T} s); allowed: smaller distances")


def separation_curves(state_distance):
    """Mean and standard error over pairs of the state distance, per input distance and time.

    ``state_distance``: DataArray (distance, pair, time). Returns (mean, se) DataArrays.
    """
    n = state_distance.sizes["pair"]
    return (state_distance.mean("pair"),
            state_distance.std("pair", ddof=1) / np.sqrt(n))


def _window_counts(trains, t_end, width):
    """Spike counts of each train in (t_end - width, t_end]: (trials, len(t_end))."""
    out = np.empty((len(trains), len(t_end)))
    for b, tr in enumerate(trains):
        out[b] = np.searchsorted(tr, t_end, "right") - np.searchsorted(tr, t_end - width,
                                                                       "right")
    return out


def _filtered(trains, times, tau=30e-3):
    """Each train filtered by exp(-t/tau), sampled at ``times``: (trials, len(times))."""
    out = np.zeros((len(trains), len(times)))
    for b, tr in enumerate(trains):
        lag = times[None, :] - np.asarray(tr)[:, None]
        out[b] = np.where(lag >= 0, np.exp(-np.maximum(lag, 0) / tau), 0).sum(0)
    return out


def _ridge_r2(Xtr, ytr, Xte, yte, ridge):
    mx, my = Xtr.mean(0), ytr.mean()
    A = Xtr - mx
    C = A.T @ A / len(A)
    w = np.linalg.solve(C + ridge * np.trace(C) / len(C) * np.eye(len(C)),
                        A.T @ (ytr - my) / len(A))
    yhat = (Xte - mx) @ w + my
    if np.std(yhat) == 0 or np.std(yte) == 0:
        return 0.0
    return float(np.corrcoef(yhat, yte)[0, 1] ** 2)


def readout_performance(states, times, trains, delays, window: float = 0.03,
                        ridge: float = 1e-3, n_folds: int = 5, group: int = 1):
    """Held-out r² of linear readouts of the input's recent spike count, vs readout delay.

    Target at time t: the number of input spikes in (t − delay − window, t − delay]. The
    readout sees the liquid state x(t) (all neurons, plus an intercept); samples are the
    recorded times t ≥ max(delays) + window of every trial. Trials are split into
    ``n_folds`` folds, whole groups of ``group`` consecutive trials at a time (the runs of one
    input pair share their input train, so a pair never straddles training and test); each
    fold is held out once (readout fitted on the others), giving the
    mean r² and its standard error over folds. The same readout from the input train itself
    filtered by the liquid's 30 ms kernel (one feature) is returned as a baseline.

    Returns
    -------
    r2, r2_se, r2_filter : arrays (len(delays),)
    """
    states = np.asarray(states, float)
    B = len(trains)
    keep = times >= delays.max() + window - 1e-12
    t = times[keep]
    X = states[:, keep]  # (B, n_t, N)
    F = _filtered(trains, t)[..., None]
    n_groups = B // group
    folds = (np.arange(B) // group) * n_folds // n_groups
    r2, se, base = [], [], []
    for dly in delays:
        y = _window_counts(trains, t - dly, window)
        per_fold, per_fold_f = [], []
        for f in range(n_folds):
            tr, te = folds != f, folds == f
            per_fold.append(_ridge_r2(X[tr].reshape(-1, X.shape[-1]), y[tr].ravel(),
                                      X[te].reshape(-1, X.shape[-1]), y[te].ravel(), ridge))
            per_fold_f.append(_ridge_r2(F[tr].reshape(-1, 1), y[tr].ravel(),
                                        F[te].reshape(-1, 1), y[te].ravel(), 0.0))
        r2.append(np.mean(per_fold))
        se.append(np.std(per_fold, ddof=1) / np.sqrt(n_folds))
        base.append(np.mean(per_fold_f))
    return np.array(r2), np.array(se), np.array(base)


# ------------------------------------------------------------------------ theory and checks
#: plausible mean firing rates (Hz) of the driven column: cortical rates, and the sparse
#: irregular firing of the paper's rasters (Maass et al. 2002, Fig. 1); outside it the column
#: is silent (input never spreads) or runs away (recurrent excitation saturates)
RATE_RANGE = (1.0, 50.0)
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
    n = ds.sizes["pair"]
    z = gap.mean("pair") / (gap.std("pair", ddof=1) / np.sqrt(n))
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
    """Separation ordering, firing-rate range, exact LIF rate, fading memory of the readout."""
    from . import checks as chk

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
            float(z.min())))
        for kind in ("excitatory", "inhibitory"):
            r = float(pt[f"rate_{kind}"])
            out.append(chk.within(f"rate_{kind}_{tag}",
                                  f"{desc}: mean {kind} firing rate (Hz) within the plausible "
                                  f"range {RATE_RANGE[0]:g}-{RATE_RANGE[1]:g} Hz",
                                  np.mean(RATE_RANGE), r, np.diff(RATE_RANGE)[0] / 2))
        r2 = pt.readout_r2.dropna("delay")
        se = pt.readout_r2_se.dropna("delay")
        drop = float(r2.isel(delay=0) - r2.isel(delay=-1))
        out.append(chk.at_least(
            f"fading_memory_{tag}",
            f"{desc}: readout r^2 at delay 0 minus at {1e3 * float(r2.delay[-1]):g} ms, in "
            "standard errors (the liquid's memory fades)", 3.0,
            drop / float(np.hypot(se.isel(delay=0), se.isel(delay=-1)))))
    first = next(_points(ds), None)
    if first is not None:
        pt = first[2]
        T = float(ds.attrs["lif_T"])
        out.append(chk.within(
            "lif_exact_spike_count", "isolated LIF neuron, constant currents "
            f"{pt.current.values.tolist()} nA above background, {T:g} s from reset: max |spike "
            "count - exact count of the discretised neuron| (exact propagator: 0)", 0.0,
            float(np.abs(pt.lif_count - pt.lif_count_theory).max()), 0.0))
        f = pt.lif_rate_theory.values
        dt = float(ds.attrs["dt"])
        err = np.abs(pt.lif_count.values / T - f) - (f**2 * dt + 1 / T)
        out.append(chk.at_most(
            "lif_rate_vs_continuous_formula", "same neurons: max over currents of |rate - "
            "1/(t_ref + tau ln((V_inf - V_r)/(V_inf - theta)))| minus its discretisation "
            "allowance f^2 dt + 1/T (Hz)", 0.0, float(err.max())))
    return out


# ------------------------------------------------------------------------------ figures
FIGURES = {
    "lsm_separation": "state distance vs time for each input distance, with the d = 0 floor",
    "lsm_readout": "held-out readout r^2 vs delay (fading memory), with a linear filter",
    "lsm_raster": "spike raster of the column for one input train",
    "lsm_lif_rate": "LIF rate vs constant current: simulation and the exact formula",
}


def _main_point(ds):
    sel = {}
    for dim, want in (("N", 135), ("lam", 2.0), ("input_fraction", 0.3)):
        vals = ds[dim].values
        sel[dim] = want if want in vals else vals[0]
    return ds.sel(**sel), sel


def _fig_separation(ds, plt):
    from . import plotting

    Ns = ds.N.values
    fig, axes = plt.subplots(1, len(Ns), figsize=(3.0 * len(Ns), 2.6), squeeze=False,
                             sharey=True)
    _, sel = _main_point(ds)
    for ax, N in zip(axes[0], Ns):
        pt = ds.sel(N=N, lam=sel["lam"], input_fraction=sel["input_fraction"])
        t = 1e3 * pt.time.values
        for c, d in zip(plotting.colors(ds.sizes["distance"])[::-1], ds.distance.values):
            m, s = pt.separation_mean.sel(distance=d), pt.separation_se.sel(distance=d)
            ax.plot(t, m, color=c, lw=1, label=f"d(u,v) = {d:g}" + (" (floor)" if d == 0 else ""))
            ax.fill_between(t, m - s, m + s, color=c, alpha=0.3, lw=0)
        ax.axvspan(0, 1e3 * T_CHECK[0], color="0.92", lw=0)
        ax.set_xlabel("time (ms)")
        ax.set_title(f"N = {N}, $\\lambda$ = {sel['lam']:g}, input to "
                     f"{sel['input_fraction']:.0%}, {pt.sizes['pair']} pairs", fontsize=7)
    axes[0][0].set_ylabel(r"state distance $\|x_u(t)-x_v(t)\|$")
    axes[0][0].legend(fontsize=6)
    return fig


def _fig_readout(ds, plt):
    from . import plotting

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
    ax.set_title(f"N = {sel['N']}, one 20 Hz Poisson input (trial 0)", fontsize=7)
    ax.set_xlim(0, 1e3 * ds.attrs["T"])
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def _fig_lif(ds, plt):
    pt, _ = _main_point(ds)
    T = float(ds.attrs["lif_T"])
    fig, ax = plt.subplots(figsize=(3.4, 2.6))
    from sim.lsm import lif_rate

    I = np.linspace(0, float(pt.current.max()) * 1.05, 300)
    ax.plot(I, [lif_rate(i + 13.5) for i in I], "k-", lw=1, label="exact (continuous time)")
    ax.plot(pt.current, pt.lif_count / T, "o", ms=4, mfc="none", color="C0",
            label=f"simulated, dt = {1e3 * ds.attrs['dt']:g} ms")
    ax.set_xlabel("constant current above background (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend(fontsize=6)
    return fig


def make_figures(ds, outdir):
    """Draw every LSM figure into ``outdir`` as PNG and PDF; return the paths."""
    from . import plotting

    return plotting.draw(ds, outdir, {"lsm_separation": _fig_separation,
                                      "lsm_readout": _fig_readout, "lsm_raster": _fig_raster,
                                      "lsm_lif_rate": _fig_lif})
