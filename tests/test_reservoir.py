"""Echo-state memory capacity: exact linear theory, readout estimator, bounds, seeds."""

import numpy as np
import pytest
import xarray as xr

from memory_dynamics import observables
from memory_dynamics.analysis import fisher
from memory_dynamics.analysis import reservoir as th
from memory_dynamics.config import settings_of, validate
from memory_dynamics.sim import reservoir as sr
from memory_dynamics.studies.reservoir import experiment


def test_exact_memory_curve_against_independent_computation():
    """m(k) from the doubling solver vs a brute-force sum over the input history."""
    rng = np.random.default_rng(0)
    W = 0.9 * sr.reservoir_matrix("gaussian", 12, rng)
    v = rng.standard_normal(12)
    m = th.linear_memory_function(W, v, eps=0.05, sigma2=2.0, k_max=30)
    wk = np.stack([np.linalg.matrix_power(W, k) @ v for k in range(3000)], axis=1)
    C = sum(0.05 * np.linalg.matrix_power(W, k) @ np.linalg.matrix_power(W, k).T
            for k in range(3000))
    Sx = 2.0 * wk @ wk.T + C
    np.testing.assert_allclose(m, 2.0 * np.einsum("ik,ik->k", wk[:, :31],
                                                  np.linalg.solve(Sx, wk[:, :31])), rtol=1e-8)


def test_noise_free_full_rank_reaches_N_and_noise_lowers_it():
    rng = np.random.default_rng(1)
    W = 0.9 * sr.reservoir_matrix("orthogonal", 10, rng)
    v = rng.standard_normal(10)
    m0 = th.linear_memory_function(W, v, eps=0.0, k_max=2000)
    assert m0.sum() == pytest.approx(10, abs=1e-6)
    assert th.linear_memory_function(W, v, eps=0.01, k_max=2000).sum() < 10
    # bounded by the Fisher memory of the same network
    J = fisher.fisher_memory_curve(W, v, 50, eps=0.01)
    assert np.all(th.linear_memory_function(W, v, 0.01, 1.0, 50) <= J + 1e-12)


def test_simulated_linear_memory_within_tolerance_and_bound():
    rng = np.random.default_rng(2)
    N, T = 20, 100_000
    W = 0.9 * sr.reservoir_matrix("orthogonal", N, rng)
    v = rng.standard_normal(N)
    v /= np.linalg.norm(v)
    u = rng.uniform(-np.sqrt(3), np.sqrt(3), T)
    X = sr.run_reservoir(W, v, u, "linear", noise=0.01, seed=3)
    mc = observables.memory_function(X, u, 60, washout=500)
    exact = th.linear_memory_function(W, v, 0.01, 1.0, 60)
    assert np.max(np.abs(mc - exact)) < 0.01  # T = 1e5 (the study uses 2e5 for 0.005)
    assert mc.sum() <= N


def test_batched_sweep_matches_single_runs_and_is_reproducible():
    rng = np.random.default_rng(4)
    N, T = 15, 20_000
    W1 = np.stack([sr.reservoir_matrix("sparse", N, r, density=0.3) for r in rng.spawn(2)])
    V = rng.standard_normal((2, N))
    u = rng.uniform(-1, 1, T)
    res = sr.memory_sweep(W1, V, [0.6, 0.9], u, "tanh", 0.0, 20, washout=200,
                          test_fraction=0.5)
    X = sr.run_reservoir(0.9 * W1[1], V[1], u, "tanh")
    single = observables.memory_function(X, u, 20, washout=200, test_fraction=0.5)
    np.testing.assert_allclose(res["held_out"][1, 1], single, atol=1e-8)
    res2 = sr.memory_sweep(W1, V, [0.6, 0.9], u, "tanh", 0.0, 20, washout=200,
                           test_fraction=0.5)
    np.testing.assert_array_equal(res["held_out"], res2["held_out"])


def test_readout_matches_direct_least_squares():
    """Held-out r^2 from the moment solver vs lstsq with intercept on the raw states."""
    rng = np.random.default_rng(5)
    N, T, K, wash = 8, 3000, 6, 100
    X = sr.run_reservoir(0.8 * sr.reservoir_matrix("gaussian", N, rng), rng.standard_normal(N),
                         u := rng.uniform(-1, 1, T), "tanh", noise=1e-3, seed=6)
    mc = observables.memory_function(X, u, K - 1, washout=wash, test_fraction=0.4)
    split = T - int(0.4 * (T - wash))
    tr, te = np.arange(max(wash, K - 1), split), np.arange(split, T)
    for k in range(K):
        A = np.column_stack([X[tr], np.ones(len(tr))])
        coef = np.linalg.lstsq(A, u[tr - k], rcond=None)[0]
        y = np.column_stack([X[te], np.ones(len(te))]) @ coef
        assert mc[k] == pytest.approx(np.corrcoef(y, u[te - k])[0, 1] ** 2, abs=1e-9)


