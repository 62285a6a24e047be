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
#: train()'s settings of TINY (the task brings K)
TRAIN = {k: v for k, v in TINY.items() if k != "n_symbols"}


def test_memoryless_answer_scores_exactly_the_baseline():
    """A read-out that ignores the state (V = 0, c = 0) answers uniformly: loss ln K."""
    import jax

    K = 8
    p = st.init_params(jax.random.key(0), 1.0, 16, K)
    p = {**p, "V": jnp.zeros_like(p["V"])}
    batch = st.recall_batch(jax.random.key(1), 5, 0.5, 256, K, 16)
    assert float(st.recall_loss(p, *batch)) == pytest.approx(np.log(K), rel=1e-6)
    assert st.Recall(K).baseline(5) == np.log(K)


@pytest.mark.parametrize("T", [1, 7, 40])
def test_copy_task_layout_and_its_memoryless_baseline(T):
    """Arjovsky et al.'s layout: 10 symbols, T - 1 blanks, the marker, 10 blanks; targets
    blank until T + 10, then the symbols. Blank for certain there and the uniform guess
    over the 8 symbols after scores exactly 10 ln 8 / (T + 20)."""
    import jax

    task = st.Copy()
    x0, xs, noise, y = task.sample(jax.random.key(T), T, 0.5, 64, 16)
    x = np.concatenate([np.asarray(x0)[None], np.asarray(xs)])  # (steps, batch, 10)
    seq = x.argmax(axis=-1).T
    assert x.shape == (T + 20, 64, 10) and noise.shape == (T + 19, 64, 16)
    np.testing.assert_allclose(np.abs(x).sum(axis=-1), np.sqrt(10), rtol=1e-6)
    np.testing.assert_array_equal(seq[:, T + 9], 9)  # the marker
    np.testing.assert_array_equal(seq[:, 10:T + 9], 8)
    np.testing.assert_array_equal(seq[:, T + 10:], 8)
    y = np.asarray(y)
    np.testing.assert_array_equal(y[:, :T + 10], 8)
    np.testing.assert_array_equal(y[:, T + 10:], seq[:, :10])
    out = np.zeros((64, T + 20, 9))
    out[:, :T + 10, 8] = 1e4  # blank, certain
    out[:, T + 10:, 8] = -1e4  # never blank, uniform over the symbols
    loss = float(task.loss(jnp.asarray(out), jnp.asarray(y)).mean())
    assert loss == pytest.approx(task.baseline(T), rel=1e-6)
    assert task.baseline(T) == pytest.approx(10 * np.log(8) / (T + 20))


def test_adding_problem_markers_and_its_memoryless_baseline():
    """One marker in each half, the target their sum: mean 1 and variance 1/6, the squared
    error of the constant answer 1 (the baseline)."""
    import jax

    task = st.Adding()
    T = 9
    x0, xs, _, y = task.sample(jax.random.key(0), T, 0.5, 200_000, 4)
    x = np.concatenate([np.asarray(x0)[None], np.asarray(xs)])  # (T + 1, batch, 2)
    m = x[..., 1]
    np.testing.assert_array_equal(m.sum(axis=0), 2)
    np.testing.assert_array_equal(m[:5].sum(axis=0), 1)  # ceil(10 / 2) = 5
    np.testing.assert_allclose(np.asarray(y), (x[..., 0] * m).sum(axis=0), rtol=1e-6)
    y = np.asarray(y, float)
    se = y.std() / np.sqrt(y.size)
    assert abs(y.mean() - 1) < 4 * se
    mse = float(task.loss(jnp.ones((y.size, 1)), jnp.asarray(y)).mean())
    assert mse == pytest.approx(task.baseline(T), rel=0.01)
    assert task.baseline(T) == 1 / 6


