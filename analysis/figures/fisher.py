"""Figures of the fisher study (theory overlaid on simulation)."""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..checks import mean_se

FIGURES = {
    "fisher_memory_curves": "J(k) of the ensembles, exact, closed form and simulated",
    "fisher_total_memory_vs_N": "J_tot vs N: normal, delay line, Gaussian, bound N",
    "fisher_total_memory_histogram": "J_tot over Gaussian networks, random vs optimal v",
    "fisher_delay_lines": "delay lines with alpha < 1 and alpha > 1",
}
_LABEL = {"orthogonal": "scaled orthogonal", "symmetric": "random symmetric",
          "delay_ring": "delay ring", "delay_line": "delay line",
          "gaussian": "Gaussian (variance, stable draws)",
          "gaussian_radius": "Gaussian (radius)"}
#: ensembles without randomness: one network, no mean
_DETERMINISTIC = ("delay_ring", "delay_line")


def _sim_N(ds):
    """The N at which simulations exist (largest), else the largest N."""
    has = np.isfinite(ds.J_sim).any(("ensemble", "alpha", "lag"))
    return int(ds.N.values[has.values].max()) if has.any() else int(ds.N.max())


def _no_stable_gain(plt, figsize):
    """The figure for a config whose gains are all >= 1 (amplifying delay lines only)."""
    fig, ax = plt.subplots(figsize=figsize)
    plotting.nothing_to_show(ax, "drawn at the largest stable gain: alpha has no value < 1")
    return fig