def test_one_input_series_per_seed():
    """u of shape (n_seeds, T): every seed's result equals its own run on its own series."""
    rng = np.random.default_rng(7)
    N, T = 10, 8000
    W1 = np.stack([sr.reservoir_matrix("orthogonal", N, r) for r in rng.spawn(3)])
    V = rng.standard_normal((3, N))
    U = rng.uniform(-1, 1, (3, T))
    res = sr.memory_sweep(W1, V, [0.5, 0.9], U, "linear", 0.0, 15, washout=100)
    for s in range(3):
        one = sr.memory_sweep(W1[s:s + 1], V[s:s + 1], [0.5, 0.9], U[s], "linear", 0.0, 15,
                              washout=100)
        for key in ("held_out", "in_sample", "corrected"):
            np.testing.assert_allclose(res[key][s], one[key][0], atol=1e-10)
    with pytest.raises(ValueError, match="n_seeds = 3"):
        sr.memory_sweep(W1, V, [0.5], U[:2], "linear", 0.0, 15, washout=100)


def test_point_reproducible():
    settings = dict(settings_of(validate({}), "reservoir"), rho=[0.5, 0.9], n_seeds=2,
                    T=5000, washout=100, k_max=20, kind="orthogonal", ridge=0.0,
                    test_fraction=0.5)
    a = experiment.simulate_point({"phi": "linear", "N": 10, "input_scale": 1.0, "noise": 0.01},
                          settings, [3])
    b = experiment.simulate_point({"phi": "linear", "N": 10, "input_scale": 1.0, "noise": 0.01},
                          settings, [3])
    xr.testing.assert_identical(a, b)
    assert np.isfinite(a.memory_function_linear_theory).all()


def test_bad_input():
    W = 0.5 * np.eye(3)
    with pytest.raises(ValueError, match="noise"):
        sr.run_reservoir(W, np.ones(3), np.zeros(10), noise=-1.0)
    with pytest.raises(ValueError, match="k_max"):
        observables.memory_function(np.zeros((100, 3)), np.zeros(100), 80, washout=10)
    with pytest.raises(ValueError, match="spectral radius"):
        th.linear_memory_function(1.01 * np.eye(3), np.ones(3), eps=0.1)
    with pytest.raises(ValueError, match="unknown reservoir kind"):
        sr.reservoir_matrix("ring", 5, 1)


def test_noise_free_exact_memory_is_N_or_flagged():
    """Noise free: the exact curve sums to N (controllability rank) where float64 resolves the
    covariance, and is NaN (never 0) where it does not."""
    from memory_dynamics.analysis.reservoir import noise_free_memory
    from memory_dynamics.sim.reservoir import reservoir_matrix

    rng = np.random.default_rng(3)
    W1 = reservoir_matrix("orthogonal", 20, rng)
    v = rng.standard_normal(20)
    v /= np.linalg.norm(v)
    good = noise_free_memory(0.9 * W1, v, k_max=60)
    assert good["resolvable"] and good["controllable"]
    assert good["total"] == pytest.approx(20, abs=1e-6)
    assert good["curve"].sum() <= 20 + 1e-6  # truncated at k_max: at most N
    bad = noise_free_memory(0.3 * W1, v, k_max=60)
    assert not bad["resolvable"] and np.isnan(bad["curve"]).all() and np.isnan(bad["total"])
    assert bad["limit"] == 20 and 0 < bad["precision_estimate"] < 20
    # an uncontrollable pair: v on half of the eigenvectors only
    D = np.diag(np.linspace(0.1, 0.8, 6))
    assert not noise_free_memory(D, np.r_[1.0, 1, 1, 0, 0, 0], k_max=30)["controllable"]


def test_adjusted_r2_is_unbiased_where_the_memory_is_tiny():
    """OLS on n samples of N regressors with population R^2 = m: the adjusted in-sample r^2 is
    unbiased, the held-out one is not (m ~ N/n)."""
    from memory_dynamics.analysis.reservoir import adjusted_r2

    rng = np.random.default_rng(0)
    N, n, m = 20, 4000, 0.004
    beta = np.zeros(N)
    beta[0] = np.sqrt(m / (1 - m))
    adj, held = [], []
    for _ in range(300):
        X, Xt = rng.standard_normal((n, N)), rng.standard_normal((n, N))
        y, yt = X @ beta + rng.standard_normal(n), Xt @ beta + rng.standard_normal(n)
        w = np.linalg.lstsq(X, y, rcond=None)[0]
        adj.append(adjusted_r2(np.corrcoef(X @ w, y)[0, 1] ** 2, N, n))
        held.append(np.corrcoef(Xt @ w, yt)[0, 1] ** 2)
    se = np.std(adj) / np.sqrt(len(adj))
    assert abs(np.mean(adj) - m) < 4 * se
    assert np.mean(held) < m - 4 * np.std(held) / np.sqrt(len(held))
