r"""Deep linear learning dynamics (Saxe, McClelland & Ganguli): theory, checks, figures.

A two-layer linear network :math:`\hat y = W_2 W_1 x` trained by full-batch gradient descent
on the squared error :math:`\tfrac12\sum_\mu\|y^\mu - W_2W_1x^\mu\|^2` with learning rate
:math:`\lambda`. With whitened inputs (:math:`\Sigma^x = \sum_\mu x^\mu x^{\mu\top} = I`, one-hot
items) and :math:`\Sigma^{yx} = \sum_\mu y^\mu x^{\mu\top} = USV^\top`, a small balanced
start aligned with the modes keeps them decoupled and each mode strength
:math:`a_\alpha = u_\alpha^\top W_2W_1 v_\alpha` follows (Saxe et al., ICLR 2014, Eq. 6)

.. math:: a(t) = \frac{s\,e^{2st/\tau}}{e^{2st/\tau} - 1 + s/a_0}, \qquad
          t_{1/2} = \frac{\tau}{2s}\ln\!\left(\frac{s}{a_0} - 1\right),

with :math:`\tau = 1/\lambda` and t in full-batch steps when the Σ's are *sums* over the P
examples (loss summed); when they are *means* (:math:`\Sigma/P`, inputs whitened so that
:math:`\Sigma^x = I` as a mean) the same descent has :math:`\tau = 1/(P\lambda)`
(``normalisation="mean"``; docs/saxe.md §3). A one-layer network learns each mode exponentially,
:math:`a(t) = s - (s - a_0)e^{-t/\tau}`: no plateau.

Hierarchical data (Saxe, McClelland & Ganguli, PNAS 2019): a binary tree of depth L, one
one-hot item per leaf, one feature per tree node (an item has the features of its ancestors):
singular values :math:`\sqrt{2^{L+1}-1}` (root) and :math:`\sqrt{2^{L-m}-1}` with multiplicity
:math:`2^m` for the splits at depth m (L = 3: 3.873, 2.646, 1.732 ×2, 1 ×4).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import checks as chk

#: a count-valued unit UDUNITS has no name for: units "1", the unit in a comment
STEPS = {"units": "1", "comment": "in gradient-descent steps"}

__all__ = ["truncation_rank", "mode_trajectory", "half_learning_time", "shallow_trajectory",
           "discrete_mode_trajectory", "deep_half_learning_time", "deep_mode_trajectory",
           "random_start_half_time", "input_output_modes", "tree_singular_values", "tau"]

TITLE = "Deep linear network learning dynamics and progressive differentiation"
REFERENCES = ("Saxe, McClelland & Ganguli (2014) ICLR, arXiv:1312.6120; Saxe, McClelland & "
              "Ganguli (2019) PNAS 116:11537")


def tau(lr: float, n_examples: int = 1, normalisation: str = "sum") -> float:
    """Time constant in steps: 1/lr for summed Σ's, 1/(P lr) for averaged ones."""
    if normalisation not in ("sum", "mean"):
        raise ValueError(f"normalisation must be 'sum' or 'mean', got {normalisation!r}")
    return 1 / lr if normalisation == "sum" else 1 / (n_examples * lr)


def mode_trajectory(t, s, a0, tau):
    r"""Closed-form mode strength :math:`a(t)` of a two-layer linear network (aligned start)."""
    t, s = np.asarray(t, float), np.asarray(s, float)
    x = np.exp(np.minimum(2 * s * t / tau, 700.0))
    return s * x / (x - 1 + s / a0)


def half_learning_time(s, a0, tau):
    r""":math:`t_{1/2} = (\tau/2s)\ln(s/a_0 - 1)` (s = 1, τ = 1, a0 = 1e-3 → 3.453)."""
    s = np.asarray(s, float)
    if np.any(s <= 2 * a0):
        raise ValueError("half-learning time needs s > 2 a0")
    return tau / (2 * s) * np.log(s / a0 - 1)


