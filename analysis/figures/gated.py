"""Figures of the gated-networks study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..gated import gate_depth_scale
from ..trained import full_budget, horizon_fits, loss_label
from .trained import _panels, _plain_log


def _head(ds, t):
    """The task in a panel title when there is more than one."""
    return f"{t}, " if ds.sizes["task"] > 1 else ""


def _series(ds):
    """(task, cell, init) triples, each drawn in its own panels."""
    return [(t, c, i) for t in ds.task.values for c in ds.cell.values for i in ds.init.values]


def _edges(v):
    """Cell edges of a log-spaced grid."""
    x = np.log(np.asarray(v, float))
    d = np.diff(x) if len(x) > 1 else np.array([np.log(2.0)])
    return np.exp(np.r_[x[0] - 0.5 * d[0], 0.5 * (x[1:] + x[:-1]), x[-1] + 0.5 * d[-1]])


def _horizon_points(ax, pt, x, **kw):
    """T* ± 1 SE at the measured knob values, crosses where censored."""
    ok = ~pt.horizon_censored.values.astype(bool)
    T, se = np.exp(pt.log_horizon.values), pt.log_horizon_se.values
    ax.errorbar(x[ok], T[ok], yerr=[T[ok] * (1 - np.exp(-se[ok])), T[ok] * (np.exp(se[ok]) - 1)],
                fmt="o", ms=3, **kw)
    if (~ok).any():
        ax.plot(x[~ok], T[~ok], "x", ms=4, color=kw.get("color"))


def _fig_map(ds, plt):
    """Success fraction over (tau, lag), with c tau and the measured horizons."""
    ds = full_budget(ds)
    series = _series(ds)
    fig, axes = _panels(plt, len(series), 2.9, 2.6)
    lags, taus = ds.lag.values, ds.tau.values
    te, le = _edges(taus), _edges(lags)
    for ax, (t, c, i) in zip(axes, series):
        pt = ds.sel(task=t, cell=c, init=i)
        mesh = ax.pcolormesh(te, le, pt.survival.transpose("lag", "tau").values, cmap="Greys",
                             vmin=0, vmax=1, shading="flat")
        _horizon_points(ax, pt, taus, color="tab:orange", label=r"$T^*$ ± 1 SE")
        f = horizon_fits(pt, "xi_gate_theory", "tau")
        if "log_c" in f:
            tt = np.geomspace(te[0], te[-1], 50)
            ax.plot(tt, np.exp(f["log_c"]) * gate_depth_scale(tt), "-", color="tab:blue",
                    lw=1.0, label=r"$c\,\xi_f(\tau)$, c fitted (in the title)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(te[0], te[-1])
        ax.set_ylim(le[0], le[-1])
        ax.set_xticks(list(taus), [f"{v:g}" for v in taus])
        ax.set_yticks(list(lags), [f"{v:g}" for v in lags])
        ax.minorticks_off()
        ax.set_xlabel(r"gate timescale $\tau$ at initialisation")
        if ax is axes[0]:
            ax.set_ylabel("lag $T$ (steps)")
        fit = f": c = {np.exp(f['log_c']):.3g}" if "log_c" in f else ""
        ax.set_title(f"{_head(ds, t)}{c}, {i} init{fit}", fontsize=8)
    axes[0].legend(fontsize=6, loc="upper left", bbox_to_anchor=(0.0, -0.22), ncol=2,
                   frameon=False)
    fig.colorbar(mesh, ax=list(axes), label="fraction of seeds that learn", shrink=0.9)
    return fig


_SCALES = (("xi_gate_theory", r"gate depth scale $\xi_f = -1/(2\ln(1-1/\tau))$ at init",
            "prediction"),
           ("xi_grad", r"measured depth scale $\xi_\nabla$ of the error signal at init",
            "fitted: measured in the same networks"))


def _fig_horizon(ds, plt):
    """T* against tau (the prediction) and against the measured depth scale of the error
    signal (fitted), log-log, every series, with the slope-1 lines."""
    series = _series(ds)
    fig, axes = _panels(plt, len(_SCALES), 3.3, 3.0)
    for ax, (scale, label, kind) in zip(axes, _SCALES):
        drawn = False
        budgets = ds.budget.values
        for col, (t, c, i), b in [(col, ser, b) for col, ser in
                                  zip(plotting.colors(len(series)), series) for b in budgets]:
            full = b == budgets[-1]
            pt = ds.sel(task=t, cell=c, init=i, budget=b)
            x = pt[scale].values
            if not np.isfinite(x).any():
                continue
            f = horizon_fits(pt, scale, "tau")
            lab = f"{c}, {i}, {b} steps"
            if "slope" in f:
                lab += f": slope {f['slope']:.2f} ± {f['slope_se']:.2f}"
            ok = np.isfinite(x)
            _horizon_points(ax, pt.isel(tau=ok), x[ok], color=col, label=lab,
                            mfc=col if full else "white")
            if "log_c" in f:
                xx = np.array([np.nanmin(x) / 1.2, np.nanmax(x) * 1.2])
                ax.plot(xx, np.exp(f["log_c"]) * xx, "-" if full else "--", color=col,
                        lw=0.9)
            drawn = True
        if not drawn:
            plotting.nothing_to_show(ax, "no measured scale\n(the error signal does not "
                                         "decay)")
            continue
        ax.plot([], [], "k-", lw=0.9, label="slope 1, c fitted")
        if ds.horizon_censored.any():
            ax.plot([], [], "kx", ms=4, label="censored by the lag grid")
        ax.set_xscale("log")
        ax.set_yscale("log")
        _plain_log(ax.xaxis)
        _plain_log(ax.yaxis)
        ax.set_xlabel(f"{label} (steps)", fontsize=6.5)
        ax.set_ylabel(r"learned horizon $T^*$ (steps)")
        ax.set_title(kind, fontsize=7)
        ax.legend(fontsize=5.5, loc="upper left")
    return fig


def _fig_gradient(ds, plt):
    """ln |dL/dstate_0|^2 at initialisation against the lag, with the constant-gate slope."""
    ds = full_budget(ds)
    series = _series(ds)
    fig, axes = _panels(plt, len(series), 2.7, 2.6)
    lags = ds.lag.values
    for ax, (t, c, i) in zip(axes, series):
        pt = ds.sel(task=t, cell=c, init=i)
        for col, v in zip(plotting.colors(ds.sizes["tau"]), ds.tau.values):
            p = pt.sel(tau=v)
            m, se = p.log_grad_sq.values, p.log_grad_sq_se.values
            ax.errorbar(lags, m, yerr=se, fmt="o", ms=2.5, color=col, label=rf"$\tau$ = {v:g}")
            ok = np.isfinite(m)
            if ok.any() and i == "constant":  # through the middle measured lag
                k = np.flatnonzero(ok)[ok.sum() // 2]
                shown = lags[ok]
                ax.plot(shown, m[k] + float(p.grad_rate_gate_theory) * (shown - lags[k]),
                        "--", color=col, lw=0.8)
        lo = np.nanmin(pt.log_grad_sq.values)
        ax.set_ylim(lo - 0.15 * abs(lo) - 1, 1 + np.nanmax(pt.log_grad_sq.values))
        ax.set_xlabel("lag $T$ (steps)")
        if ax is axes[0]:
            ax.set_ylabel(r"$\ln |\partial L/\partial s_0|^2$ at initialisation")
        ax.set_title(f"{_head(ds, t)}{c}, {i}" + (r" (dashed: $2\ln(1-1/\tau)$)" if i == "constant"
                                    else ""), fontsize=7)
    axes[-1].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _learned_lag(pt):
    """The longest lag that some timescale learns in half its seeds (else the shortest)."""
    learnt = pt.survival.max("tau") >= 0.5
    return int(pt.lag.values[learnt.values][-1]) if learnt.any() else int(pt.lag[0])


def _fig_curves(ds, plt):
    """Training loss against Adam steps at the longest lag some timescale learns."""
    ds = full_budget(ds)
    series = _series(ds)
    fig, axes = _panels(plt, len(series), 2.7, 2.5)
    for ax, (t, c, i) in zip(axes, series):
        pt = ds.sel(task=t, cell=c, init=i)
        lag = _learned_lag(pt)
        p = pt.sel(lag=lag)
        for col, v in zip(plotting.colors(ds.sizes["tau"]), ds.tau.values):
            curve = p.train_curve.sel(tau=v)
            m = curve.mean("seed")
            se = curve.std("seed", ddof=1) / np.sqrt(ds.sizes["seed"])
            ax.fill_between(p.step, m - se, m + se, color=col, alpha=0.3, lw=0)
            ax.plot(p.step, m, color=col, label=rf"$\tau$ = {v:g}")
        ax.axhline(float(p.baseline.max()), color="k", ls="--", lw=0.8,
                   label="memoryless baseline")
        ax.set_xlabel("Adam steps")
        ax.set_ylabel(loss_label(t))
        ax.set_title(f"{_head(ds, t)}{c}, {i}: lag {lag} (mean ± 1 SE)", fontsize=8)
    axes[-1].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _fig_timescales(ds, plt):
    """Per-unit gate timescales after training against the lag, at every initial tau."""
    ds = full_budget(ds)
    series = _series(ds)
    fig, axes = _panels(plt, len(series), 2.8, 2.7)
    lags = ds.lag.values
    for ax, (t, c, i) in zip(axes, series):
        pt = ds.sel(task=t, cell=c, init=i)
        for col, v in zip(plotting.colors(ds.sizes["tau"]), ds.tau.values):
            tu = np.log(pt.tau_unit_trained.sel(tau=v))
            med = np.exp(tu.median(("seed", "unit")).values)
            lo, hi = (np.exp(tu.quantile(q, ("seed", "unit")).values) for q in (0.25, 0.75))
            learnt = pt.survival.sel(tau=v).values >= 0.5
            ax.errorbar(lags, med, yerr=[med - lo, hi - med], fmt="-", lw=0.8, color=col,
                        capsize=1.5, label=rf"$\tau$ = {v:g}")
            ax.plot(lags[learnt], med[learnt], "o", ms=3, color=col)
            top = np.exp(tu.max("unit").median("seed").values)
            ax.plot(lags, top, "^", ms=2.5, mfc="none", mew=0.6, color=col)
            ax.axhline(v, color=col, ls=":", lw=0.7)
        ax.plot(lags, lags, "k--", lw=0.7, label=r"$\tau_i = T$")
        ax.plot([], [], "ko", ms=3, label="learned (S ≥ 0.5)")
        ax.plot([], [], "k^", ms=2.5, mfc="none", mew=0.6, label="largest unit (median)")
        ax.plot([], [], "k:", lw=0.7, label=r"start: $\tau$" + (" (T_max)" if i == "chrono"
                                                                  else ""))
        ax.set_xscale("log")
        ax.set_yscale("log")
        _plain_log(ax.xaxis)
        _plain_log(ax.yaxis)
        ax.set_xlabel("lag $T$ trained on (steps)")
        if ax is axes[0]:
            ax.set_ylabel(r"gate timescale $\tau_i$ after training")
        ax.set_title(f"{_head(ds, t)}{c}, {i} init", fontsize=8)
    axes[-1].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "gated_trainability_map": _fig_map,
    "gated_horizon_vs_timescale": _fig_horizon,
    "gated_gradient_at_init": _fig_gradient,
    "gated_learning_curves": _fig_curves,
    "gated_trained_timescales": _fig_timescales,
}
