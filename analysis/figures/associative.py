"""Figures of the associative-memory study (theory overlaid on simulation)."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import NullFormatter

from memory_dynamics.analysis import associative as th
from memory_dynamics.analysis import plotting
from memory_dynamics.analysis.checks import mean_se
from memory_dynamics.sim.associative import MODELS

ORDER = tuple(MODELS)
LABEL = {k: m.label for k, m in MODELS.items()}
HOLOGRAPHIC = tuple(k for k, m in MODELS.items() if m.family == "holographic")
MATRIX = tuple(k for k, m in MODELS.items() if m.family == "matrix")
#: the figures' colours and markers (vector models: a marker per family)
COLOR = {m: f"C{i}" for i, m in enumerate(HOLOGRAPHIC + MATRIX + ("willshaw",))}
COLOR.update(sdm="0.35", hopfield="k", fastweights="#b8860b")
MARK = {m: "o" for m in HOLOGRAPHIC} | {m: "s" for m in MATRIX} | {
    "willshaw": "^", "sdm": "v", "hopfield": "D", "fastweights": "P"}
#: the structural cap of the memories that recall exactly up to it (atlas legend)
CAP = {"cmm_pinv": "cap Q = n − 2", "tpr2_orthonormal": "cap Q = n"}


def _storage(ds, target=4096):
    vals = ds.storage.values
    return int(vals[np.argmin(np.abs(np.log(vals / target)))])


def _present(ds, models=ORDER):
    """The models of ``models`` in the dataset, in the declared order."""
    return [m for m in models if m in ds.model.values]


def _fig_p_correct(ds, plt):
    """P(correct) vs items per stored number, exact and noisy cues, two model families."""
    S = _storage(ds)
    st = ds.attrs
    M = int(st["vocabulary"])
    copies = int(st["copies"])
    nus = ds.cue_noise.values[:2]
    fams = [f for f in (_present(ds, HOLOGRAPHIC), _present(ds, MATRIX)) if f]
    if not fams:
        fig, ax = plt.subplots(figsize=(3.5, 1.6))
        plotting.nothing_to_show(ax, "P(correct) is a measure of the vector models; model "
                                     "has none of them")
        return fig
    fig, axes = plt.subplots(len(nus), len(fams), figsize=(3.5 * len(fams), 2.6 * len(nus)),
                             squeeze=False, sharey=True)
    for r, nu in enumerate(nus):
        for c, fam in enumerate(fams):
            ax = axes[r][c]
            for m in fam:
                pt = ds.sel(model=m, storage=S, cue_noise=nu)
                n = int(pt["size"])
                stored = float(pt.stored_numbers)
                Q, first = np.unique(pt.n_items.values, return_index=True)  # clipped loads
                mean, se = mean_se(pt.p_correct.isel(load=first), "trial")
                ax.errorbar(Q / stored, mean, yerr=se, fmt=MARK[m], ms=3, color=COLOR[m],
                            lw=0.7, capsize=0, label=LABEL[m])
                top = th.max_items(m, n)
                q = np.unique(np.clip(np.rint(np.geomspace(max(1, Q.min() / 2), Q.max() * 1.3,
                                                          40)), 1, top))
                ax.plot(q / stored, th.p_correct(m, n, q, M, float(nu), copies), "-",
                        color=COLOR[m], lw=0.9)
                ax.plot(q / stored, th.p_correct_frady(m, n, q, M, float(nu), copies), ":",
                        color=COLOR[m], lw=0.7)
            ax.axhline(float(st["criterion_correct"]), color="0.6", lw=0.5,
                       ls="--")
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # a short decade: no crowding
            ax.set_ylim(-0.02, 1.02)
            ax.set_title(f"storage {S}, cue noise $\\nu$ = {nu:g}", fontsize=7)
            if r == len(nus) - 1:
                ax.set_xlabel("items per stored real number $Q/S$")
            if c == 0:
                ax.set_ylabel(f"P(correct), M = {M}")
            if r == 0:
                ax.plot([], [], "k-", lw=0.9, label="theory (scale-free score)")
                ax.plot([], [], "k:", lw=0.7, label="common integral, raw moments")
                ax.legend(fontsize=5.5, loc="lower left")
    return fig


def _fig_atlas(ds, plt):
    """Capacity at the criterion vs storage (log-log), theory lines and simulated points."""
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    zero = []
    for m in _present(ds):
        pt = ds.sel(model=m).isel(cue_noise=0)
        stored = pt.stored_numbers.values.astype(float)
        cap_t, cap_s = pt.capacity_theory.values, pt.capacity_sim.values
        cap_se = pt.capacity_sim_se.values
        if not np.any(cap_t > 0):
            zero.append(LABEL[m])
            continue
        ok = cap_t > 0
        ax.plot(stored[ok], cap_t[ok], "--" if m in CAP else "-", color=COLOR[m], lw=0.9)
        label = LABEL[m]
        if m in CAP:  # exact recall up to the cap
            label += f" ({CAP[m]}; no crossing)"
        if not MODELS[m].on_load_grid:
            label += f" (newest items, cue noise {ds.attrs['fastweights_cue_noise']:g})"
        ax.errorbar(stored, np.where(cap_s > 0, cap_s, np.nan),
                    yerr=np.where(cap_s > 0, np.nan_to_num(cap_se), np.nan), fmt=MARK[m],
                    ms=3.5, color=COLOR[m], mfc=COLOR[m] if MODELS[m].vector else "none",
                    lw=0.7, capsize=0, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("stored numbers $S$ (reals; Willshaw: bits; SDM: counters)")
    ax.set_ylabel("capacity (items at the criterion)")
    lo, hi = ax.get_xlim()
    xs = np.geomspace(lo, hi, 10)
    ax.plot(xs, xs / 20, color="0.8", lw=0.5, ls="--", zorder=0)
    ax.annotate("slope 1", (xs[-2], xs[-2] / 20), fontsize=6, color="0.5")
    ax.plot([], [], "k-", lw=0.9, label="theory (markers: simulation ± jackknife SE, "
            "interpolated on the load grid)")
    ax.plot([], [], "k--", lw=0.9, label="structural cap of exact recall")
    ax.legend(fontsize=5.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    crit = ds.attrs
    note = (f"criterion: P(correct) ≥ {crit['criterion_correct']:g} among "
            f"{crit['vocabulary']}; binary: bit error ≤ "
            f"{crit['criterion_bit_error']:g} (Willshaw: of the active bits)")
    if zero:
        note += f"\nzero at every size (not drawn): {', '.join(zero)}"
    ax.set_title(note, fontsize=5.5)
    return fig


def _fig_information(ds, plt):
    """Bits per stored number at the best load, theory and simulation, with the limits."""
    S = int(ds.storage.values[-1])
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    models = _present(ds)
    y = np.arange(len(models))
    for i, m in enumerate(models):
        pt = ds.sel(model=m, storage=S)
        best_t = float(pt.information_best_theory)
        sim = pt.information_sim.isel(cue_noise=0).values
        se = pt.information_sim_se.isel(cue_noise=0).values
        j = int(np.nanargmax(sim)) if np.isfinite(sim).any() else None
        best_s = float(sim[j]) if j is not None else np.nan
        ax.barh(i, best_t, color=COLOR[m], alpha=0.35, height=0.7)
        ax.errorbar(best_s, i, xerr=float(se[j]) if j is not None else None, fmt=MARK[m],
                    color=COLOR[m], ms=4, lw=0.7, capsize=0)
        th_at = pt.information_theory.isel(cue_noise=0).values  # theory at the same loads
        if np.isfinite(th_at).any():
            ax.plot(np.nanmax(th_at), i, MARK[m], color=COLOR[m], ms=6, mfc="none", mew=0.7)
    for x, text, ls, ha in ((0.12, "Hopfield fixed\npoint 0.12", "--", "right"),
                            (1 / (math.pi * math.log(2)), "Hopfield one\nstep 1/(π ln 2)",
                             "--", "right"),
                            (math.log(2), "Willshaw\nln 2", ":", "left"),
                            (2.0, "Gardner\n2", "-.", "left")):
        ax.axvline(x, color="0.4", lw=0.7, ls=ls)
        ax.annotate(text, (x, 1.0), xycoords=("data", "axes fraction"), fontsize=5.5,
                    ha=ha, va="bottom", color="0.3", annotation_clip=False)
    ax.set_yticks(y, [LABEL[m] for m in models], fontsize=6)
    ax.set_xscale("log")
    ax.set_xlim(1e-3, 3)
    ax.set_ylim(len(models) - 0.4, -0.7)
    ax.set_xlabel("bits per stored number (best load, exact cues)")
    ax.set_title(f"storage {S}: bars theory (finite n), best over all loads; filled: "
                 "simulation ± SE, best simulated load;\nopen: theory at the simulated loads "
                 "(fast weights: at the capacity); lines: N, n → ∞ limits", fontsize=6,
                 pad=18)
    return fig


def _fig_sdm(ds, plt):
    """SDM bit error vs activation probability (radius) and vs cue noise."""
    st = ds.attrs
    A = int(st["sdm_address_bits"])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.0, 2.7))
    if "sdm" not in ds.model.values:
        for ax in (a1, a2):
            plotting.nothing_to_show(ax, "no SDM: model has no sdm")
        return fig
    sd = ds.sel(model="sdm")
    for c, S in zip(plotting.colors(ds.sizes["storage"]), ds.storage.values):
        pt = sd.sel(storage=S)
        L, r0, T0 = int(pt["size"]), int(pt.sdm_radius), int(pt.capacity_reference)
        radii = r0 + ds.radius_offset.values
        ps = np.array([th.sdm_activation(A, max(0, r)) for r in radii])
        mean, se = mean_se(pt.sdm_bit_error_vs_radius, "trial")
        a1.errorbar(ps, mean, yerr=se, fmt="o", ms=3, color=c, lw=0.7, capsize=0,
                    label=f"L = {L}, T = {T0}")
        rr = np.arange(max(0, radii.min() - 2), radii.max() + 3)
        a1.plot([th.sdm_activation(A, r) for r in rr],
                [th.sdm_bit_error(L, A, int(r), T0) for r in rr], "-", color=c, lw=0.9)
        a1.axvline(th.sdm_activation(A, r0), color=c, lw=0.5, ls="--")
        a1.axvline((2 * L * T0) ** (-1 / 3), color=c, lw=0.5, ls=":")
        mean, se = mean_se(pt.sdm_bit_error_vs_cue, "trial")
        a2.errorbar(ds.sdm_cue_noise.values, mean, yerr=se, fmt="o", ms=3, color=c, lw=0.7,
                    capsize=0, label=f"L = {L}")
        nus = np.linspace(0, float(ds.sdm_cue_noise.max()), 21)
        a2.plot(nus, [th.sdm_bit_error(L, A, r0, T0, int(round(v * A))) for v in nus], "-",
                color=c, lw=0.9)
    a1.set_xscale("log")
    a1.set_xlabel("activation probability $p$ (radius)")
    a1.set_ylabel("bit error")
    a1.set_title("exact cues; dashed: best radius, dotted: Kanerva's $(2LT)^{-1/3}$",
                 fontsize=6)
    a1.legend(fontsize=5.5, loc="upper center")
    a2.set_xlabel("cue noise (flipped fraction of address bits)")
    a2.set_ylabel("bit error")
    a2.set_title("best radius; lines: theory", fontsize=6)
    a2.legend(fontsize=5.5, loc="upper left")
    return fig


def _fig_fast_weights(ds, plt):
    """Bit error vs item age for each decay: one shot with theory, inner loop."""
    fig, ax = plt.subplots(figsize=(3.6, 2.8))
    if "fastweights" not in ds.model.values:
        plotting.nothing_to_show(ax, "no fast weights: model has no fastweights")
        return fig
    S = int(ds.storage.values[-1])
    pt = ds.sel(model="fastweights", storage=S)
    crit = float(ds.attrs["criterion_bit_error"])
    ages = ds.age.values
    keep = ages < min(len(ages), 60)
    for c, lam in zip(plotting.colors(ds.sizes["decay"]), ds.decay.values):
        f = pt.sel(decay=lam)
        mean, se = mean_se(f.fw_bit_error_one_shot, "trial")
        m = mean.values[keep]
        ax.errorbar(ages[keep][m > 0], m[m > 0], yerr=se.values[keep][m > 0], fmt="o",
                    ms=2, color=c, lw=0.5, capsize=0, label=f"λ = {lam:g}")
        ax.plot(ages[keep], f.fw_bit_error_one_shot_theory.values[keep], "-", color=c,
                lw=0.9)
        inner, ise = (v.values[keep] for v in mean_se(f.fw_bit_error_inner, "trial"))
        ax.errorbar(ages[keep][inner > 0], inner[inner > 0], yerr=ise[inner > 0], fmt="x",
                    ms=2.5, mew=0.6, color=c, lw=0.5, capsize=0)
    ax.axhline(crit, color="0.6", lw=0.5, ls="--")
    ax.plot([], [], "k-", lw=0.9, label="one shot, theory")
    ax.plot([], [], "kx", ms=2.5, mew=0.6, label="inner loop")
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 0.7)
    ax.set_xlabel("item age $a$ (0 = newest)")
    ax.set_ylabel("bit error")
    st = ds.attrs
    ax.set_title(f"N = {int(pt['size'])}, cue noise {st['fastweights_cue_noise']:g}"
                 f"; circles one shot (zeros not drawn), x after {st['inner_steps']} "
                 "inner-loop steps", fontsize=5.5)
    ax.legend(fontsize=5.5, loc="lower right")
    return fig


def _fig_redundant(ds, plt):
    """Redundant memory: crosstalk vs copies at fixed storage per copy and in total."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.0, 2.7))
    if "redundant" not in ds.model.values:
        for ax in (a1, a2):
            plotting.nothing_to_show(ax, "no redundant memory: model has no redundant")
        return fig
    S = int(ds.storage.values[-1])
    pt = ds.sel(model="redundant", storage=S)
    cs = ds.copies.values
    for b, color, text in (("per_copy", "C3", "fixed storage per copy (n fixed)"),
                           ("total", "C0", "fixed total storage (n S fixed)")):
        r = pt.sel(budget=b)
        mean, se = mean_se(r.redundant_signal_var, "trial")
        a1.errorbar(cs, mean, yerr=se, fmt="o", ms=3, color=color, lw=0.7, capsize=0,
                    label=text)
        a1.plot(cs, r.redundant_signal_var_theory, "-", color=color, lw=0.9)
        mean, se = mean_se(r.redundant_p_correct, "trial")
        a2.errorbar(cs, mean, yerr=se, fmt="o", ms=3, color=color, lw=0.7, capsize=0,
                    label=text)
        a2.plot(cs, r.redundant_p_correct_theory, "-", color=color, lw=0.9)
    for ax in (a1, a2):
        plotting.log_xticks(ax, cs)
        ax.set_xlabel("copies $S$")
    a1.set_yscale("log")
    a1.set_ylabel("variance of the right value's similarity")
    a2.set_ylabel("P(correct)")
    q = int(pt.capacity_reference)
    a1.set_title(f"Q = {q} pairs; n = {int(pt['size'])} at S = {ds.attrs['copies']}"
                 "; lines: theory", fontsize=6)
    a1.legend(fontsize=5.5)
    return fig


FIGURES = {
    "associative_p_correct_vs_load": _fig_p_correct,
    "associative_capacity_atlas": _fig_atlas,
    "associative_information_per_number": _fig_information,
    "associative_sdm_radius_and_cue": _fig_sdm,
    "associative_fast_weights_vs_age": _fig_fast_weights,
    "associative_redundant_copies": _fig_redundant,
}