@pytest.mark.parametrize("name,lag", [("adding", 5), ("copy", 2)])
def test_a_tiny_network_learns_the_other_tasks(name, lag):
    """The adding problem at a short lag: below half the baseline; the copy task (hard in
    few steps): the held-out loss falls below the baseline."""
    task = st.TASKS[name].from_settings({})
    out = st.train(st.CELLS["lstm" if name == "copy" else "rnn"], task, [1.0 if name ==
                   "adding" else 3.0], 2, lag, 0.1, 3, n_units=16, batch=32,
                   steps=300 if name == "copy" else 150, lr=1e-2, n_test=64, n_record=3,
                   test_at=[300 if name == "copy" else 150], fisher=False)
    if name == "adding":
        assert (out["test_loss"] < 0.5 * task.baseline(lag)).all(), out["test_loss"]
    else:
        assert (out["test_loss"] < task.baseline(lag)).all(), out["test_loss"]


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
                                           "horizon_peak_recall_rnn_sigma0.5",
                                           "horizon_chaos_slope_recall_rnn_sigma0.5",
                                           "horizon_slope_recall_rnn_sigma0.5_steps300",
                                           "horizon_budget_recall_rnn_sigma0.5_steps300")}
    assert groups == {"recall_rnn_sigma0.5"}
    assert th.shared_draws("grad_rate_recall_rnn_sigma0.25_g1") == "recall_rnn_sigma0.25"


def test_robust_se_ignores_a_few_wild_resamples():
    boot = np.r_[np.random.default_rng(0).normal(1.5, 0.1, 990), np.full(10, 1e12)]
    assert th.robust_se(boot) == pytest.approx(0.1, rel=0.15)


def test_orthogonal_initialisation_is_g_times_an_orthogonal_matrix():
    """W W^T = g^2 I: every row has squared norm g^2, as the mean field assumes."""
    import jax

    p = st.CELLS["rnn_orthogonal"].init(jax.random.key(0), 1.3, 64, 2, 2)
    W = np.asarray(p["W"], float)
    np.testing.assert_allclose(W @ W.T, 1.3**2 * np.eye(64), atol=1e-5)


def _lyapunov(cell, knobs, keys, sigma_u, n_units):
    """Maximal Lyapunov exponents (seed, knob) of the initial networks train() draws."""
    import jax

    def init(k):
        return jax.vmap(lambda v: cell.init(jax.random.split(k, 3)[0], v, n_units, 2, 2))(
            jnp.asarray(knobs, jnp.float32))
    params = jax.vmap(init)(keys)
    return np.asarray(st._lyapunov_grid(params, keys, jnp.float32(sigma_u), cell=cell,
                                        n_units=n_units))


def test_lyapunov_of_a_quiet_network_is_the_log_spectral_radius():
    """With no input noise and zero bias the state decays to 0, where the Jacobian is W:
    the tangent vector grows at ln rho(W) per step."""
    import jax

    cell = st.CELLS["rnn"]
    for k in range(3):
        p = cell.init(jax.random.key(k), 0.7, 12, 2, 2)
        lam = float(st._lyapunov(cell, p, jax.random.key(10 + k), 0.0, 12))
        rho = np.abs(np.linalg.eigvals(np.asarray(p["W"], float))).max()
        assert lam == pytest.approx(np.log(rho), abs=0.02)


def test_lyapunov_sign_follows_the_phase():
    """Driven at sigma_u = 0.5: negative well inside the ordered phase, positive well inside
    the chaotic one, near the finite-N theory (N = 64; 16 networks)."""
    import jax

    keys = jax.vmap(lambda s: jax.random.fold_in(jax.random.key(5), s))(jnp.arange(16))
    lam = _lyapunov(st.CELLS["rnn"], [0.6, 3.0], keys, 0.5, 64)
    m = lam.mean(axis=0)
    assert m[0] < -0.5 and m[1] > 0.15
    for g, v in zip((0.6, 3.0), m):
        assert v == pytest.approx(grad_theory.mean_field_lyapunov(g, 0.5, 64), abs=0.05)