def _fig_curves(ds, plt):
    if not np.any(ds.alpha.values < 1):
        return _no_stable_gain(plt, (5.6, 1.6))
    a = float(ds.alpha.values[ds.alpha.values < 1].max())
    N = _sim_N(ds)
    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    k = ds.k.values[1:]
    for c, e in zip(plotting.colors(ds.sizes["ensemble"]), ds.ensemble.values):
        J = ds.J.sel(ensemble=e, N=N, alpha=a).where(lambda x: x > 0)  # log axis: no zeros
        if e in _DETERMINISTIC:
            lab = f"{_LABEL.get(e, e)} (exact)"
            if e == "delay_ring":  # identical to the orthogonal curve: drawn as markers
                lab += r": equals $\alpha^k(1-\alpha)$ exactly"
                idx = np.unique(np.geomspace(1, len(k), 14).astype(int)) - 1  # log-spaced
                ax.plot(k[idx], J.isel(network=0).values[1:][idx], "|", color=c, ms=7,
                        mew=1.2, label=lab)
                continue
            ax.plot(k, J.isel(network=0)[1:], color=c, lw=1.2, label=lab)
        else:
            mean, se = mean_se(J, "network")
            ax.plot(k, mean[1:], color=c, lw=1.2,
                    label=f"{_LABEL.get(e, e)} (exact, mean ± SE of {J.sizes['network']})")
            ax.fill_between(k, (mean - se)[1:], (mean + se)[1:], color=c, alpha=0.2, lw=0)
        sim = ds.J_sim.sel(ensemble=e, N=N, alpha=a)
        ok = np.isfinite(sim.values) & (ds.lag.values > 0)
        if ok.any():
            # simulated network 0 against its own exact curve
            ax.plot(k, J.isel(network=0)[1:], color=c, lw=0.5, ls=":")
            ax.errorbar(ds.lag.values[ok], sim.values[ok],
                        yerr=ds.J_sim_se.sel(ensemble=e, N=N, alpha=a).values[ok],
                        fmt="o", ms=3.5, color=c, mec="k", mew=0.4, lw=0.8)
            t = ds.J_sim_tanh.sel(ensemble=e, N=N, alpha=a).isel(tanh_eps=0).values
            t_se = ds.J_sim_tanh_se.sel(ensemble=e, N=N, alpha=a).isel(tanh_eps=0).values
            okt = np.isfinite(t) & (ds.lag.values > 0)
            ax.errorbar(ds.lag.values[okt], t[okt], yerr=t_se[okt], fmt="s", ms=3.5,
                        mfc="none", color=c, mew=0.7, lw=0.6)
    ax.plot(k, ds.J_orthogonal_theory.sel(alpha=a)[1:], "k--", lw=0.8,
            label=r"$\alpha^k(1-\alpha)$ (normal, closed form)")
    ax.plot(k, ds.J_symmetric_theory.sel(alpha=a)[1:], "k-.", lw=0.8,
            label="semicircle mean (symmetric)")
    kk = np.array([5.0, 60.0])
    ax.plot(kk, 0.5 * kk**-2.5, color="0.4", lw=2, alpha=0.5, label=r"$\propto k^{-5/2}$")
    ax.plot([], [], "ko", ms=3.5, label="simulated network 0, linear (±SE)")
    ax.plot([], [], "ks", ms=3.5, mfc="none",
            label=f"simulated network 0, tanh ($\\varepsilon$ = {float(ds.tanh_eps[0]):g})")
    ax.plot([], [], "k:", lw=0.5, label="exact J(k) of network 0")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-7, 2)
    ax.set_xlabel("lag $k$ (steps)")
    ax.set_ylabel(r"Fisher memory $J(k)$ ($1/\varepsilon$)")
    ax.set_title(f"N = {N}, $\\alpha$ = {a:g}", fontsize=8)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def _fig_total_vs_N(ds, plt):
    """(a) J_tot vs N at the largest stable alpha; (b) delay lines at every alpha."""
    if not np.any(ds.alpha.values < 1):
        return _no_stable_gain(plt, (plotting.DOUBLE_SHORT[0], 1.6))
    a = float(ds.alpha.values[ds.alpha.values < 1].max())
    fig, (ax, bx) = plt.subplots(1, 2, figsize=plotting.DOUBLE_SHORT)
    Ns = ds.N.values
    ax.plot(Ns, Ns, "k-", lw=0.8, label="bound $J_{tot} = N$")
    ax.axhline(1, color="k", ls="--", lw=0.8, label="sum rule, normal W")
    for e, m, c, off in (("orthogonal", "o", "C0", 0.94), ("symmetric", "v", "C1", 1.0),
                         ("delay_ring", "^", "C2", 1.06)):
        if e in ds.ensemble.values:  # normal: all exactly 1, offset in N to stay visible
            ax.plot(Ns * off, ds.J_total.sel(ensemble=e, alpha=a).mean("network"), m,
                    color=c, ms=4, label=_LABEL[e] + (" (N offset)" if off != 1 else ""))
    if "delay_line" in ds.ensemble.values:
        ax.plot(Ns, ds.J_total_delay_line_theory.sel(alpha=a), "-", color="C3", lw=0.8)
        ax.plot(Ns, ds.J_total.sel(ensemble="delay_line", alpha=a).isel(network=0), "D",
                color="C3", ms=3.5, label="delay line (line: closed form)")
    for e, c, off in (("gaussian", "C4", 0.9), ("gaussian_radius", "C5", 1.1)):
        if e in ds.ensemble.values:  # offset in N: the optimal-v values lie near the line's
            for var, m, lab in (("J_total_optimal", "s", "optimal $v$"),
                                ("J_total", "x", "random $v$")):
                g = ds[var].sel(ensemble=e, alpha=a)
                mean, se = mean_se(g, "network")
                ax.errorbar(Ns * off, mean, yerr=se, fmt=m, color=c, ms=4,
                            label=f"{_LABEL[e]}, {lab} (N offset)")
    plotting.log_xticks(ax, Ns)
    ax.set_yscale("log")
    ax.set_xlabel("network size $N$")
    ax.set_ylabel(r"total memory $J_{tot}$ ($1/\varepsilon$)")
    ax.set_title(rf"(a) $\alpha$ = {a:g}", fontsize=8)
    ax.legend(fontsize=5, loc="upper left")
    if "delay_line" in ds.ensemble.values:
        for c, al in zip(plotting.colors(ds.sizes["alpha"]), ds.alpha.values):
            bx.plot(Ns, ds.J_total_delay_line_theory.sel(alpha=al), "-", color=c, lw=0.8)
            bx.plot(Ns, ds.J_total.sel(ensemble="delay_line", alpha=al).isel(network=0), "D",
                    color=c, ms=3.5, label=rf"$\alpha$ = {al:g}"
                    + (" (amplifying)" if al > 1 else ""))
        bx.plot(Ns, Ns, "k-", lw=0.8, label="bound $N$")
        plotting.log_xticks(bx, Ns)
        bx.set_yscale("log")
        bx.set_xlabel("network size $N$")
        bx.set_title("(b) delay line (lines: closed form; one network each)", fontsize=8)
        bx.legend(fontsize=5.5, loc="upper left")
    else:
        plotting.nothing_to_show(bx, "(b) no delay line: ensemble has no delay_line")
    return fig


