"""Fisher ensembles and the simulated (empirical) Fisher memory against exact theory."""

import numpy as np
import pytest
import xarray as xr

from memory_dynamics.analysis import fisher as f
from memory_dynamics.sim import fisher as sf
from memory_dynamics.studies.fisher import experiment


def test_ensembles_have_their_defining_properties():
    rng = np.random.default_rng(0)
    W = sf.orthogonal(30, 0.8, rng)
    np.testing.assert_allclose(W @ W.T, 0.8 * np.eye(30), atol=1e-12)
    S, _, rej = sf.make_network("symmetric", 300, 0.9, rng)
    np.testing.assert_array_equal(S, S.T)
    # semicircle radius sqrt(alpha) (edge within a few N^(-2/3))
    assert np.max(np.abs(np.linalg.eigvalsh(S))) == pytest.approx(np.sqrt(0.9), abs=0.05)
    R = sf.delay_ring(5, 0.5)
    np.testing.assert_allclose(R @ R.T, 0.5 * np.eye(5))
    L = sf.delay_line(5, 4.0)
    assert L[1, 0] == 2.0 and np.count_nonzero(L) == 4
    assert not np.any(np.linalg.matrix_power(L, 5))
    draws = [sf.gaussian(20, 1.0, rng) for _ in range(10)]  # at alpha = 1 many are unstable
    assert sum(r for _, r in draws) > 0
    assert all(np.max(np.abs(np.linalg.eigvals(G))) < 1 for G, _ in draws)
    with pytest.raises(ValueError, match="unknown ensemble"):
        sf.make_network("banana", 5, 0.5, rng)
    with pytest.raises(ValueError, match="conjugate pairs"):
        sf.normal_with_spectrum([0.5 + 0.1j, 0.2], rng)


@pytest.mark.parametrize("ensemble, N, alpha", [("orthogonal", 20, 0.9),
                                                ("gaussian", 20, 0.9),
                                                ("delay_line", 15, 1.2),
                                                ("symmetric", 20, 0.95)])
def test_simulated_linear_network_within_standard_errors(ensemble, N, alpha):
    W, v, _ = sf.make_network(ensemble, N, alpha, seed=[1, N])
    lags = [0, 1, 3, 9]
    J = f.fisher_memory_curve(W, v, 9)[lags]
    est, se = sf.empirical_fisher_memory(W, v, 1.0, lags, 100_000, seed=[2, N])[:2]
    z = (est - J) / se
    assert np.all(np.abs(z) < 3), z
    assert np.all(se / J < 0.1) and np.all(se > 0)  # 0.3-6 % at these lags


def test_tanh_network_at_small_noise_matches_linear_theory():
    W, v, _ = sf.make_network("orthogonal", 20, 0.9, seed=3)
    lags = [1, 4, 16]
    J = f.fisher_memory_curve(W, v, 16)[lags]
    est, se, rms, _ = sf.empirical_fisher_memory(W, v, 1e-6, lags, 100_000, seed=4,
                                                 phi="tanh")
    assert rms < 0.01  # the linear regime
    assert np.all(np.abs(est - J) < 3 * se), (est - J) / se
    # at large noise the tanh network is far from linear: the comparison can fail
    big, big_se, _, _ = sf.empirical_fisher_memory(W, v, 0.5, lags, 100_000, seed=4,
                                                   phi="tanh")
    assert np.any(np.abs(big - J) > 10 * big_se)


def test_standard_error_shrinks_as_one_over_root_n():
    W, v, _ = sf.make_network("gaussian", 15, 0.8, seed=5)
    # the jackknife SE of 10 groups scatters by ~25 %: average it over a few runs
    se1 = np.mean([sf.empirical_fisher_memory(W, v, 1.0, [2], 20_000, seed=[6, i])[1]
                   for i in range(6)])
    se4 = np.mean([sf.empirical_fisher_memory(W, v, 1.0, [2], 320_000, seed=[7, i])[1]
                   for i in range(6)])
    assert se1 / se4 == pytest.approx(4, rel=0.3)


def test_simulate_point_reproducible_and_complete():
    settings = dict(n_networks=3, k_max=50, lags=[1, 5], simulate_N=[12], n_samples=20_000,
                    tanh_eps=[1e-6, 1e-2])
    point = {"ensemble": "gaussian", "N": 12, "alpha": 0.9}
    a = experiment.simulate_point(point, settings, [7, 1])
    b = experiment.simulate_point(point, settings, [7, 1])
    xr.testing.assert_identical(a, b)
    assert np.isfinite(a.J_sim).all() and np.isfinite(a.J_sim_tanh).all()
    np.testing.assert_allclose(a.trace_Js, 12, rtol=1e-10)
    c = experiment.simulate_point({"ensemble": "gaussian", "N": 12, "alpha": 0.9},
                          dict(settings, simulate_N=[]), [7, 1])
    assert np.isnan(c.J_sim).all()  # not simulated: flagged as NaN, never plotted
    xr.testing.assert_identical(a.J, c.J)


def test_unstable_or_bad_input_rejected():
    with pytest.raises(ValueError, match="does not forget"):
        sf.empirical_fisher_memory(np.eye(3), np.ones(3), 1.0, [1], 1000, seed=1)
    with pytest.raises(ValueError, match="phi"):
        sf.empirical_fisher_memory(0.5 * np.eye(3), np.ones(3), 1.0, [1], 1000, seed=1,
                                   phi="relu")


def test_integer_k_max_means_every_lag():
    W, v, _ = sf.make_network("orthogonal", 10, 0.8, seed=8)
    est, se = sf.empirical_fisher_memory(W, v, 1.0, 3, 20_000, seed=9)[:2]
    assert est.shape == se.shape == (4,)
