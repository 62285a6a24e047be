"""Gradient-norm decay: mean-field values, simulation against theory, bounds, the LSTM CEC."""

import numpy as np
import pytest
import xarray as xr

from memory_dynamics.analysis import gradients as th
from memory_dynamics.sim import gradients as sg
from memory_dynamics.studies.gradients import experiment


@pytest.mark.parametrize("g, su, q, chi, rate", [
    (0.9, 0.0, 0.0, 0.81, np.log(0.9)),
    (1.5, 0.0, 0.793, 1.139, 0.065),
    (1.5, 0.5, None, 0.967, -0.017),
    (1.0, 1.0, None, 0.399, -0.460),
])
def test_mean_field_values_of_science_md(g, su, q, chi, rate):
    q_star, c, r = th.mean_field_rate(g, su, "tanh")
    if q is not None:
        assert q_star == pytest.approx(q, abs=5e-4)
    assert c == pytest.approx(chi, abs=5e-4)
    assert r == pytest.approx(rate, abs=5e-4)


def test_mean_field_linear_and_logistic():
    assert th.mean_field_rate(0.8, 1.0, "linear") == pytest.approx(
        (1 / (1 - 0.64), 0.64, np.log(0.8)))
    q, chi, _ = th.mean_field_rate(2.0, 0.0, "logistic")
    assert q == pytest.approx(4 * th._gauss_mean(lambda a: th.special.expit(a) ** 2, q),
                              rel=1e-10)
    assert th.critical_gain(0.0) == pytest.approx(1.0, abs=1e-4)  # critical slowing of q*
    assert th.critical_gain(0.5) > 1.5
    with pytest.raises(ValueError, match="unknown phi"):
        th.mean_field_rate(1.0, 0.0, "relu")


def test_linear_network_rate_is_log_spectral_radius():
    """Fixed W (one seed), long window: the growth rate of W^q is ln rho(W)."""
    rng = np.random.default_rng(0)
    N = 60
    # a normal W with known spectral radius: scaled orthogonal, rho = 0.8
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    L = sg._log_frobenius(sg._propagate_fixed(0.8 * Q, 40, 8, rng), N)
    assert np.polyfit(np.arange(41), L, 1)[0] == pytest.approx(np.log(0.8), abs=1e-10)
    # Gaussian W: the long-run rate of one fixed matrix is ln rho(W), not the mean-field ln g
    Z = rng.standard_normal((N, N)) / np.sqrt(N)
    rho = np.max(np.abs(np.linalg.eigvals(Z)))
    L = sg._log_frobenius(sg._propagate_fixed(Z, 3000, 8, rng), N)
    assert (L[-1] - L[1000]) / 2000 == pytest.approx(np.log(rho), abs=2e-3)


def test_measured_rates_match_mean_field_at_N_1000():
    for g, su in ((1.5, 0.0), (1.0, 1.0)):
        L = np.array([sg.jacobian_log_norms(1000, g, su, "tanh", 50, 300, seed=[s, 1],
                                            n_probes=8) for s in range(3)])
        rate, se = sg.decay_rate(L, (5, 50))
        assert rate == pytest.approx(th.mean_field_rate(g, su)[2], abs=0.015)
        assert 0 < se < 0.01
        assert np.allclose(L[:, 0], 0.5 * np.log(1000))


def test_hochreiter_bound_holds_and_pascanu_condition():
    rng = np.random.default_rng(2)
    N = 80
    for g in (0.5, 1.5, 3.0):
        W = g * rng.standard_normal((N, N)) / np.sqrt(N)
        # exact Jacobian product of a driven tanh network
        a = rng.standard_normal(N)
        P = np.eye(N)
        for q in range(1, 30):
            a_new = W @ np.tanh(a) + 0.5 * rng.standard_normal(N)
            P = P @ (W * (1 - np.tanh(a) ** 2))  # d a_new / d a = W diag(phi'(a))
            a = a_new
            assert np.log(np.linalg.norm(P)) <= th.hochreiter_bound(W, "tanh", q, log=True)
        cond = th.pascanu_condition(W, "tanh")
        assert cond["vanishing_guaranteed"] == (cond["sigma_max"] < 1)
        assert cond["sigma_max"] == pytest.approx(2 * g, rel=0.15)  # ||W||_2 -> 2g
        assert cond["spectral_radius"] == pytest.approx(g, rel=0.15)
    assert th.pascanu_condition(np.eye(3) * 3.9, "logistic")["vanishing_guaranteed"]


