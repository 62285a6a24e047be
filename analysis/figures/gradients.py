"""Figures of the gradients study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..checks import mean_se
from ..gradients import critical_gain, mean_field_rate


def _pick(values, target):
    values = np.asarray(values, float)
    return values[np.argmin(np.abs(values - target))]


def _main_phi(ds) -> str:
    """The nonlinearity the single-phi panels show: tanh when it was run, else the first."""
    phis = [str(p) for p in ds.phi.values]
    return "tanh" if "tanh" in phis else phis[0]


def _critical_gain(su, phi):
    try:
        return critical_gain(float(su), phi)
    except ValueError:  # no edge of chaos at this input noise
        return np.nan


def _fig_log_norm(ds, plt):
    N = int(ds.N.max())
    su = float(_pick(ds.sigma_u, 0.5))
    phi = _main_phi(ds)
    sel = ds.sel(phi=phi, N=N, sigma_u=su)
    fig, ax = plt.subplots(figsize=(5.0, 2.9))
    q = ds.q.values
    lo, hi = (int(x) for x in np.atleast_1d(ds.attrs["fit_window"]))
    gs = [g for g in ds.g.values if g in (0.5, 0.9, 1.0, 1.5, 2.0, 3.0)] or list(ds.g.values)
    for c, g in zip(plotting.colors(len(gs)), gs):
        L = sel.log_norm.sel(g=g) - 0.5 * np.log(N)
        m, se = mean_se(L, "seed")
        ax.fill_between(q, m - se, m + se, color=c, alpha=0.3, lw=0)
        ax.plot(q[::5], m[::5], "o", color=c, ms=2.5, label=f"g = {g:g}")
        ax.plot(q, float(sel.rate_theory.sel(g=g)) * q, "--", color=c, lw=0.9)
        hb = float(sel.hochreiter_log_rate.sel(g=g).mean()) * q + 0.5 * np.log(N)
        ax.plot(q, hb, ":", color=c, lw=0.8)
        smax = float(sel.sigma_max.sel(g=g).mean())
        if smax < float(sel.pascanu_threshold):
            ax.plot(q[-1], float(m[-1]), "v", color=c, ms=4)
    ax.axvspan(lo, hi, color="0.92", zorder=0)
    ax.plot([], [], "k--", lw=0.8, label=r"mean field $\frac{q}{2}\ln\chi$")
    ax.plot([], [], "k:", lw=0.8, label="Hochreiter bound (leaves the axes above)")
    ax.plot([], [], "kv", ms=4, label=r"Pascanu: $\sigma_{max}(W) < 1/\gamma$")
    lims = (sel.log_norm.min() - 0.5 * np.log(N), sel.log_norm.max() - 0.5 * np.log(N))
    ax.set_ylim(float(lims[0]) - 2, float(lims[1]) + 5)
    ax.set_xlabel("steps back $q$")
    ax.set_ylabel(r"$\ln \|\partial a_t/\partial a_{t-q}\|_F - \ln\sqrt{N}$")
    ax.set_title(f"{phi}, N = {N}, $\\sigma_u$ = {su:g} (points: simulation, band ±1 SE; "
                 "grey: fit window)", fontsize=6.5)
    ax.legend(fontsize=5.5, ncol=1, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _fig_rate_vs_g(ds, plt):
    N = int(ds.N.max())
    phis = list(ds.phi.values)
    fig, axes = plt.subplots(1, len(phis), figsize=(2.4 * len(phis), 2.6), squeeze=False)
    gg = np.linspace(float(ds.g.min()), float(ds.g.max()), 120)
    for ax, phi in zip(axes[0], phis):
        # W = g Z: the linear rate does not depend on the input noise (one series suffices)
        sus = ds.sigma_u.values[:1] if phi == "linear" else ds.sigma_u.values
        for c, su in zip(plotting.colors(ds.sizes["sigma_u"]), sus):
            pt = dict(phi=phi, N=N, sigma_u=su)
            ax.errorbar(ds.g, ds.rate.sel(pt), yerr=ds.rate_se.sel(pt), fmt="o", ms=3,
                        color=c, label=rf"$\sigma_u$ = {su:g}")
            th = [0.5 * np.log(mean_field_rate(g, float(su), str(phi))[1]) for g in gg]
            ax.plot(gg, th, "-", color=c, lw=0.9)
            if phi == "tanh":
                ax.axvline(_critical_gain(su, "tanh"), color=c, ls=":", lw=0.8)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"{phi}, N = {N}" + (r" (any $\sigma_u$)" if phi == "linear" else ""),
                     fontsize=8)
        ax.set_xlabel("gain $g$")
    axes[0][0].set_ylabel(r"rate per step (lines: $\frac{1}{2}\ln\chi$)")
    tanh = phis.index("tanh") if "tanh" in phis else 0
    axes[0][tanh].legend(fontsize=6, title=r"dotted: $\chi = 1$", title_fontsize=6)
    return fig


def _fig_map(ds, plt):
    N = int(ds.N.max())
    phi = _main_phi(ds)
    r = ds.rate.sel(phi=phi, N=N)
    fig, ax = plt.subplots(figsize=(3.4, 2.7))
    lim = float(np.nanmax(np.abs(r)))
    m = ax.pcolormesh(ds.g, ds.sigma_u, r.transpose("sigma_u", "g"), cmap="RdBu_r",
                      vmin=-lim, vmax=lim, shading="nearest")
    fig.colorbar(m, ax=ax, label="measured rate per step")
    su = np.unique(np.linspace(0, float(ds.sigma_u.max()), 40))  # one value if max is 0
    if phi in ("tanh", "linear"):  # (linear: chi = g^2, the line g = 1 at every sigma_u)
        gc = [_critical_gain(s, phi) for s in su]
        ax.plot(gc, su, "k-", lw=1.2, label=r"theory $\chi = 1$")
    ax.set_xlim(float(ds.g.min()) - 0.05, float(ds.g.max()) + 0.05)
    ax.set_ylim(0, None)  # cells are centred on the swept values: none below sigma_u = 0
    ax.set_xlabel("gain $g$")
    ax.set_ylabel(r"input noise $\sigma_u$")
    ax.set_title(f"{phi}, N = {N}" + ("" if phi in ("tanh", "linear") else
                                       " (the order-to-chaos line is drawn for tanh)"),
                 fontsize=8)
    if phi in ("tanh", "linear"):
        ax.legend(fontsize=6, loc="upper left")
    return fig


def _fig_lstm(ds, plt):
    """(a) cell-path log norm vs q; (b) its rate vs forget bias, with the three theories."""
    N = int(ds.N.max())
    su = float(ds.sigma_u.max())
    fig, (ax, bx) = plt.subplots(1, 2, figsize=plotting.DOUBLE_SHORT)
    if "tanh" not in ds.phi.values:
        for a in (ax, bx):
            plotting.nothing_to_show(a, "no LSTM cells: they are simulated beside the tanh "
                                        "network, and phi has no tanh")
        return fig
    cells = ds.sel(phi="tanh", N=N)
    sel = cells.sel(sigma_u=su)
    q = ds.q.values
    for c, b in zip(plotting.colors(ds.sizes["forget_bias"]), ds.forget_bias.values):
        L = sel.lstm_log_norm.sel(forget_bias=b) - 0.5 * np.log(N)
        lab = "$b_f = \\infty$ (f = 1, no decay)" if np.isinf(b) else f"$b_f$ = {b:g}"
        m, se = mean_se(L, "seed")
        ax.plot(q, m, color=c, lw=1.3, label=f"LSTM {lab} (±SE)")
        ax.fill_between(q, m - se, m + se, color=c, alpha=0.3, lw=0)
        if np.isfinite(b):
            ax.plot(q, float(sel.lstm_rate_gaussian_theory.sel(forget_bias=b).mean()) * q,
                    "--", color="k", lw=0.7)
    for g, ls in ((1.0, "-"), (float(_pick(ds.g, 2.0)), "-.")):
        if g in ds.g.values:
            L = sel.log_norm.sel(g=g).mean("seed") - 0.5 * np.log(N)
            ax.plot(q, L, color="0.45", ls=ls, lw=0.9, label=f"tanh RNN, g = {g:g}")
    ax.plot([], [], "k--", lw=0.7, label="Gaussian-gate theory (rate $\\times$ q)")
    ax.set_ylim(max(-40, float(ax.get_ylim()[0])), 6)
    ax.set_xlim(0, q[-1])
    ax.set_xlabel("steps back $q$")
    ax.set_ylabel("log gradient norm (rel. to q = 0)")
    ax.set_title(f"(a) cell path, N = {N}, input std {su:g}, mean of "
                 f"{ds.sizes['seed']} cells", fontsize=7)
    ax.legend(fontsize=5.5, loc="lower left")
    fb = np.array([b for b in ds.forget_bias.values if np.isfinite(b)])
    sus = list(ds.sigma_u.values)
    for k, (c, s) in enumerate(zip(plotting.colors(len(sus)), sus)):
        cs = cells.sel(sigma_u=s, forget_bias=fb)
        gp = cs.lstm_rate_gaussian_theory
        d = cs.lstm_rate - gp  # paired per cell
        x = fb + 0.08 * (k - (len(sus) - 1) / 2)  # offset: the inputs overlap
        inp = s if s > 0 else 1.0
        bx.errorbar(x, d.mean("seed"), yerr=d.std("seed") / np.sqrt(d.sizes["seed"]), fmt="o",
                    ms=3, color=c, label=f"simulated, input std {inp:g}"
                    + (r" ($\sigma_u$ = 0)" if s == 0 else ""))
        bx.plot(fb, (cs.lstm_rate_independent_theory - gp).mean("seed"), ":", color=c, lw=1.0)
        bx.plot(fb, (cs.lstm_rate_typical_theory - gp).mean("seed"), "--", color=c, lw=0.7)
    bx.axhline(0, color="k", lw=0.8, label="Gaussian-gate theory (each cell's gate covariance)")
    bx.plot([], [], "k:", lw=1.0, label=r"independent gates $\frac{1}{2}\ln E\sigma^2$")
    bx.plot([], [], "k--", lw=0.7, label=r"typical unit $E\ln\sigma$")
    bx.set_xticks(fb)
    bx.set_xlabel("forget-gate bias $b_f$")
    bx.set_ylabel("rate $-$ Gaussian-gate theory (per step)")
    lo, hi = (int(w) for w in np.atleast_1d(ds.attrs["fit_window"]))
    bx.set_title(f"(b) cell-path rate over q = {lo}–{hi}, N = {N} (SE over cells)",
                 fontsize=7)
    bx.legend(fontsize=5.5, loc="lower right")
    return fig


def _fig_vs_N(ds, plt):
    """Measured rate minus mean field against 1/N: the finite-size approach (or its failure)."""
    from ..gradients import _seed_slopes

    sus = [float(ds.sigma_u.min()), float(ds.sigma_u.max())]
    fig, axes = plt.subplots(1, 3, figsize=(plotting.DOUBLE_SHORT[0], 2.8), sharey=True)
    gs = [g for g in ds.g.values if 0.9 <= g <= 2.0]
    inv = 1 / ds.N.values
    phi = _main_phi(ds)
    for ax, su in zip(axes, sus):
        for c, g in zip(plotting.colors(len(gs)), gs):
            pt = dict(phi=phi, sigma_u=su, g=g)
            d = ds.rate.sel(pt) - ds.rate_theory.sel(pt)
            ax.errorbar(inv, d, yerr=ds.rate_se.sel(pt), fmt="o-", ms=3, lw=0.8, color=c,
                        label=f"g = {g:g}")
        ax.set_title(rf"{phi}, $\sigma_u$ = {su:g}", fontsize=8)
        if not gs:
            plotting.nothing_to_show(ax, "no gain between 0.9 and 2 in g")
    ax = axes[2]
    window = np.atleast_1d(ds.attrs["fit_window"])
    for phi, su, c, lab in (("linear", None, "k", "linear (every input, pooled)"),
                            ("logistic", sus[0], "C3", rf"logistic, $\sigma_u$ = {sus[0]:g}")):
        if phi not in ds.phi.values:
            continue
        sl = _seed_slopes(ds.log_norm.sel(phi=phi), window) - ds.rate_theory.sel(phi=phi)
        sl = sl.mean("g")  # per network: the average over gains (one Z for all of them)
        sl = sl.stack(rep=("sigma_u", "seed")) if su is None else sl.sel(sigma_u=su).rename(
            seed="rep")
        m, se = sl.mean("rep"), sl.std("rep") / np.sqrt(sl.sizes["rep"])
        ax.errorbar(inv, m, yerr=se, fmt="s-" if su is None else "o-", ms=3, lw=0.8,
                    color=c, label=lab)
    if not {"linear", "logistic"} & set(ds.phi.values):
        plotting.nothing_to_show(ax, "phi has neither linear nor logistic")
    ax.set_title("excess of one finite Z (mean over gains)", fontsize=8)
    for ax in axes:
        ax.axhline(0, color="0.3", lw=0.8, label=r"mean field $\frac{1}{2}\ln\chi$")
        ax.set_xlim(0, 1.08 * inv.max())
        ax.set_xticks([0, *inv], ["0", *(f"1/{n}" if x > 0.15 * inv.max() else ""
                                         for n, x in zip(ds.N.values, inv))], fontsize=6)
        hidden = [f"1/{n}" for n, x in zip(ds.N.values, inv) if x <= 0.15 * inv.max()]
        ax.set_xlabel(r"1/N ($N \to \infty$ at 0" + "".join(
            f"; unlabelled: {h}" for h in hidden) + ")", fontsize=7)
    axes[0].set_ylabel(r"measured rate $-$ $\frac{1}{2}\ln\chi$ (per step)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=6,
               loc="upper center", bbox_to_anchor=(0.38, 0.0), ncol=4, frameon=False)
    axes[2].legend(fontsize=6, loc="upper left")
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "gradients_log_norm_vs_q": _fig_log_norm,
    "gradients_rate_vs_g": _fig_rate_vs_g,
    "gradients_rate_map": _fig_map,
    "gradients_lstm_cell_path": _fig_lstm,
    "gradients_mean_field_vs_N": _fig_vs_N,
}
