"""Saxe deep-linear dynamics: closed forms, tree spectrum, training against theory."""

import numpy as np
import pytest
import xarray as xr

from memory_dynamics.analysis import saxe as th
from memory_dynamics.sim import saxe as ss
from memory_dynamics.studies.saxe import experiment


def test_closed_forms_and_published_values():
    assert th.half_learning_time(1.0, 1e-3, 1.0) == pytest.approx(3.453, abs=5e-4)
    t = th.half_learning_time(2.5, 1e-3, 7.0)
    assert th.mode_trajectory(t, 2.5, 1e-3, 7.0) == pytest.approx(1.25, rel=1e-12)
    assert th.mode_trajectory(0.0, 2.5, 1e-3, 7.0) == pytest.approx(1e-3)
    assert th.mode_trajectory(1e6, 2.5, 1e-3, 7.0) == pytest.approx(2.5)
    assert th.shallow_trajectory(0.0, 2.0, 0.1, 1.0) == pytest.approx(0.1)
    assert th.tau(0.01, 8, "sum") == 100 and th.tau(0.01, 8, "mean") == 12.5


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5])
def test_tree_spectrum(L):
    X, Y = ss.hierarchical_dataset(L)
    U, s, V = th.input_output_modes(X, Y)
    np.testing.assert_allclose(s, th.tree_singular_values(L), rtol=1e-12)
    if L == 3:
        np.testing.assert_allclose(s, [3.873, 2.646, 1.732, 1.732, 1, 1, 1, 1], atol=5e-4)


def test_aligned_training_follows_closed_form_and_sum_vs_mean():
    X, Y = ss.hierarchical_dataset(3)
    s = th.tree_singular_values(3)
    for norm in ("sum", "mean"):
        # "mean": Sigma's are averages; inputs whitened as averages (sqrt(P) X), tau = 1/(P lr)
        Xn, sn = (X, s) if norm == "sum" else (np.sqrt(8) * X, s / np.sqrt(8))
        lr = 2.5e-4 if norm == "sum" else 2.5e-4 / 8  # same stiffness lr * s_sum
        T = th.tau(lr, 8, norm)
        steps = int(3 * th.half_learning_time(sn.min(), 1e-3, T))
        ds = ss.train_linear_network(Xn, Y, 8, lr, steps, "aligned", seed=1, record_every=50,
                                     normalisation=norm)
        np.testing.assert_allclose(ds.s, sn, rtol=1e-12)
        s_run = sn
        a = th.mode_trajectory(ds.step.values[:, None], s_run[None, :], 1e-3, T)
        assert np.max(np.abs(ds.a.isel(init=0).values - a) / a) < 0.005
        ht = th.measured_half_times(ds.step.values, ds.a.isel(init=0).values, s_run)
        np.testing.assert_allclose(ht, th.half_learning_time(s_run, 1e-3, T), rtol=0.02)


def test_random_start_and_end_point_and_shallow():
    X, Y = ss.hierarchical_dataset(2)
    U, s, V = th.input_output_modes(X, Y)
    ds = ss.train_linear_network(X, Y, 2, 0.05, 4000, "random", seed=2, n_init=3,
                                 record_every=4000)
    best = (U[:, :2] * s[:2]) @ V[:, :2].T
    for n in range(3):
        M = ds.W_final.isel(init=n).values
        assert np.linalg.norm(M - best) / np.linalg.norm(best) < 1e-6
    sh = ss.train_linear_network(X, Y, [], 0.01, 300, "aligned", depth=1, seed=3,
                                 record_every=10)
    np.testing.assert_allclose(sh.a.isel(init=0), th.shallow_trajectory(
        sh.step.values[:, None], s[None, :], 1e-3, 100.0), rtol=0.03)


def test_learning_rate_above_stable_limit_is_an_error_not_nan():
    X, Y = ss.hierarchical_dataset(3)
    with pytest.raises(ValueError, match="learning rate too large"):
        ss.train_linear_network(X, Y, 8, 0.3, 10)  # 0.3 * 3.873 > 1
    # three layers need a smaller rate than two: 1.5 lr s (s/c)^(1/3) < 1 (here 1.5 * 0.2 *
    # 3.873 * 1.57 = 1.82) although lr s = 0.77 is stable for two layers
    ss.train_linear_network(X, Y, 8, 0.2, 10)
    with pytest.raises(ValueError, match="depth 3"):
        ss.train_linear_network(X, Y, 8, 0.2, 10, depth=3)
    with pytest.raises(ValueError, match="hidden sizes"):
        ss.train_linear_network(X, Y, [8, 8], 0.01, 10, depth=2)
    with pytest.raises(ValueError, match="phi"):
        ss.train_linear_network(X, Y, 8, 0.01, 10, phi="tanh", depth=3)