def _fig_hist(ds, plt):
    """J_tot over Gaussian networks for both normalisations, random and optimal v."""
    if not np.any(ds.alpha.values < 1):
        return _no_stable_gain(plt, (3.4, 1.6))
    a = float(ds.alpha.values[ds.alpha.values < 1].max())
    Ns = ds.N.values
    N = int(Ns[Ns <= 100].max()) if np.any(Ns <= 100) else int(Ns.min())
    ens = [e for e in ("gaussian", "gaussian_radius") if e in ds.ensemble.values]
    fig, axes = plt.subplots(1, max(1, len(ens)), figsize=(3.4 * max(1, len(ens)), 2.6),
                             sharex=True, squeeze=False)
    if not ens:
        plotting.nothing_to_show(axes[0][0], "no Gaussian networks: ensemble has neither "
                                             "gaussian nor gaussian_radius")
        return fig
    hi = max([float(ds.J_total_optimal.sel(ensemble=e, N=N, alpha=a).max()) for e in ens]
             or [2.0]) * 1.1
    bins = np.linspace(0, hi, 30)
    for ax, e in zip(axes[0], ens):
        g = ds.sel(ensemble=e, N=N, alpha=a)
        ax.hist(g.J_total, bins=bins, color="C0", alpha=0.7, label="random $v$")
        ax.hist(g.J_total_optimal, bins=bins, color="C3", alpha=0.7, label="optimal $v$")
        for var, c in (("J_total", "C0"), ("J_total_optimal", "C3")):
            m, se = mean_se(g[var], "network")
            ax.axvline(float(m), color=c, lw=1.2)
            ax.annotate(f"{float(m):.2f} ± {float(se):.2f}", (float(m), 0.97),
                        xycoords=("data", "axes fraction"), fontsize=5.5, color=c,
                        ha="left", va="top", rotation=90)
        rej = int(g.n_rejected.sum())
        ax.set_title(f"{_LABEL[e]}, N = {N}, $\\alpha$ = {a:g}, {g.sizes['network']} "
                     "networks" + (f"\n({rej} unstable draws rejected)" if e == "gaussian"
                                   else "\n(each draw rescaled to radius $\\sqrt{\\alpha}$)"),
                     fontsize=6.5)
        ax.axvline(1, color="k", ls="--", lw=0.8, label="normal W: $J_{tot}$ = 1")
        ax.set_xlabel(r"total memory $J_{tot}$ ($1/\varepsilon$)")
    axes[0][0].set_ylabel("networks")
    axes[0][0].legend(fontsize=6)
    return fig


