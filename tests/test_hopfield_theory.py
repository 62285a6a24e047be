"""Hopfield theory against the published numbers (docs/hopfield.md §2) and brute force."""

import itertools

import numpy as np
import pytest

from memory_dynamics.analysis import hopfield as th


@pytest.mark.parametrize("alpha, p_err", [(0.105, 0.001), (0.138, 0.0036), (0.185, 0.01),
                                          (0.37, 0.05), (0.61, 0.1)])
def test_one_step_error_large_N_matches_hkp_table_2_1(alpha, p_err):
    # the table's alphas are rounded to 2-3 digits: compare in alpha, not in p
    assert th.one_step_error(alpha) == pytest.approx(p_err, rel=0.06)
    assert th.alpha_at_one_step_error(p_err) == pytest.approx(alpha, abs=0.006)


def test_one_percent_error_at_0185():
    assert th.alpha_at_one_step_error(0.01) == pytest.approx(0.1848, abs=1e-4)
    assert th.one_step_error(th.alpha_at_one_step_error(0.01)) == pytest.approx(0.01, rel=1e-9)


def test_kept_diagonal_one_step_error():
    assert th.one_step_error(0.185, zero_diagonal=False) == pytest.approx(0.0029, abs=5e-5)
    a = th.alpha_at_one_step_error(0.001, zero_diagonal=False)
    assert th.one_step_error(a, zero_diagonal=False) == pytest.approx(0.001, rel=1e-9)
    with pytest.raises(ValueError, match="never exceeds"):
        th.alpha_at_one_step_error(0.05, zero_diagonal=False)


def test_finite_N_exact_tends_to_gaussian_and_large_N():
    exact = th.one_step_error(0.15, 4000)
    gauss = th.one_step_error(0.15, 4000, exact=False)
    assert exact == pytest.approx(gauss, rel=0.01)
    assert th.one_step_error(0.15, 10**6) == pytest.approx(th.one_step_error(0.15), rel=0.002)
    # finite-N Gaussian form (docs/hopfield.md §2)
    N, P = 1000, 150
    assert gauss == pytest.approx(th.stats.norm.cdf(-np.sqrt(3999 / 599)), rel=1e-12)
    assert th.one_step_error(P / N, N, exact=False) == pytest.approx(
        th.stats.norm.cdf(-np.sqrt((N - 1) / (P - 1))), rel=1e-12)


def _brute_force_error(N, P, zero_diagonal):
    """Exact flip probability of bit (0, pattern 0) by enumerating every pattern set."""
    flips = 0
    total = 0
    for bits in itertools.product((-1, 1), repeat=N * P):
        xi = np.array(bits).reshape(P, N)
        W = xi.T @ xi
        if zero_diagonal:
            np.fill_diagonal(W, 0)
        h = W[0] @ xi[0]
        flips += xi[0, 0] * h < 0
        total += 1
    return flips / total


@pytest.mark.parametrize("N, P, zero", [(4, 3, True), (5, 3, True), (3, 4, True),
                                        (4, 3, False), (5, 3, False)])
def test_finite_N_binomial_form_is_exact(N, P, zero):
    assert th.one_step_error(P / N, N, zero) == pytest.approx(
        _brute_force_error(N, P, zero), abs=1e-12)


def test_ags_critical_capacity_and_overlaps():
    ac = th.critical_capacity()
    assert ac == pytest.approx(0.1379, abs=2e-4)
    assert th.ags_overlap(ac - 1e-7) == pytest.approx(0.967, abs=1e-3)
    assert th.ags_overlap(0.10) == pytest.approx(0.9980, abs=2e-4)
    assert th.ags_overlap(0.12) == pytest.approx(0.9932, abs=2e-4)
    assert th.ags_overlap(ac + 1e-4) == 0.0
    m = th.ags_overlap(np.array([0.02, 0.05, 0.1, 0.13]))
    assert np.all(np.diff(m) < 0) and m.shape == (4,)
    # the root solves the AGS equation
    y = th._ags_y(0.1)
    assert th._ags_residual(y, 0.1) == pytest.approx(0, abs=1e-12)


def test_mceliece_loads():
    assert 1000 * th.perfect_recall_load(1000) == pytest.approx(72.38, abs=0.01)
    assert 1000 * th.perfect_recall_load(1000, all_patterns=True) == pytest.approx(36.19,
                                                                                 abs=0.01)


def test_crossing_interpolates():
    x = np.array([0.1, 0.2, 0.3])
    assert th.crossing(x, np.array([0.001, 0.01, 0.1]), 0.01, log=True) == pytest.approx(0.2)
    assert th.crossing(x, np.array([1.0, 0.6, 0.2]), 0.8) == pytest.approx(0.15)
    assert np.isnan(th.crossing(x, np.array([0.5, 0.6, 0.7]), 0.9))