def test_step_stiffness_is_the_divergence_threshold():
    """One mode (s = 5, Sigma^x = 2): just below lr * stiffness = 1 the three-layer descent
    converges to a = s/c, just above it the deviation grows (the Hessian eigenvalue of
    ss.step_stiffness)."""
    s, c = 5.0, 2.0
    lr1 = 1 / ss.step_stiffness(s, c, 3)
    end = {}
    for f in (0.95, 1.05):
        Ws = [np.full((1, 1, 1), (s / c) ** (1 / 3) * (1 + 1e-3))] * 3  # near the fixed point
        for _ in range(400):
            Ws = ss._linear_step(Ws, s - ss._product(Ws) * c, f * lr1)
        end[f] = abs(ss._product(Ws).item() - s / c)
    assert end[0.95] < 1e-6 < 1e-2 < end[1.05]


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 7])
def test_tree_top_singular_value_closed_form(depth):
    """The config check's closed form against the SVD of the drawn tree."""
    from memory_dynamics.sim.limits import tree_top_singular_value

    top = np.linalg.svd(ss.hierarchical_dataset(depth)[1], compute_uv=False)[0]
    assert tree_top_singular_value(depth) == pytest.approx(top, rel=1e-12)


def test_point_reproducible_and_mds_tools():
    settings = dict(n_features=20, lr_smax=2e-3, steps=600, record_every=60, a0=1e-3,
                    n_seeds=2, normalisation="sum")
    a = experiment.simulate_point({"tree_depth": 2, "flip_prob": 0.1}, settings, [5])
    b = experiment.simulate_point({"tree_depth": 2, "flip_prob": 0.1}, settings, [5])
    xr.testing.assert_identical(a, b)
    assert float(a.truncated_rel_error) < 1e-3
    pts = np.array([[0.0, 0], [1, 0], [0, 2]])
    Y = th.classical_mds(pts.T)
    D = lambda P: np.linalg.norm(P[:, None] - P[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(D(Y), D(pts), atol=1e-12)
    R = np.array([[0.0, -1], [1, 0]])
    np.testing.assert_allclose(th.procrustes_align(pts @ R, pts), pts, atol=1e-12)


def test_sgd_follows_full_batch_on_average():
    X, Y = ss.hierarchical_dataset(2)
    full = ss.train_linear_network(X, Y, 4, 0.01, 1500, "aligned", seed=6, record_every=50)
    sgd = ss.train_linear_network(X, Y, 4, 0.01, 1500, "aligned", seed=6, record_every=50,
                                  batch_size=2)
    a_f, a_s = full.a.isel(init=0).values, sgd.a.isel(init=0).values
    assert not np.allclose(a_f, a_s)  # it is stochastic
    np.testing.assert_allclose(a_s[-1], a_f[-1], rtol=0.05)  # both reach the modes
    with pytest.raises(ValueError, match="batch_size"):
        ss.train_linear_network(X, Y, 4, 0.01, 10, batch_size=9)


def test_random_start_half_time_against_the_ode():
    """The decoupled closed form of an unbalanced, unaligned start (also a negative one)
    against a direct integration of tau r1' = (s - a) r2, tau r2' = (s - a) r1."""
    from scipy import integrate

    rng = np.random.default_rng(2)
    s, tau = 2.0, 3.0
    for _ in range(3):
        r1, r2 = 0.03 * rng.standard_normal(6), 0.03 * rng.standard_normal(6)
        if _ == 0:
            r2 = -r1 + 0.01 * rng.standard_normal(6)  # a(0) < 0
        assert _ > 0 or r1 @ r2 < 0

        def f(t, y):
            a = y[:6] @ y[6:]
            return np.r_[(s - a) * y[6:], (s - a) * y[:6]] / tau

        half = lambda t, y: y[:6] @ y[6:] - s / 2  # noqa: E731
        half.terminal = True
        sol = integrate.solve_ivp(f, (0, 1e3), np.r_[r1, r2], events=half, rtol=1e-11,
                                  atol=1e-14, method="DOP853")
        t_ode = sol.t_events[0][0]
        t_th = th.random_start_half_time(np.array([s]), r1[None], r2[None], tau)[0]
        assert t_th == pytest.approx(t_ode, rel=1e-7)
    # balanced aligned start: the scalar closed form
    r = np.zeros((1, 4))
    r[0, 0] = np.sqrt(1e-3)
    assert th.random_start_half_time(np.array([1.0]), r, r, 1.0)[0] == pytest.approx(
        th.half_learning_time(1.0, 1e-3, 1.0), rel=1e-12)


def test_discrete_and_deep_theory():
    """The scalar recursion of gradient descent approaches the continuous closed forms as the
    step shrinks (within the first-order Euler bound), for two and three layers."""
    s, a0 = np.array([1.0, 0.5]), 1e-3
    for tau in (1e3, 1e4):
        t = np.arange(0, int(12 * tau) + 1, int(tau // 10))
        d = th.discrete_mode_trajectory(t, s, a0, tau, 2)
        c = th.mode_trajectory(t[:, None], s, a0, tau)
        bound = 0.5 * (s / tau) * np.log(s / a0 - 1)
        assert np.all(np.abs(d - c) / c <= bound)
        d3 = th.discrete_mode_trajectory(t, s, a0, tau, 3)
        c3 = th.deep_mode_trajectory(t, s, a0, tau, 3)
        assert np.nanmax(np.abs(d3 - c3) / c3) < 3 * s.max() / tau  # 2.4 s/tau measured
    assert th.deep_half_learning_time([1.0], a0, 1.0, 2)[0] == pytest.approx(
        th.half_learning_time(1.0, a0, 1.0), rel=1e-10)
