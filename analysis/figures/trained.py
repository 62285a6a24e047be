"""Figures of the trained-networks study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator

from memory_dynamics.io import setting

from .. import plotting
from ..gradients import mean_field_lyapunov
from ..trained import GRADIENT_MIN_LAG, depth_scale, full_budget, horizon_fits, loss_label


def _series(ds):
    """(task, cell) pairs, each drawn in its own panels."""
    return [(t, c) for t in ds.task.values for c in ds.cell.values]


def _panels(plt, n, width=2.6, height=2.5, rows=1):
    """A row (or ``rows`` rows) of ``n`` panels per row; the axes flat, row by row."""
    fig, axes = plt.subplots(rows, n, figsize=(width * n + 0.6, height * rows),
                             squeeze=False)
    return fig, axes.ravel()


def _by_series(ds, plt, width, height):
    """One row of panels per (task, cell), one panel per noise level: the figure, the axes
    and the (task, cell, sigma_u) of each."""
    series, sus = _series(ds), ds.sigma_u.values
    fig, axes = _panels(plt, len(sus), width, height, rows=len(series))
    return fig, axes, [(t, c, s) for t, c in series for s in sus]


def _title(ds, t, c, s, extra=""):
    """Panel title: the noise level (and the mean field's effective noise where the task's
    inputs add to it), and the series when there is more than one."""
    head = f"{t}, {c}: " if len(_series(ds)) > 1 else ""
    se = float(ds.sigma_eff.sel(task=t, sigma_u=s)) if "sigma_eff" in ds else s
    eff = rf" ($\sigma_\mathrm{{eff}}$ = {se:.2f})" if not np.isclose(se, s) else ""
    return head + rf"$\sigma_u$ = {s:g}" + eff + extra


def _plain_log(axis) -> None:
    """Log axis with ticks at 1, 2, 5 x 10^k written as plain numbers."""
    axis.set_major_locator(LogLocator(subs=(1, 2, 3, 5, 7)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_locator(LogLocator(subs=()))


def _fig_map(ds, plt):
    """Success fraction over (gain, lag), with c xi(g) and the measured horizons."""
    ds = full_budget(ds)
    fig, axes, panels = _by_series(ds, plt, 2.7, 2.6)
    lags, gs = ds.lag.values, ds.g.values
    gg = np.linspace(gs.min(), gs.max(), 200)
    for ax, (t, c, s) in zip(axes, panels):
        pt = ds.sel(task=t, cell=c, sigma_u=s)
        S = pt.survival.transpose("lag", "g").values
        ge = np.r_[gs[0] - 0.5 * (gs[1] - gs[0]) if len(gs) > 1 else gs[0] - 0.1,
                   0.5 * (gs[1:] + gs[:-1]),
                   gs[-1] + 0.5 * (gs[-1] - gs[-2]) if len(gs) > 1 else gs[0] + 0.1]
        le = np.exp(np.r_[np.log(lags[0]) - 0.5 * np.log(lags[1] / lags[0]),
                          0.5 * (np.log(lags[1:]) + np.log(lags[:-1])),
                          np.log(lags[-1]) + 0.5 * np.log(lags[-1] / lags[-2])])
        mesh = ax.pcolormesh(ge, le, S, cmap="Greys", vmin=0, vmax=1, shading="flat")
        f = horizon_fits(pt)
        ok = ~pt.horizon_censored.values
        T = np.exp(pt.log_horizon.values)
        se = pt.log_horizon_se.values
        ax.errorbar(gs[ok], T[ok], yerr=[T[ok] * (1 - np.exp(-se[ok])),
                                         T[ok] * (np.exp(se[ok]) - 1)],
                    fmt="o", color="tab:orange", ms=3, label=r"$T^*$ ± 1 SE")
        if (~ok).any():
            ax.plot(gs[~ok], T[~ok], "x", color="tab:orange", ms=4,
                    label=r"$T^*$ censored by the lags")
        if "log_c" in f:
            ordered = gg[gg < float(pt.g_c)]
            xi = np.array([depth_scale(g, float(pt.sigma_eff))[2] for g in ordered])
            ax.plot(ordered, np.exp(f["log_c"]) * xi, "-", color="tab:blue", lw=1.0,
                    label=rf"$c\,\xi(g)$, c = {np.exp(f['log_c']):.3g} (fitted)")
        gc = float(pt.g_c)
        ax.axvline(gc, color="tab:red", ls=":", lw=1.0, label=rf"$g_c$ = {gc:.2f}")
        ax.set_yscale("log")
        ax.set_ylim(le[0], le[-1])
        ax.set_yticks(list(lags), [f"{v:g}" for v in lags])
        ax.minorticks_off()
        ax.set_xlim(ge[0], ge[-1])
        ax.set_xlabel("gain $g$")
        ax.set_ylabel("lag $T$ (steps)")
        ax.set_title(_title(ds, t, c, s), fontsize=8)
    # below the first panel of the last row
    axes[-ds.sizes["sigma_u"]].legend(fontsize=6, loc="upper left",
                                      bbox_to_anchor=(0.0, -0.2), ncol=2, frameon=False)
    fig.colorbar(mesh, ax=list(axes), label="fraction of seeds that learn", shrink=0.9)
    return fig


_SCALES = (("xi", r"depth scale $\xi = -1/\ln\chi$ (checked)"),
           ("xi_signal", r"noise-averaged scale $\xi_s = -1/\ln\chi_s$ (not checked)"))


def _fig_horizon(ds, plt):
    """T* against xi and against xi_s (ordered phase), log-log, with slope-1 lines."""
    series = [(t, c, v, lab) for t, c in _series(ds) for v, lab in _SCALES]
    fig, axes = _panels(plt, len(series), 3.0, 3.6)
    budgets = ds.budget.values
    for ax, (t, c, scale, label) in zip(axes, series):
        drawn = fitted = False
        for col, s in zip(plotting.colors(ds.sizes["sigma_u"]), ds.sigma_u.values):
            for b in budgets:
                full = b == budgets[-1]
                pt = ds.sel(task=t, cell=c, sigma_u=s, budget=b)
                f = horizon_fits(pt, scale)
                gs = f["gains"]
                if not gs:
                    continue
                xi = pt[scale].sel(g=gs).values
                T = np.exp(pt.log_horizon.sel(g=gs).values)
                se = pt.log_horizon_se.sel(g=gs).values
                lab = rf"$\sigma_u$ = {s:g}, {b} steps"
                if "slope" in f:
                    lab += f": slope {f['slope']:.2f} ± {f['slope_se']:.2f}"
                ax.errorbar(xi, T, yerr=[T * (1 - np.exp(-se)), T * (np.exp(se) - 1)],
                            fmt="o", ms=3, color=col, mfc=col if full else "white",
                            label=lab)
                if "log_c" in f:
                    xx = np.array([xi.min() / 1.3, xi.max() * 1.3])
                    ax.plot(xx, np.exp(f["log_c"]) * xx, "-" if full else "--", color=col,
                            lw=0.9)
                    fitted = True
                drawn = True
        if not drawn:
            plotting.nothing_to_show(ax, "no ordered gain has a measured horizon\n"
                                         "(all censored by the lag grid)")
            continue
        ax.set_xscale("log")
        ax.set_yscale("log")
        _plain_log(ax.xaxis)
        _plain_log(ax.yaxis)
        if fitted:
            ax.plot([], [], "k-", lw=0.9, label=r"$T^* \propto$ scale (slope 1, c fitted)")
            if len(budgets) > 1:
                ax.plot([], [], "k--", lw=0.9, label=f"the same after {budgets[0]} steps "
                                                     "(open markers)")
        ax.set_xlabel(f"{label} (steps)", fontsize=6.5)
        if ax is axes[0]:
            ax.set_ylabel(r"learned horizon $T^*$ (steps)")
        ax.set_title(f"{t}, {c}: ordered phase", fontsize=7)
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(-0.05, -0.2), frameon=False)
    return fig


def _fig_gradient(ds, plt):
    """ln |dL/dh_0|^2 at initialisation against the lag, with the mean-field slope ln chi."""
    fig, axes, panels = _by_series(ds, plt, 2.7, 2.6)
    lags = ds.lag.values
    for ax, (t, c, s) in zip(axes, panels):
        pt = ds.sel(task=t, cell=c, sigma_u=s)
        for col, g in zip(plotting.colors(ds.sizes["g"]), ds.g.values):
            p = pt.sel(g=g)
            m, se = p.log_grad_sq.values, p.log_grad_sq_se.values
            ax.errorbar(lags, m, yerr=se, fmt="o", ms=2.5, color=col, label=f"g = {g:g}")
            fit = (lags >= GRADIENT_MIN_LAG) & np.isfinite(m) & (se > 0)
            if fit.any():
                x0 = np.average(lags[fit], weights=1 / se[fit] ** 2)
                y0 = np.average(m[fit], weights=1 / se[fit] ** 2)
                shown = lags[np.isfinite(m)]  # not beyond the measured (underflow) lags
                ax.plot(shown, y0 + float(p.grad_rate_theory) * (shown - x0), "--",
                        color=col, lw=0.8)
        ax.set_xlabel("lag $T$ (steps; linear axis: theory is a straight line)")
        ax.set_ylabel(r"$\ln |\partial L/\partial h_0|^2$ at initialisation")
        ax.set_title(_title(ds, t, c, s, r" (dashed: slope $\ln\chi$)"), fontsize=8)
    axes[-1].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _fig_curves(ds, plt):
    """Training loss against Adam steps at the longest lag some gain learns."""
    ds = full_budget(ds)
    fig, axes, panels = _by_series(ds, plt, 2.7, 2.5)
    for ax, (t, c, s) in zip(axes, panels):
        pt = ds.sel(task=t, cell=c, sigma_u=s)
        learnt = pt.survival.max("g") >= 0.5
        lag = int(pt.lag.values[learnt.values][-1]) if learnt.any() else int(pt.lag[0])
        p = pt.sel(lag=lag)
        for col, g in zip(plotting.colors(ds.sizes["g"]), ds.g.values):
            curve = p.train_curve.sel(g=g)
            m = curve.mean("seed")
            se = curve.std("seed", ddof=1) / np.sqrt(ds.sizes["seed"])
            ax.fill_between(p.step, m - se, m + se, color=col, alpha=0.3, lw=0)
            ax.plot(p.step, m, color=col, label=f"g = {g:g}")
        ax.axhline(float(p.baseline.max()), color="k", ls="--", lw=0.8,
                   label="memoryless baseline")
        ax.set_xlabel("Adam steps")
        ax.set_ylabel(loss_label(t))
        ax.set_title(_title(ds, t, c, s, f", lag {lag} (mean ± 1 SE)"), fontsize=8)
    axes[-1].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _spectrum_gains(pt):
    """The two largest ordered gains and the first chaotic one (those present)."""
    gs = pt.g.values
    ordered = [g for g in gs if float(pt.chi.sel(g=g)) < 1][-2:]
    return (ordered or list(gs[:1])) + [g for g in gs if g > float(pt.g_c)][:1]


def _gain_panels(ds, plt, rows):
    """One row of panels per (task, cell, sigma_u) of ``rows``, one panel per gain of
    :func:`_spectrum_gains` (panels left over hidden): the figure and, per panel,
    ``(ax, t, c, s, pt, g, first, last)`` (``first``/``last``: the row's first and last)."""
    ncol = max(len(_spectrum_gains(ds.sel(task=t, cell=c, sigma_u=s))) for t, c, s in rows)
    fig, axes = _panels(plt, ncol, 2.7, 2.6, rows=len(rows))
    panels = []
    for r, (t, c, s) in enumerate(rows):
        pt = ds.sel(task=t, cell=c, sigma_u=s)
        gains = _spectrum_gains(pt)
        for k, ax in enumerate(axes[r * ncol:(r + 1) * ncol]):
            if k >= len(gains):
                ax.set_axis_off()
            else:
                panels.append((ax, t, c, s, pt, gains[k], k == 0, k == len(gains) - 1))
    return fig, panels


def _fig_spectra(ds, plt):
    """Eigenvalue moduli of the trained W against their rank, per lag, beside the circular
    law of the initial W = g Z: one row per (task, cell, sigma_u)."""
    ds = full_budget(ds)
    fig, panels = _gain_panels(ds, plt, [(t, c, s) for t, c in _series(ds)
                                         for s in ds.sigma_u.values])
    N = ds.sizes["mode"]
    rank = np.arange(1, N + 1)
    for ax, t, c, s, pt, g, first, last in panels:
        for col, lag in zip(plotting.colors(ds.sizes["lag"]), ds.lag.values):
            e = pt.eig_abs_trained.sel(g=g, lag=lag)
            med = e.median("seed").values
            lo, hi = e.quantile(0.25, "seed").values, e.quantile(0.75, "seed").values
            ax.fill_between(rank, lo, hi, color=col, alpha=0.25, lw=0)
            ax.plot(rank, med, color=col, lw=0.9, label=f"T = {lag} "
                    f"(S = {float(pt.survival.sel(g=g, lag=lag)):.2g})")
        if c == "rnn_orthogonal":  # W = g Q: every eigenvalue on the circle of radius g
            ax.plot(rank, np.full(N, g), "k--", lw=0.9,
                    label=r"initial $W = gQ$: $|\lambda| = g$")
        else:  # circular law of radius g: P(|lambda| > r) = 1 - (r/g)^2, k-th largest
            ax.plot(rank, g * np.sqrt(1 - (rank - 0.5) / N), "k--", lw=0.9,
                    label=r"initial $W = gZ$: circular law")
        ax.axhline(1.0, color="tab:red", ls=":", lw=0.8)
        ax.set_xlabel("eigenvalue rank (by modulus)")
        if first:
            ax.set_ylabel(r"$|\lambda|$ of the trained $W$")
        ax.set_title(_title(ds, t, c, s, f", g = {g:g}"), fontsize=7.5)
        if last:
            ax.legend(fontsize=5.5, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _fig_fisher(ds, plt):
    """The Fisher memory J(k) of the symbol against k/T, before (dotted) and after (solid)
    training, one line per lag, at the gains of :func:`_fig_spectra`: one row per (cell,
    sigma_u) of delayed recall, with the mean-field decay chi^k drawn from J(1) at the
    start."""
    ds = full_budget(ds)
    rows = [(t, c, s) for t, c in _series(ds) for s in ds.sigma_u.values
            if np.isfinite(ds.fisher_memory.sel(task=t, cell=c, sigma_u=s)).any()]
    if not rows:  # no delayed recall with noise: nothing measured
        fig, ax = plt.subplots(figsize=(4, 1.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no Fisher memory: it is measured on delayed recall with "
                "sigma_u > 0", ha="center", va="center", fontsize=8)
        return fig
    fig, panels = _gain_panels(ds, plt, rows)
    f = ds.delay.values
    mid = int(ds.lag.values[ds.sizes["lag"] // 2])  # the lag of the mean-field line
    for ax, t, c, s, pt, g, first, last in panels:
        lo = np.inf
        for col, lag in zip(plotting.colors(ds.sizes["lag"]), ds.lag.values):
            J = pt.fisher_memory.sel(g=g, lag=lag)
            n = J.sizes["seed"]
            for stage, ls in (("trained", "-"), ("init", ":")):
                m = J.sel(stage=stage).mean("seed").values
                ax.plot(f, m, ls, color=col, lw=0.9, label=f"T = {lag}" if ls == "-"
                        else None)
                if ls == "-":
                    se = J.sel(stage=stage).std("seed", ddof=1).values / np.sqrt(n)
                    ax.fill_between(f, np.maximum(m - se, 1e-12), m + se, color=col,
                                    alpha=0.25, lw=0)
                    lo = min(lo, np.nanmin(m[m > 0]) if (m > 0).any() else lo)
        chi = float(pt.chi.sel(g=g))
        if chi < 1:  # mean field at initialisation: J decays as chi^k (drawn from k = 1)
            j1 = float(pt.fisher_memory.sel(g=g, lag=mid, stage="init").mean("seed")[0])
            kk = pt.fisher_steps.sel(lag=mid).values
            ax.plot(f, j1 * chi ** (kk - kk[0]), "k--", lw=0.8)
        ax.axvline(1.0, color="0.5", lw=0.6)
        ax.set_yscale("log")
        ax.set_ylim(max(lo / 10, 1e-4), None)
        ax.set_xlabel("delay $k/T$ (1: the trained lag)")
        if first:
            ax.set_ylabel("Fisher memory $J(k)$ of the symbol")
        ax.set_title(_title(ds, t, c, s, f", g = {g:g}"), fontsize=7.5)
        if last:
            ax.plot([], [], "k:", lw=0.9, label="at initialisation")
            ax.plot([], [], "k--", lw=0.8, label=rf"$\chi^k$ at initialisation, T = {mid} "
                    "(mean field; ordered gains)")
            ax.legend(fontsize=5.5, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _loglog_fit(ax, x, T, se, f, color, marker, label, filled=True, free=False):
    """Horizons against a scale with their SEs and a fitted line: slope 1 with c fitted
    (the hypothesis T* = c x), or with ``free`` the least-squares slope (a description);
    open markers and a dashed line unless ``filled``."""
    if "slope" in f:
        label += f": slope {f['slope']:.2f} ± {f['slope_se']:.2f}"
        if not free:
            label += f", c = {np.exp(f['log_c']):.3g}"
    ax.errorbar(x, T, yerr=[T * (1 - np.exp(-se)), T * (np.exp(se) - 1)], fmt=marker, ms=3.5,
                color=color, mfc=color if filled else "white", label=label)
    if "slope" in f:
        xx = np.array([x.min() / 1.3, x.max() * 1.3])
        if free:  # through the centroid of the logs with the fitted slope
            lx, ly = np.log(x), np.log(T)
            yy = np.exp(ly.mean() + f["slope"] * (np.log(xx) - lx.mean()))
        else:
            yy = np.exp(f["log_c"]) * xx
        ax.plot(xx, yy, "-" if filled else "--", color=color, lw=0.9)


def _fig_chaos(ds, plt):
    """Both sides of the edge of chaos, one row per (task, cell, sigma_u): the networks'
    maximal Lyapunov exponent at initialisation against the gain, with the mean-field and
    finite-N theories; the horizon against the correlation depth scale xi_c on both sides;
    the chaotic horizons against the measured Lyapunov time. The horizons at the full budget
    (filled) and, on the chaotic side, at the shorter one (open)."""
    budgets = ds.budget.values
    rows = [(t, c, s) for t, c in _series(ds) for s in ds.sigma_u.values]
    fig, axes = _panels(plt, 3, 2.9, 3.4, rows=len(rows))
    gs = ds.g.values
    gg = np.linspace(gs.min(), gs.max(), 120)
    N = int(setting(ds, "n_units"))
    for r, (t, c, s) in enumerate(rows):
        pt = full_budget(ds.sel(task=t, cell=c, sigma_u=s))
        gc = float(pt.g_c)
        ax = axes[3 * r]
        ax.errorbar(gs, pt.lyapunov_mean, yerr=pt.lyapunov_mean_se, fmt="o", ms=3,
                    color="k", label="measured (mean ± 1 SE)")
        se = float(pt.sigma_eff)
        ax.plot(gg, [mean_field_lyapunov(g, se) for g in gg], "-", color="tab:blue",
                lw=1.0, label=r"mean field $\frac{1}{2}\ln\chi$ ($N\to\infty$)")
        ax.plot(gg, [mean_field_lyapunov(g, se, N) for g in gg], "--",
                color="tab:green", lw=1.0, label=f"annealed, N = {N}")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.axvline(gc, color="tab:red", ls=":", lw=1.0, label=rf"$g_c$ = {gc:.2f}")
        ax.set_xlabel("gain $g$")
        ax.set_ylabel(r"max. Lyapunov exponent $\lambda$ (per step)")
        ax.set_title(_title(ds, t, c, s, ": at initialisation"), fontsize=7.5)
        ax.legend(fontsize=5.5, loc="lower right")
        ax, ax3 = axes[3 * r + 1], axes[3 * r + 2]
        drawn = drawn3 = False
        for b in budgets:
            pb = ds.sel(task=t, cell=c, sigma_u=s, budget=b)
            full = b == budgets[-1]
            T, se = np.exp(pb.log_horizon), pb.log_horizon_se
            steps = f", {b} steps"
            for a, scale, col, mk, lab in (
                    (ax, "xi", "tab:blue", "o", r"ordered, $\xi_c = \xi$"),
                    (ax, "xi_c_chaotic", "tab:purple", "s", "chaotic"),
                    (ax3, "lyapunov_time", "tab:purple", "s", r"chaotic ($\lambda > 0$)")):
                if scale == "xi" and not full:
                    continue
                f = horizon_fits(pb, scale)
                if f["gains"]:
                    sel = {"g": f["gains"]}
                    _loglog_fit(a, pb[scale].sel(sel).values, T.sel(sel).values,
                                se.sel(sel).values, f, col, mk, lab + steps, full,
                                free=a is ax3)
                    drawn, drawn3 = drawn or a is ax, drawn3 or a is ax3
        ax.set_xlabel(r"correlation depth scale $\xi_c$ (steps)")
        ax.set_title(_title(ds, t, c, s, r": $T^*$ against $\xi_c$"), fontsize=7.5)
        ax3.set_xlabel(r"Lyapunov time $1/\lambda$ (measured, steps)")
        ax3.set_title(_title(ds, t, c, s, r": $T^*$ against $1/\lambda$"), fontsize=7.5)
        ax.plot([], [], "k-", lw=0.9, label="lines: slope 1, c fitted")
        ax3.plot([], [], "k-", lw=0.9, label="line: least-squares slope (not checked)")
        for a, ok in ((ax, drawn), (ax3, drawn3)):
            if not ok:
                plotting.nothing_to_show(a, "no measured horizon\n(censored by the lag grid)")
                continue
            a.set_xscale("log")
            a.set_yscale("log")
            _plain_log(a.xaxis)
            _plain_log(a.yaxis)
            lo, hi = a.get_xlim()
            if hi / lo > 20:  # fewer labels on a wide axis
                ticks = [v for v in (0.5, 1, 2, 5, 10, 20, 50, 100, 200) if lo <= v <= hi]
                a.set_xticks(ticks, [f"{v:g}" for v in ticks])
            a.set_ylabel(r"learned horizon $T^*$ (steps)")
            a.legend(fontsize=6, loc="upper left", bbox_to_anchor=(-0.05, -0.2),
                     frameon=False)  # below the panel: the points fill it
    fig.subplots_adjust(wspace=0.42, hspace=0.75)
    return fig

#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "trained_trainability_map": _fig_map,
    "trained_horizon_vs_depth_scale": _fig_horizon,
    "trained_gradient_at_init": _fig_gradient,
    "trained_learning_curves": _fig_curves,
    "trained_spectra": _fig_spectra,
    "trained_fisher_memory": _fig_fisher,
    "trained_chaos": _fig_chaos,
}