def test_gated_cells_have_a_lyapunov_exponent_too():
    import jax

    keys = jax.vmap(lambda s: jax.random.fold_in(jax.random.key(6), s))(jnp.arange(2))
    for name in ("lstm", "gru"):
        lam = _lyapunov(st.CELLS[name], [2.0, 4.0], keys, 0.5, 8)
        assert lam.shape == (2, 2) and np.isfinite(lam).all() and (lam < 0).all()


def test_correlation_map_fixed_point_and_depth_scale():
    """Ordered phase: c* = 1 and chi_c = chi; chaotic: c* < 1 is a fixed point of the map,
    and xi_c takes the published-style values at sigma_u = 0.5 (6.45 at g = 2)."""
    for g in (0.8, 1.4):
        c, chi_c = grad_theory.mean_field_correlation(g, 0.5)
        assert c == 1.0 and chi_c == grad_theory.mean_field_rate(g, 0.5)[1]
    xi = {}
    for g in (1.6, 2.0, 2.5, 3.0):
        c, chi_c = grad_theory.mean_field_correlation(g, 0.5)
        q = grad_theory.mean_field_fixed_point(g, 0.5)
        x, w = np.polynomial.hermite_e.hermegauss(241)
        w = w / np.sqrt(2 * np.pi)
        u1 = np.sqrt(q) * x[:, None]
        u2 = np.sqrt(q) * (c * x[:, None] + np.sqrt(1 - c * c) * x[None, :])
        c_next = (g**2 * (np.outer(w, w) * np.tanh(u1) * np.tanh(u2)).sum() + 0.25) / q
        assert 0 < c < 1 and c_next == pytest.approx(c, abs=1e-8)
        assert chi_c < 1
        xi[g] = -1 / np.log(chi_c)
    assert xi[2.0] == pytest.approx(6.45, abs=0.01)
    assert xi[2.5] == pytest.approx(4.68, abs=0.01)
    assert xi[1.6] > xi[2.0] > xi[2.5] > xi[3.0]  # diverges at g_c from the chaotic side


def test_finite_n_lyapunov_is_the_annealed_expectation():
    """Exact Laplace-transform value against a Monte Carlo of 1/2 E ln X, and its limits."""
    rng = np.random.default_rng(0)
    g, su, N = 2.5, 0.5, 32
    q, chi, rate = grad_theory.mean_field_rate(g, su)
    a = np.sqrt(q) * rng.standard_normal((200_000, N))
    X = g**2 * ((1 - np.tanh(a) ** 2) ** 2 * rng.standard_normal(a.shape) ** 2).mean(axis=1)
    mc = 0.5 * np.log(X)
    exact = grad_theory.mean_field_lyapunov(g, su, N)
    assert exact == pytest.approx(mc.mean(), abs=4 * mc.std() / np.sqrt(mc.size))
    assert exact < rate == grad_theory.mean_field_lyapunov(g, su)
    assert grad_theory.mean_field_lyapunov(g, su, 100_000) == pytest.approx(rate, abs=2e-4)


def test_budgets_are_learning_curve_block_ends():
    assert st.budget_steps(600, 20, 0.5) == [300, 600]
    assert st.budget_steps(13, 4, 0.5) == [9, 13]  # blocks end at 3, 6, 9, 13
    assert st.budget_steps(13, 4, None) == [13]
    assert st.budget_steps(10, 1, 0.5) == [10]  # one block: one budget
    with pytest.raises(ValueError, match="test_at"):
        st.train(st.CELLS["rnn"], st.Recall(4), [1.0], 2, 2, 0.5, 1, **TRAIN, test_at=[7],
                 fisher=False)