def discrete_mode_trajectory(steps, s, a0, tau, depth: int = 2):
    r"""Exact mode strengths of full-batch gradient descent from a balanced aligned start.

    Each of the ``depth`` layers carries the mode with the same scalar c (:math:`a = c^D`),
    and one step of gradient descent with rate :math:`1/\tau` maps
    :math:`c \mapsto c + c^{D-1}(s - c^D)/\tau` (depth 1: :math:`a \mapsto a + (s-a)/\tau`):
    the discrete dynamics that the continuous closed forms approximate. ``steps`` must be
    increasing; returns (len(steps), len(s)).
    """
    steps = np.asarray(steps, int)
    s = np.asarray(s, float)
    c = np.full(len(s), a0 ** (1 / depth))
    out = np.empty((len(steps), len(s)))
    n = 0
    for j, stop in enumerate(steps):
        while n < stop:
            c = c + c ** (depth - 1) * (s - c**depth) / tau
            n += 1
        out[j] = c**depth
    return out


def deep_half_learning_time(s, a0, tau, depth: int = 3):
    r"""Half-learning time of a mode of a deep linear network (balanced aligned start).

    Saxe, McClelland & Ganguli (2014, §3): with D layers of equal mode strength
    :math:`c = a^{1/D}`, :math:`\tau\,\dot a = D\,a^{2-2/D}(s - a)`, so
    :math:`t_{1/2} = \tau\int_{a_0}^{s/2} da / [D a^{2-2/D}(s-a)]` (quadrature; D = 2 gives
    :func:`half_learning_time`).
    """
    from scipy import integrate

    def one(sv):
        f = lambda a: 1.0 / (depth * a ** (2 - 2 / depth) * (sv - a))  # noqa: E731
        return tau * integrate.quad(f, a0, sv / 2, epsabs=0, epsrel=1e-12, limit=200)[0]

    return np.array([one(float(v)) for v in np.atleast_1d(s)])


def deep_mode_trajectory(t, s, a0, tau, depth: int = 3):
    r"""Continuous :math:`a(t)` of :math:`\tau\dot a = D a^{2-2/D}(s-a)` (balanced aligned
    start; solved to rtol 1e-10), shape (len(t), len(s))."""
    from scipy import integrate

    t = np.asarray(t, float)
    s = np.asarray(s, float)
    sol = integrate.solve_ivp(lambda _, a: depth * np.abs(a) ** (2 - 2 / depth) * (s - a) / tau,
                              (0.0, float(t.max())), np.full(len(s), a0), t_eval=t,
                              method="DOP853", rtol=1e-10, atol=1e-14)
    return sol.y.T


def random_start_half_time(s, r1, r2, tau, project: bool = False):
    r"""Half-learning times of a random (unbalanced, unaligned) start, mode by mode.

    With each mode decoupled, its hidden vectors :math:`r_1 = W_1v_\alpha` and
    :math:`r_2 = W_2^\top u_\alpha` obey :math:`\tau\dot r_1 = (s-a)r_2`,
    :math:`\tau\dot r_2 = (s-a)r_1`, :math:`a = r_1\cdot r_2`. Then :math:`p = r_1 + r_2` grows
    and :math:`m = r_1 - r_2` shrinks along fixed directions, :math:`P = |p|^2` and
    :math:`M = |m|^2` keep :math:`PM = c`, :math:`a = (P - c/P)/4`, and
    :math:`2\tau\dot P = (x_+ - P)(P - x_-)`, :math:`x_\pm = 2s \pm\sqrt{4s^2+c}`, so

    .. math:: t_{1/2} = \frac{\tau}{\sqrt{4s^2+c}}\ln\frac{(x_{1/2}-x_-)(x_+-P_0)}
              {(x_+-x_{1/2})(P_0-x_-)}, \qquad x_{1/2} = s + \sqrt{s^2+c},

    which is :math:`(\tau/2s)\ln(s/a_0-1)` for a balanced aligned start (c = 0, P_0 = 4a_0).
    A negative start (:math:`a_0 = r_1\cdot r_2 < 0`, P_0 < M_0) still learns: p grows
    while a < s, a crosses 0 when P = M. Only an exactly antisymmetric start (p = 0) stays
    at the saddle. ``project``: remove from p and m of each mode their components along the
    p directions of the modes with larger s (learned first, they take those hidden
    directions: the leading correction for mode competition, docs/saxe.md §4).

    Parameters
    ----------
    s : (modes,)
    r1, r2 : (..., modes, units)
    """
    s = np.asarray(s, float)
    r1, r2 = np.asarray(r1, float), np.asarray(r2, float)
    p, m = r1 + r2, r1 - r2
    if project:
        p, m = p.copy(), m.copy()
        for al in range(len(s)):
            stronger = np.flatnonzero(s > s[al] * (1 + 1e-9))
            if stronger.size:
                Q, _ = np.linalg.qr(np.swapaxes((r1 + r2)[..., stronger, :], -1, -2))
                for v in (p, m):
                    x = v[..., al, :]
                    v[..., al, :] = x - np.einsum("...uk,...k->...u", Q,
                                                  np.einsum("...uk,...u->...k", Q, x))
    P0, c = (p**2).sum(-1), (p**2).sum(-1) * (m**2).sum(-1)
    root = np.sqrt(4 * s**2 + c)
    xp, xm, xh = 2 * s + root, 2 * s - root, s + np.sqrt(s**2 + c)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = tau / root * np.log((xh - xm) * (xp - P0) / ((xp - xh) * (P0 - xm)))
    return np.where(P0 < xh, t, np.nan)


