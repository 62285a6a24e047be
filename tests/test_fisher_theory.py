"""Fisher memory theory: closed forms, identities and published values (docs/fisher.md §2)."""

import numpy as np
import pytest
import scipy.linalg as sla

from memory_dynamics.analysis import fisher as f
from memory_dynamics.sim import fisher as sf


def test_delay_line_published_totals_and_general_formula():
    assert f.delay_line_total(100, 0.9) == pytest.approx(3.0096, abs=5e-5)
    assert f.delay_line_total(100, 1.1) == pytest.approx(11.906, abs=5e-4)
    for a in (0.5, 0.9, 1.0, 1.1, 2.0):
        W, v = sf.delay_line(100, a), np.eye(100)[0]
        J = f.fisher_memory_curve(W, v, 120)
        np.testing.assert_allclose(J, f.delay_line_fisher(100, a, 120), rtol=1e-10, atol=0)
        assert J[100:].max() == 0  # nilpotent: nothing is remembered beyond N
        assert f.total_fisher_memory(W, v) == pytest.approx(f.delay_line_total(100, a),
                                                            rel=1e-10)


def test_overflow_prone_amplifying_chain():
    """N = 1000, alpha = 1.1: C_n spans 1 .. 1e41, yet J_tot is the closed form."""
    N, a = 1000, 1.1
    W, v = sf.delay_line(N, a), np.eye(N)[0]
    C = f.noise_covariance(W)
    assert np.all(np.isfinite(C)) and C.max() > 1e40
    assert f.total_fisher_memory(W, v) == pytest.approx(f.delay_line_total(N, a), rel=1e-10)
    J = f.fisher_memory_curve(W, v, N + 10)
    np.testing.assert_allclose(J, f.delay_line_fisher(N, a, N + 10), rtol=1e-10, atol=0)
    assert np.trace(f.spatial_fisher_matrix(W)) == pytest.approx(N, rel=1e-12)


def test_scaled_orthogonal_and_sum_rule():
    rng = np.random.default_rng(1)
    for a in (0.3, 0.9, 0.999):
        W = sf.orthogonal(40, a, rng)
        v = sf.random_input(40, rng)
        np.testing.assert_allclose(f.fisher_memory_curve(W, v, 200),
                                   f.orthogonal_fisher(a, 200), atol=1e-12)
        assert f.total_fisher_memory(W, v) == pytest.approx(1.0, abs=1e-9)


def test_normal_closed_form_matches_general_formula():
    rng = np.random.default_rng(2)
    W, v, _ = sf.make_network("symmetric", 60, 0.95, rng)
    lam, V = np.linalg.eigh(W)
    np.testing.assert_allclose(f.fisher_memory_curve(W, v, 300),
                               f.fisher_memory_curve_normal(lam, V.T @ v, 300),
                               rtol=1e-9, atol=1e-14)
    assert f.total_fisher_memory(W, v) == pytest.approx(1.0, abs=1e-9)
    # complex spectrum: a normal matrix with conjugate pairs
    lam = np.array([0.9, -0.5, 0.6 + 0.7j, 0.6 - 0.7j, 0.1j * 9, -0.9j])
    W = sf.normal_with_spectrum(lam, rng)
    np.testing.assert_allclose(W @ W.T, W.T @ W, atol=1e-12)
    assert f.total_fisher_memory(W, sf.random_input(6, rng)) == pytest.approx(1.0, abs=1e-9)


def test_lyapunov_solution_and_trace_identity():
    rng = np.random.default_rng(3)
    W, v, _ = sf.make_network("gaussian", 80, 0.95, rng)
    C = f.noise_covariance(W, eps=0.3)
    np.testing.assert_allclose(C, W @ C @ W.T + 0.3 * np.eye(80), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(C, sla.solve_discrete_lyapunov(W, 0.3 * np.eye(80)),
                               rtol=1e-9)
    Js = f.spatial_fisher_matrix(W)
    assert np.trace(Js) == pytest.approx(80, abs=1e-8)
    vopt, jopt = f.optimal_input(W)
    assert f.total_fisher_memory(W, vopt) == pytest.approx(jopt, rel=1e-10)
    assert f.total_fisher_memory(W, v) <= jopt <= 80
    # J_tot is the infinite sum of J(k)
    assert f.fisher_memory_curve(W, v, 3000).sum() == pytest.approx(
        f.total_fisher_memory(W, v), rel=1e-9)


def test_symmetric_ensemble_theory():
    J = f.symmetric_ensemble_fisher(0.99, 20000)
    assert J.sum() == pytest.approx(1.0, abs=1e-4)
    assert J[0] == pytest.approx(1 - 0.99 / 4, rel=1e-12)  # 1 - <lambda^2> = 1 - alpha/4
    k = np.arange(20001.0)
    edge = f.symmetric_ensemble_fisher(1.0, 20000)
    assert f.loglog_slope(k, edge, (2000, 20000)) == pytest.approx(-2.5, abs=0.002)


def test_gaussian_ensemble_total_memory_values():
    """N = 100, alpha = 0.99: mean J_tot ~ 1.0 (random v) and ~ 3.8 (optimal v)."""
    rng = np.random.default_rng(4)
    rand, opt, rejected = [], [], 0
    for _ in range(24):
        W, v, r = sf.make_network("gaussian", 100, 0.99, rng)
        rejected += r
        rand.append(f.total_fisher_memory(W, v))
        opt.append(f.optimal_input(W)[1])
    for vals, target in ((rand, 1.0), (opt, 3.8)):
        se = np.std(vals, ddof=1) / np.sqrt(len(vals))
        assert np.mean(vals) == pytest.approx(target, abs=3 * se + 0.05)  # 0.05: rounding
    assert rejected > 0


def test_memory_curve_exact_and_linked_to_fisher():
    rng = np.random.default_rng(5)
    W, v, _ = sf.make_network("orthogonal", 30, 0.9, rng)
    m = f.memory_curve(W, v, eps=0.01, sigma2=1.0, k_max=400)
    # independent computation: explicit sums
    wk = f.krylov(W, v, 2000)
    Sx = wk @ wk.T + f.noise_covariance(W, 0.01)
    np.testing.assert_allclose(m, np.einsum("ik,ik->k", wk[:, :401],
                                            np.linalg.solve(Sx, wk[:, :401])), rtol=1e-8)
    assert m.sum() <= 30
    # weak signals: m(k) / sigma^2 -> J(k) (noise eps = 1)
    tiny = f.memory_curve(W, v, eps=1.0, sigma2=1e-9, k_max=50) / 1e-9
    np.testing.assert_allclose(tiny, f.fisher_memory_curve(W, v, 50), rtol=1e-6)


@pytest.mark.parametrize("W, v, match", [
    (1.01 * np.eye(3), np.ones(3), "spectral radius of W is 1.01"),
    (np.eye(3), np.ones(3), "spectral radius"),
    (np.ones((2, 3)), np.ones(2), "square"),
    (np.array([[0.1, np.nan], [0, 0.1]]), np.ones(2), "non-finite"),
    (0.5 * np.eye(3), np.zeros(3), "zero vector"),
    (0.5 * np.eye(3), np.ones(2), "length N"),
])
def test_bad_input_is_named(W, v, match):
    with pytest.raises(ValueError, match=match):
        f.fisher_memory_curve(W, v, 5)