def test_the_held_out_loss_at_a_shorter_budget_is_of_the_same_networks_part_way():
    """The full budget's loss equals a run that tests only at the end; the shorter budget's
    loss is measured on the same networks earlier (it differs)."""
    both = st.train(st.CELLS["rnn"], st.Recall(4), [1.0], 2, 3, 0.5, 4, **TRAIN,
                    test_at=[60, 120], fisher=False)
    end = st.train(st.CELLS["rnn"], st.Recall(4), [1.0], 2, 3, 0.5, 4, **TRAIN, test_at=[120],
                   fisher=False)
    assert both["test_loss"].shape == (2, 1, 2)
    np.testing.assert_array_equal(both["test_loss"][..., 1], end["test_loss"][..., 0])
    assert not np.array_equal(both["test_loss"][..., 0], both["test_loss"][..., 1])


def test_fisher_memory_of_a_linear_network_is_the_fisher_studys_curve():
    """Inputs and noise so small that tanh is linear: J(k) of the linearised network is
    v^T W^kT C_k^-1 W^k v with the noise of steps 1..k (exact, finite k), and the ``fisher``
    study's steady-state curve once W^k has forgotten the start (k >= 10 at g = 0.5)."""
    import jax

    from memory_dynamics.analysis.fisher import fisher_memory_curve

    cell, N, sig = st.CELLS["rnn"], 16, 1e-3
    p = cell.init(jax.random.key(0), 0.5, N, 2, 2)
    p = {**p, "U": p["U"] * 1e-3}
    x0 = jnp.sqrt(2.0) * jax.nn.one_hot(0, 2)
    noise = sig * jax.random.normal(jax.random.key(1), (40, N))
    ks = (1, 2, 5, 10, 20, 40)
    J = np.asarray(st._fisher_memory(cell, p, x0, noise, sig, ks), float)
    W = np.asarray(p["W"], float)
    v = np.asarray(p["U"], float) @ (np.sqrt(2.0) * np.array([-1.0, 1.0]))

    def exact(k):
        Wj = [np.linalg.matrix_power(W, j) for j in range(k + 1)]
        C = sig**2 * sum(M @ M.T for M in Wj[:k])
        return (Wj[k] @ v) @ np.linalg.solve(C, Wj[k] @ v)

    np.testing.assert_allclose(J, [exact(k) for k in ks], rtol=2e-3)
    steady = fisher_memory_curve(W, v, 41, eps=sig**2)
    np.testing.assert_allclose(J[3:], steady[list(ks[3:])], rtol=2e-3)


def test_fisher_memory_is_recorded_before_and_after_training_on_recall_only():
    out = st.train_recall([0.8], 2, 4, 0.5, 3, **TINY)
    J = out["fisher"]
    assert J.shape == (2, 1, 2, len(st.FISHER_DELAYS)) and np.isfinite(J).all()
    assert (J > 0).all()
    np.testing.assert_array_equal(st.fisher_steps(4)[:3], [1, 1, 2])
    add = st.train(st.CELLS["rnn"], st.Adding(), [0.8], 2, 4, 0.5, 3, **TRAIN, test_at=[120],
                   fisher=True)
    assert np.isnan(add["fisher"]).all()


def test_a_diverged_network_is_flagged_and_has_no_spectrum():
    """Training that overflows (exploding gradients) leaves non-finite parameters: flagged,
    its trained spectrum NaN, the other networks untouched."""
    import jax

    from memory_dynamics.studies.trained.experiment import eigenvalue_moduli

    params = {"W": np.ones((2, 3, 4, 4)), "b": np.zeros((2, 3, 4))}
    params["W"][1, 2, 0, 0] = np.nan
    params["b"][0, 1, 3] = np.inf
    flag = st._diverged(jax.tree_util.tree_map(jnp.asarray, params))
    np.testing.assert_array_equal(flag, [[False, True, False], [False, False, True]])
    eig = eigenvalue_moduli(params["W"])
    assert np.isnan(eig[1, 2]).all() and np.isfinite(eig[0]).all()
    np.testing.assert_allclose(eig[0, 0], [4, 0, 0, 0], atol=1e-12)
