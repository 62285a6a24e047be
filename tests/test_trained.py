"""Trained networks: the memoryless baseline, determinism, a tiny run that learns, the mean
field shared with the gradients study, the horizon and its fits."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from memory_dynamics.analysis import gradients as grad_theory
from memory_dynamics.analysis import trained as th
from memory_dynamics.config import ConfigError, resolve
from memory_dynamics.studies.trained import STUDY

st = pytest.importorskip("memory_dynamics.sim.trained")
jnp = pytest.importorskip("jax.numpy")

TINY = dict(n_units=16, n_symbols=4, batch=32, steps=120, lr=1e-2, n_test=128, n_record=6)


def test_memoryless_answer_scores_exactly_the_baseline():
    """A read-out that ignores the state (V = 0, c = 0) answers uniformly: loss ln K."""
    import jax

    K = 8
    p = st.init_params(jax.random.key(0), 1.0, 16, K)
    p = {**p, "V": jnp.zeros_like(p["V"])}
    batch = st.recall_batch(jax.random.key(1), 5, 0.5, 256, K, 16)
    assert float(st.recall_loss(p, *batch)) == pytest.approx(np.log(K), rel=1e-6)
    assert st.recall_baseline(K) == np.log(K)


def test_initialisation_matches_the_mean_field_model():
    """Pre-activation variance of the symbol step is 1 and of the noise drive sigma_u^2."""
    import jax

    p = st.init_params(jax.random.key(2), 1.3, 400, 50)
    assert float(p["W"].var()) * 400 == pytest.approx(1.3**2, rel=0.02)
    assert float((p["U"] ** 2).sum(axis=1).mean()) == pytest.approx(1.0, rel=0.02)


def test_depth_scale_is_the_gradients_study_mean_field():
    for g, su in [(0.6, 0.5), (1.0, 0.25), (1.4, 0.5), (2.0, 0.5)]:
        q, chi, xi = th.depth_scale(g, su)
        q2, chi2, _ = grad_theory.mean_field_rate(g, su, "tanh")
        assert (q, chi) == (q2, chi2)
        assert xi == (-1 / np.log(chi) if chi < 1 else np.inf)
    assert th.depth_scale(1.0, 0.5)[2] == pytest.approx(1.84, abs=0.01)
    assert grad_theory.critical_gain(0.5) == pytest.approx(1.55, abs=0.01)


def test_training_is_deterministic_and_a_seed_does_not_depend_on_its_neighbours():
    a = st.train_recall([0.8, 1.2], 2, 3, 0.5, 11, **TINY)
    b = st.train_recall([0.8, 1.2], 2, 3, 0.5, 11, **TINY)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = st.train_recall([0.8, 1.2, 1.6], 3, 3, 0.5, 11, **TINY)
    np.testing.assert_allclose(c["test_loss"][:2, :2], a["test_loss"], rtol=1e-4)
    np.testing.assert_allclose(c["grad_sq_at_symbol"][:2, :2], a["grad_sq_at_symbol"],
                               rtol=1e-4)


@pytest.mark.skipif(not shutil.which("taskset") or (os.cpu_count() or 1) < 2,
                    reason="needs taskset and two cores")
def test_results_do_not_depend_on_the_cores_xla_may_use():
    """A process confined to one core trains bit for bit the networks of a process free to
    use every core (and whose environment asks XLA for multi-threaded Eigen)."""
    code = ("import hashlib\nfrom memory_dynamics.sim.trained import train_recall\n"
            "out = train_recall([0.9, 1.3], 2, 6, 0.5, 5, n_units=96, batch=64, steps=20, "
            "n_test=64, n_record=2)\n"
            "print(hashlib.sha256(b''.join(v.tobytes() for v in out.values())).hexdigest())")
    base = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    free = {**base, "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=true"}
    runs = [subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True,
                           text=True, check=True, env=env).stdout
            for prefix, env in ((["taskset", "-c", "0"], base), ([], free))]
    assert runs[0] == runs[1]


def test_a_tiny_network_learns_a_short_lag():
    out = st.train_recall([1.0], 4, 2, 0.5, 3, **TINY)
    K = TINY["n_symbols"]
    assert (out["test_loss"] < 0.5 * np.log(K)).mean() >= 0.75
    curve = out["train_curve"].mean(axis=(0, 1))
    assert curve[-1] < 0.5 * curve[0]


def test_learning_curve_blocks_cover_every_step():
    assert st.record_steps(100, 10) == list(range(10, 101, 10))
    assert st.record_steps(101, 10)[-2:] == [90, 101]
    out = st.train_recall([1.0], 2, 2, 0.5, 1, **{**TINY, "steps": 13, "n_record": 4})
    assert out["train_curve"].shape == (2, 1, 4)


def test_log_horizon_of_a_step_survival_is_the_geometric_midpoint():
    lags = np.array([2, 4, 8, 16])
    S = np.array([1.0, 1.0, 0.0, 0.0])[:, None]  # (lag, g)
    assert np.exp(th.log_horizon(S, lags))[0] == pytest.approx(np.sqrt(4 * 8))


def test_slope_and_vertex_helpers():
    x = np.log([0.7, 1.1, 1.8, 3.4])
    assert th._ols_slope(x, 2 + x) == pytest.approx(1.0)
    g3 = (1.2, 1.4, 1.6)
    y = -((np.array(g3) - 1.45) ** 2)
    assert float(th._vertex(g3, y)) == pytest.approx(1.45)


@pytest.mark.parametrize("change, message", [
    ({"lag": [8, 4]}, "trained.lag"),
    ({"g": [1.2, 0.8]}, "trained.g"),
    ({"steps": 10, "n_record": 30}, "n_record = 30 > steps"),
    ({"sigma_u": [0.5, 0.25]}, "trained.sigma_u"),
    ({"n_test": 16, "batch": 32}, "n_test >= batch"),
    ({"lag": [1, 2, 4]}, "fewer than two lags"),
])
def test_bad_settings_fail_in_one_line(change, message):
    config = resolve("quick")
    config["trained"].update(change)
    with pytest.raises(ConfigError, match=message) as err:
        STUDY.check_config(config)
    assert "\n" not in str(err.value)


def test_signal_chi_is_the_noise_average_of_chi():
    """chi_s = g^2 E[phi']^2 <= chi = g^2 E[phi'^2], equal where q* = 0 (no noise, g < 1),
    and the signal's depth scale stays finite at the edge of chaos."""
    for g, su in [(0.6, 0.5), (1.0, 0.25), (1.4, 0.5), (2.0, 0.5)]:
        assert grad_theory.mean_field_signal_chi(g, su) < th.depth_scale(g, su)[1]
    assert grad_theory.mean_field_signal_chi(0.8, 0.0) == pytest.approx(0.64)
    assert grad_theory.mean_field_signal_chi(0.8, 1.0, "linear") == pytest.approx(0.64)
    gc = grad_theory.critical_gain(0.5)
    assert th.signal_depth_scale(gc, 0.5)[1] == pytest.approx(3.33, abs=0.01)