def shallow_trajectory(t, s, a0, tau):
    """One-layer network: a(t) = s - (s - a0) exp(-t/tau) (exponential, no plateau)."""
    return s - (s - a0) * np.exp(-np.asarray(t, float) / tau)


def tree_singular_values(depth: int) -> np.ndarray:
    """Singular values of the one-feature-per-node binary tree, largest first."""
    vals = [np.sqrt(2 ** (depth + 1) - 1)]
    for m in range(depth):
        vals += [np.sqrt(2 ** (depth - m) - 1)] * 2**m
    return np.array(vals)


def truncation_rank(s, max_rank: int = 4, rtol: float = 1e-9) -> int:
    """Largest h <= max_rank that does not split a group of tied singular values."""
    s = np.asarray(s, float)
    for h in range(min(max_rank, len(s) - 1), 0, -1):
        if s[h - 1] - s[h] > rtol * s[0]:
            return h
    return 1


def input_output_modes(X, Y):
    """SVD of the input-output correlation Σ^yx = Y X^T (sums over items): (U, s, V)."""
    U, s, Vt = np.linalg.svd(np.asarray(Y) @ np.asarray(X).T, full_matrices=False)
    return U, s, Vt.T


# --------------------------------------------------------------------------- comparison
def _tau(ds):
    """Time constant per point: 1/lr (summed loss) or 1/(P lr) (mean loss)."""
    P = ds.n_items if ds.attrs["normalisation"] == "mean" else 1
    return 1 / (P * ds.lr)