def test_lstm_constant_error_carousel_and_decay():
    L, pre, mean, acov = sg.lstm_cell_log_norms(50, [np.inf, 0.0, 3.0], 1.0, 80, 100, seed=3)
    np.testing.assert_allclose(L[0], 0.5 * np.log(50), rtol=1e-12, atol=0)  # f = 1 exactly
    r0 = np.polyfit(np.arange(81)[10:], L[1, 10:], 1)[0]
    r3 = np.polyfit(np.arange(81)[10:], L[2, 10:], 1)[0]
    assert r0 < r3 < 0  # larger forget bias, slower decay
    assert th.lstm_cell_rate(0.0, float(pre[1])) <= r0 + 0.05
    assert th.lstm_cell_rate(np.inf, 1.0) == 0.0
    assert acov.shape == (3, 41) and np.all(acov[:, 0] > 0)
    np.testing.assert_allclose(pre**2, acov[:, 0] + mean**2, rtol=0.02)  # rms^2 = var + mean^2


def test_gaussian_gate_theory_limits():
    """The Monte Carlo Gaussian-gate rate against two closed forms."""
    from scipy import special

    window = (5, 40)
    # white gates: the independent-gate rate 0.5 ln E sigma(b + s z)^2
    b, s = 2.0, 0.4
    white = np.r_[s**2, np.zeros(40)]
    r, se = th.lstm_cell_rate_gaussian(b, 0.0, white, 4000, window, seed=1)
    assert r == pytest.approx(th.lstm_cell_rate_mean_square(b, s), abs=max(5 * se, 1e-4))
    # a static offset per unit (constant covariance): slope of 0.5 ln E_mu sigma(b + mu)^(2q)
    m = 0.3
    r, se = th.lstm_cell_rate_gaussian(b, 0.0, np.full(41, m**2), 4000, window, seed=2)
    x, w = np.polynomial.hermite_e.hermegauss(101)
    q = np.arange(window[0], window[1] + 1)
    logf = np.log(special.expit(b + m * x))
    Lq = 0.5 * special.logsumexp(2 * q[:, None] * logf + np.log(w / w.sum()), axis=1)
    exact = np.polyfit(q, Lq, 1)[0]
    assert r == pytest.approx(exact, abs=max(5 * se, 2e-4))
    assert exact > th.lstm_cell_rate_mean_square(b, m) + 0.01  # offsets slow the decay


def test_reproducible_and_bad_input():
    settings = dict(g=[0.9, 1.5], n_seeds=2, q_max=20, burn_in=20, n_probes=4,
                    fit_window=[2, 20], lstm_forget_bias=[1.0, np.inf])
    a = experiment.simulate_point({"phi": "tanh", "N": 30, "sigma_u": 0.5}, settings, [4, 2])
    b = experiment.simulate_point({"phi": "tanh", "N": 30, "sigma_u": 0.5}, settings, [4, 2])
    xr.testing.assert_identical(a, b)
    lin = experiment.simulate_point({"phi": "linear", "N": 30, "sigma_u": 1.0}, settings, [4, 2])
    assert np.isfinite(lin.log_norm).all()  # g > 1: the state diverges, the Jacobian does not
    assert np.isnan(lin.lstm_log_norm).all()
    with pytest.raises(ValueError, match="g must be > 0"):
        sg.jacobian_log_norms(10, 0.0, 0.0, "tanh", 5, 5, seed=1)
    with pytest.raises(ValueError, match="N >= 2"):
        sg.jacobian_log_norms(1, 1.0, 0.0, "tanh", 5, 5, seed=1)
    with pytest.raises(ValueError, match="unknown phi"):
        sg.jacobian_log_norms(10, 1.0, 0.0, "relu", 5, 5, seed=1)