def test_checks_of_one_noise_level_share_their_draws():
    groups = {th.shared_draws(c) for c in ("grad_rate_recall_rnn_sigma0.5_g0.6",
                                           "grad_rate_recall_rnn_sigma0.5_g1.4",
                                           "horizon_slope_recall_rnn_sigma0.5",
                                           "horizon_held_out_recall_rnn_sigma0.5_g1",
                                           "horizon_peak_recall_rnn_sigma0.5")}
    assert groups == {"recall_rnn_sigma0.5"}
    assert th.shared_draws("grad_rate_recall_rnn_sigma0.25_g1") == "recall_rnn_sigma0.25"


def test_robust_se_ignores_a_few_wild_resamples():
    boot = np.r_[np.random.default_rng(0).normal(1.5, 0.1, 990), np.full(10, 1e12)]
    assert th.robust_se(boot) == pytest.approx(0.1, rel=0.15)


def test_orthogonal_initialisation_is_g_times_an_orthogonal_matrix():
    """W W^T = g^2 I: every row has squared norm g^2, as the mean field assumes."""
    import jax

    p = st.CELLS["rnn_orthogonal"].init(jax.random.key(0), 1.3, 64, 2)
    W = np.asarray(p["W"], float)
    np.testing.assert_allclose(W @ W.T, 1.3**2 * np.eye(64), atol=1e-5)