def classical_mds(R: np.ndarray, dim: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS of the columns of R (items): coordinates (items, dim)."""
    D2 = ((R[:, :, None] - R[:, None, :]) ** 2).sum(axis=0)
    n = D2.shape[0]
    J = np.eye(n) - 1 / n
    B = -0.5 * J @ D2 @ J
    w, v = np.linalg.eigh(B)
    idx = np.argsort(w)[::-1][:dim]
    return v[:, idx] * np.sqrt(np.maximum(w[idx], 0))


def procrustes_align(A: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Rotate/reflect A (items, dim) onto ref (orthogonal Procrustes; no rescaling)."""
    from scipy.linalg import orthogonal_procrustes

    R, _ = orthogonal_procrustes(A, ref)
    return A @ R


def measured_half_times(step, a, s) -> np.ndarray:
    """First step at which each mode reaches s/2 (linear interpolation); NaN if never."""
    out = np.full(len(s), np.nan)
    for m in range(len(s)):
        y = a[:, m] - s[m] / 2
        i = np.flatnonzero(y >= 0)
        if i.size and i[0] > 0:
            k = i[0]
            out[m] = step[k - 1] + (step[k] - step[k - 1]) * (-y[k - 1]) / (y[k] - y[k - 1])
    return out


def add_theory(ds: xr.Dataset) -> xr.Dataset:
    """Closed-form trajectories and half-learning times beside the trained networks."""
    import xarray as xr

    ds = ds.copy()
    T = _tau(ds)
    a0 = ds.attrs["a0"]
    ds["tau"] = T.assign_attrs(long_name="time constant tau (1/lr summed; 1/(P lr) mean)",
                               **STEPS)
    ds["a_theory"] = xr.apply_ufunc(lambda t, s, T: mode_trajectory(t, s, a0, T), ds.step,
                                    ds.s, T)
    ds["a_theory"].attrs = {"long_name": "closed-form mode strength (two layers, aligned)",
                            "units": "1"}
    ds["a_shallow_theory"] = xr.apply_ufunc(lambda t, s, T: shallow_trajectory(t, s, a0, T),
                                            ds.step, ds.s, T)
    ds["a_shallow_theory"].attrs = {"long_name": "one-layer mode strength s-(s-a0)e^(-t/tau)",
                                    "units": "1"}
    ds["half_time_theory"] = xr.apply_ufunc(
        lambda s, T: np.where(s > 2 * a0, T / (2 * s) * np.log(np.abs(s / a0 - 1)), np.nan),
        ds.s, T).assign_attrs(long_name="half-learning time (tau/2s) ln(s/a0 - 1)", **STEPS)
    ht = xr.apply_ufunc(measured_half_times, ds.step, ds.a_aligned, ds.s,
                        input_core_dims=[["step"], ["step", "mode"], ["mode"]],
                        output_core_dims=[["mode"]], vectorize=True)
    ds["half_time"] = ht.assign_attrs(long_name="measured half-learning time, aligned run",
                                      **STEPS)
    # the exact discrete dynamics of the aligned runs (gradient descent, step by step)
    for run, depth in (("aligned", 2), ("deep3", 3), ("shallow", 1)):
        ds[f"a_{run}_discrete_theory"] = xr.apply_ufunc(
            lambda s, T, d=depth: discrete_mode_trajectory(ds.step.values, s, a0, float(T), d),
            ds.s, T, input_core_dims=[["mode"], []], output_core_dims=[["step", "mode"]],
            vectorize=True).assign_attrs(
            long_name=f"exact discrete gradient descent of the balanced aligned start, "
                      f"{depth} layer(s)", units="1")
    ds["a_deep3_theory"] = xr.apply_ufunc(
        lambda s, T: deep_mode_trajectory(ds.step.values, np.nan_to_num(s, nan=1.0), a0,
                                          float(T), 3) * np.where(np.isfinite(s), 1, np.nan),
        ds.s, T, input_core_dims=[["mode"], []], output_core_dims=[["step", "mode"]],
        vectorize=True).assign_attrs(long_name="closed form (continuous time) of a "
                                               "three-layer network, aligned start", units="1")
    ds["half_time_deep3_theory"] = xr.apply_ufunc(
        lambda s, T: np.where(np.isfinite(s) & (s > 2 * a0), deep_half_learning_time(
            np.where(np.isfinite(s) & (s > 2 * a0), s, 1.0), a0, float(T), 3), np.nan),
        ds.s, T, input_core_dims=[["mode"], []], output_core_dims=[["mode"]],
        vectorize=True).assign_attrs(long_name="half-learning time of a three-layer network "
                                               "(quadrature)", **STEPS)
    ds["half_time_deep3"] = xr.apply_ufunc(
        measured_half_times, ds.step, ds.a_deep3, ds.s,
        input_core_dims=[["step"], ["step", "mode"], ["mode"]], output_core_dims=[["mode"]],
        vectorize=True).assign_attrs(long_name="measured half-learning time, three-layer run",
                                     **STEPS)
    if "r1_start_random" in ds:
        ds["half_time_random"] = xr.apply_ufunc(
            measured_half_times, ds.step, ds.a_random, ds.s,
            input_core_dims=[["step"], ["step", "mode"], ["mode"]],
            output_core_dims=[["mode"]], vectorize=True).assign_attrs(
            long_name="measured half-learning time, random starts", **STEPS)
        for proj, name in ((False, ""), (True, "_projected")):
            ds[f"half_time_random{name}_theory"] = xr.apply_ufunc(
                lambda s, r1, r2, T, pr=proj: random_start_half_time(
                    np.nan_to_num(s, nan=0.0), np.nan_to_num(r1), np.nan_to_num(r2),
                    float(T), pr) * np.where(np.isfinite(s) & (s > 0.05), 1, np.nan),
                ds.s, ds.r1_start_random, ds.r2_start_random, T,
                input_core_dims=[["mode"], ["mode", "unit"], ["mode", "unit"], []],
                output_core_dims=[["mode"]], vectorize=True).assign_attrs(
                long_name="half-learning time of a random start, modes decoupled"
                          + (", stronger modes' hidden directions removed" if proj else ""),
                **STEPS)
    return ds


# ------------------------------------------------------------------------------- checks
#: failures that are understood science, not bugs: (regex of the check name, reason)
#: What a NaN or inf in the merged dataset means (non_finite_where says where).
NON_FINITE = {
    r"a_aligned|hidden_aligned|a_random|r1_start_random|r2_start_random|hidden_random"
    r"|a_shallow|a_deep3|a_tanh|s|a_truncated_end|best_rank_s|a_theory|a_shallow_theory"
    r"|half_time_theory|a_deep3_theory|half_time_deep3_theory|half_time_random_theory"
    r"|half_time_random_projected_theory":
        "padding: a tree of depth L has 2**L items and modes, so the modes, units and items "
        "beyond them are NaN in the merged grid of all depths",
    r"a_(aligned|deep3|shallow)_discrete_theory":
        "padding NaN for modes >= 2**tree_depth (except at step 0, where the recursion "
        "starts from a0)",
    r"half_time|half_time_deep3|half_time_random":
        "NaN for padded modes (>= 2**tree_depth), or for a mode that does not reach s/2 "
        "within the configured steps",
}

KNOWN_DEVIATIONS = (
    (r"random_start_half_time_L\d+_eps[\d.]+$",
     "the decoupled theory of a random start neglects the interaction of the leading mode "
     "with the weaker modes, which grow along random hidden directions during its plateau; "
     "the leading mode lags it by +0.12 % to +0.36 % of t1/2 (16 starts per point, SE "
     "0.01-0.1 %), the weakest modes by up to 20 % (docs/saxe.md section 4)"),
)


def euler_bound(s, tau):
    r"""First-order Euler error of t1/2: discrete gradient descent against the continuous theory.

    One step multiplies a small mode by :math:`(1 + s/\tau)^2` instead of
    :math:`e^{2s/\tau}`: the rate is low by a relative :math:`s/2\tau` to first order, so
    :math:`t_{1/2}` is late by at most that fraction, returned per mode. Along the
    trajectory a(t) is low by at most this times :math:`\ln(s/a_0-1)` relative (the rate
    error times the log growth to the midpoint). lr s_max = 1e-3 gives 5e-4.
    """
    x = np.asarray(s, float) / tau
    return 0.5 * x


def make_checks(ds: xr.Dataset) -> list[chk.Check]:
    """Training runs against the exact discrete dynamics and the continuous closed forms.

    * ``identity`` (code tests): the aligned two-layer, three-layer and one-layer runs
      against the exact scalar recursion of gradient descent on their modes (tolerance from
      float64 rounding; tests the network's gradients and the mode decoupling, step by
      step), and the continuous closed forms against the aligned runs within the derived
      first-order Euler error (trajectory and t1/2 of two layers, t1/2 of three layers);
    * ``reference``: the tree spectrum against sqrt(2^(L-m+1) - 1);
    * ``prediction``: t1/2 of the leading mode of the random starts against the decoupled
      theory with each start's own hidden vectors (SE over starts).
    """
    out = []
    a0 = ds.attrs["a0"]
    if 3 in ds.tree_depth.values and 0.0 in ds.flip_prob.values:
        s = ds.s.sel(tree_depth=3, flip_prob=0.0).dropna("mode").values
        ref = tree_singular_values(3)  # sqrt(15), sqrt(7), sqrt(3) x2, 1 x4
        mean = ds.attrs["normalisation"] == "mean"
        if mean:  # averaged correlations of sqrt(P)-whitened items: s / sqrt(P)
            s = s * np.sqrt(len(s))
        out.append(chk.within("tree_depth3_singular_values",
                              "SVD of the depth-3 tree data vs the closed form sqrt(2^(L-m+1)-1)"
                              ": sqrt(15), sqrt(7), sqrt(3) x2, 1 x4"
                              + (" (mean normalisation, times sqrt(P))" if mean else "")
                              + ": largest deviation", 0.0, float(np.abs(s - ref).max()),
                              1e-12 * float(ref[0])))
    random = []
    for L in ds.tree_depth.values:
        for e in ds.flip_prob.values:
            pt = ds.sel(tree_depth=L, flip_prob=e)
            modes = np.isfinite(pt.s.values) & (pt.s.values > 0.05)
            sv, T = pt.s.values[modes], float(pt.tau)
            for run, d in (("aligned", 2), ("deep3", 3), ("shallow", 1)):
                sim = pt[f"a_{run}"].isel(mode=modes)
                ex = pt[f"a_{run}_discrete_theory"].isel(mode=modes)
                out.append(chk.within(
                    f"discrete_dynamics_{run}_L{L}_eps{e:g}",
                    f"tree depth {L}, flip {e:g}, {d} layer(s), aligned balanced start: max "
                    "over steps and modes of |a_sim - a_exact| / a_exact, a_exact the scalar "
                    "recursion c <- c + c^(D-1)(s - c^D)/tau of each mode (tolerance: float64 "
                    f"rounding over {int(pt.step.max())} steps; an identity of the code)", 0.0,
                    float((np.abs(sim - ex) / ex).max()), 1e-10, kind="identity"))
            bt = euler_bound(sv, T)
            ba = bt * np.log(sv / a0 - 1)
            rel = (np.abs(pt.a_aligned - pt.a_theory) / pt.a_theory).isel(mode=modes).max(
                "step").values
            out.append(chk.at_most(
                f"aligned_trajectory_L{L}_eps{e:g}",
                f"tree depth {L}, flip {e:g}, two layers, aligned start: max over modes of "
                "max_t |a_sim - a_closed form| / a_closed form divided by its first-order "
                "Euler bound (s/2tau) ln(s/a0 - 1) (the continuous theory differs from "
                "discrete descent only by the step size)", 1.0, float((rel / ba).max()),
                kind="identity"))
            ht = pt.half_time.values[modes] / pt.half_time_theory.values[modes] - 1
            h3 = pt.half_time_deep3.values[modes] / pt.half_time_deep3_theory.values[modes] - 1
            for name, r, what in (("half_time", ht, "two layers, (tau/2s) ln(s/a0 - 1)"),
                                  ("deep3_half_time", h3, "three layers, Saxe et al. (2014) "
                                   "tau dot a = 3 a^(4/3)(s - a) by quadrature")):
                ok = np.isfinite(r)
                if not ok.any() and name == "deep3_half_time":
                    continue  # the run is shorter than the three-layer plateau: no data
                out.append(chk.at_most(
                    f"{name}_L{L}_eps{e:g}",
                    f"tree depth {L}, flip {e:g}: max over {int(ok.sum())} modes of |t1/2 "
                    f"measured / t1/2 theory - 1| divided by the Euler bound s/2tau ({what}; "
                    "aligned start)", 1.0,
                    float(np.max(np.abs(r[ok]) / bt[ok])) if ok.any() else np.inf,
                    kind="identity"))
            if "half_time_random_theory" in pt:
                d = (pt.half_time_random / pt.half_time_random_theory - 1).isel(mode=0)
                d = d.dropna("init_random")
                if d.size >= 2:  # else the run ended before the starts learned the mode
                    random.append((L, e, d))
    if random:
        n = min(x[2].sizes["init_random"] for x in random)
        z1 = chk.sidak(len(random), dof=n - 1)
        for L, e, d in random:
            m, se = chk.mean_se(d.values)
            out.append(chk.within_se(
                f"random_start_half_time_L{L}_eps{e:g}",
                f"tree depth {L}, flip {e:g}, leading mode, {d.size} small random starts: "
                "t1/2 measured / t1/2 of the decoupled theory with each start's own hidden "
                "vectors W1 v and W2^T u (not a0), mean and SE over starts; Sidak over "
                f"{len(random)}, Student t", 1.0, 1.0 + float(m), float(se), z1,
                dof=d.size - 1))
    return out