def _fig_delay(ds, plt):
    N = _sim_N(ds)
    fig, ax = plt.subplots(figsize=(3.4, 2.8))
    if "delay_line" not in ds.ensemble.values:
        plotting.nothing_to_show(ax, "no delay line: ensemble has no delay_line")
        return fig
    alphas = ds.alpha.values
    k = ds.k.values
    kk = k[k < N]  # J(k) = 0 for k >= N (nilpotent)
    for c, a in zip(plotting.colors(len(alphas)), alphas):
        th = ds.J_delay_line_theory.sel(N=N, alpha=a).values[: kk.size]
        ax.plot(kk, np.where(th > 0, th, np.nan), "-", color=c, lw=1,
                label=rf"$\alpha$ = {a:g}")
        ex = ds.J.sel(ensemble="delay_line", N=N, alpha=a).isel(network=0).values
        step = max(1, N // 12)
        ax.plot(kk[::step], np.where(ex[: kk.size] > 0, ex[: kk.size], np.nan)[::step],
                "+", color=c, ms=5)
        sim = ds.J_sim.sel(ensemble="delay_line", N=N, alpha=a).values
        ok = np.isfinite(sim)
        ax.errorbar(ds.lag.values[ok], sim[ok],
                    yerr=ds.J_sim_se.sel(ensemble="delay_line", N=N, alpha=a).values[ok],
                    fmt="o", ms=3.5, color=c, mec="k", mew=0.4)
    ax.plot([], [], "k+", label="general formula")
    ax.plot([], [], "ko", ms=3.5, label="simulated (±SE)")
    ax.set_yscale("log")
    ax.set_xlabel("lag $k$ (steps)")
    ax.set_ylabel(r"$J(k)$ ($1/\varepsilon$)")
    ax.set_xlim(0, N)
    ax.set_title(f"delay line, N = {N} (lines: closed form; J = 0 for k ≥ N)", fontsize=8)
    ax.legend(fontsize=5.5, ncol=2)
    return fig


def _fig_tanh(ds, plt):
    """Where the linear theory holds for the tanh network: J_tanh / J_linear against noise."""
    from ..fisher import LINEAR_RMS, linear_regime

    N = _sim_N(ds)
    stable = ds.alpha.values[ds.alpha.values < 1]
    if not stable.size:
        return _no_stable_gain(plt, (5.2, 1.6))
    fig, axes = plt.subplots(1, len(stable), figsize=(2.6 * len(stable), 2.8), sharey=True,
                             squeeze=False)
    lags = [int(x) for x in ds.lag.values if x > 0]
    markers = "osD^v<>"
    for ax, a in zip(axes[0], stable):
        shade = None
        for c, e in zip(plotting.colors(ds.sizes["ensemble"]), ds.ensemble.values):
            pt = ds.sel(ensemble=e, N=N, alpha=a)
            if not np.isfinite(pt.J_sim_tanh).any():
                continue
            th = pt.J_sim_theory
            for j, (lag, mk) in enumerate(zip(lags, markers)):
                r = pt.J_sim_tanh.sel(lag=lag) / th.sel(lag=lag)
                er = pt.J_sim_tanh_se.sel(lag=lag) / th.sel(lag=lag)
                ok = (er < 0.5).values  # only where the SE resolves J
                x = pt.tanh_eps.values * (1 + 0.08 * j)
                ax.errorbar(x[ok], r.values[ok], yerr=er.values[ok], fmt=mk, ms=3, lw=0.6,
                            color=c, mfc="none" if j else c,
                            label=_LABEL.get(str(e), e) if j == 0 else None)
            lin = pt.tanh_eps.values[linear_regime(pt).values]
            if lin.size:  # the regime every ensemble shares
                shade = lin.max() if shade is None else min(shade, lin.max())
        if shade is not None:
            ax.axvspan(ax.get_xlim()[0] if ax.get_xlim()[0] > 0 else 1e-7, shade * 1.3,
                       color="0.92", zorder=0)
        ax.axhline(1, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel(r"noise variance $\varepsilon$ of the tanh network")
        ax.set_title(rf"N = {N}, $\alpha$ = {a:g}", fontsize=7)
    for j, (lag, mk) in enumerate(zip(lags, markers)):
        axes[0][0].plot([], [], mk, color="k", ms=3, mfc="none" if j else "k",
                        label=f"lag {lag}")
    axes[0][0].set_ylabel(r"$J_{\tanh}(k)$ / linear theory")
    axes[0][0].legend(fontsize=5, loc="upper left")
    fig.suptitle(f"tanh network against the linear theory (grey: rms pre-activation and pulse "
                 f"peak ≤ {LINEAR_RMS:g} for every ensemble, the checked linear regime)",
                 fontsize=7)
    return fig


#: figure name (the file stem) -> function drawing it from the merged dataset
FIGURES = {
    "fisher_memory_curves": _fig_curves,
    "fisher_total_memory_vs_N": _fig_total_vs_N,
    "fisher_total_memory_histogram": _fig_hist,
    "fisher_delay_lines": _fig_delay,
    "fisher_tanh_linear_regime": _fig_tanh,
}
