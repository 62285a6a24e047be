"""Gated networks: the gate timescale of the initialisation, the retention it gives, a tiny
LSTM and GRU run that learns and is deterministic, the horizon against tau, the config."""

import numpy as np
import pytest
import xarray as xr

from memory_dynamics.analysis import gated as gth
from memory_dynamics.analysis import trained as th
from memory_dynamics.config import ConfigError, resolve
from memory_dynamics.studies.gated import STUDY

st = pytest.importorskip("memory_dynamics.sim.trained")
jnp = pytest.importorskip("jax.numpy")

TINY = dict(n_units=8, batch=32, steps=150, lr=1e-2, n_test=64, n_record=5,
            test_at=[150], fisher=False)


@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize("tau", [1.5, 4.0, 50.0])
def test_constant_init_retains_one_minus_one_over_tau_per_step(name, tau):
    """With W = 0 and no noise, the retained state decays as (1 - 1/tau)^T exactly: the
    LSTM's cell (input gate times tanh(0) adds nothing) and the GRU's state (its candidate
    is tanh(0) = 0)."""
    import jax

    cell = st.CELLS[name]
    p = cell.init(jax.random.key(3), tau, 8, 2, 2)
    p = {**p, "W": jnp.zeros_like(p["W"])}
    x0 = jnp.sqrt(2.0) * jax.nn.one_hot(jnp.array([0, 1]), 2)
    s0 = cell.start(p, x0)
    T = 7
    sT = st._final_state(cell, p, x0, jnp.zeros((T, 2, cell.n_pre * 8)))
    kept = (lambda s: s[1]) if name == "lstm" else (lambda s: s)  # the cell c, or h
    np.testing.assert_allclose(np.asarray(kept(sT)), (1 - 1 / tau) ** T * np.asarray(
        kept(s0)), rtol=2e-5)


@pytest.mark.parametrize("name", ["lstm_chrono", "gru_chrono"])
def test_chrono_init_spreads_the_timescales_up_to_t_max(name):
    import jax

    N, t_max = 2000, 64.0
    p = st.CELLS[name].init(jax.random.key(4), t_max, N, 2, 2)
    b = np.asarray(p["b"][N:2 * N])
    tau = 1 + np.exp(b)
    assert tau.min() >= 2 - 1e-5 and tau.max() <= t_max + 1e-3
    assert np.median(tau) == pytest.approx(1 + (t_max - 2) / 2 + 1, rel=0.05)  # u ~ U(1, 63)
    if name == "lstm_chrono":  # input gate bias -b_f
        np.testing.assert_array_equal(np.asarray(p["b"][:N]), -b)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_a_tiny_gated_network_learns_and_reruns_identically(name):
    a = st.train(st.CELLS[name], st.Recall(2), [4.0], 2, 4, 0.5, 5, **TINY)
    b = st.train(st.CELLS[name], st.Recall(2), [4.0], 2, 4, 0.5, 5, **TINY)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert (a["test_loss"] < 0.5 * np.log(2)).all(), a["test_loss"]
    assert a["train_curve"][..., -1].max() < a["train_curve"][..., 0].min()
    assert np.isfinite(a["grad_sq_at_symbol"]).all()


def _synthetic(c=25.0, slope=1.0, taus=(1.5, 2, 3, 4, 6), n_seeds=8):
    """A merged-like dataset whose seeds learn exactly the lags below c xi_f(tau)^slope."""
    lags = np.array([2, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181])
    taus = np.asarray(taus, float)
    horizon = c * gth.gate_depth_scale(taus) ** slope
    loss = np.where(lags[:, None, None] < horizon[None, None, :], 0.01, 0.69)
    loss = np.broadcast_to(loss, (len(lags), n_seeds, len(taus)))
    ds = xr.Dataset(
        {"test_loss": (("task", "cell", "init", "lag", "seed", "tau"), loss[None, None, None]),
         "tau_unit_trained": (("seed", "tau", "unit"), np.ones((n_seeds, len(taus), 2))),
         "grad_sq_at_symbol": (("task", "cell", "init", "lag", "seed", "tau"),
                               np.ones((1, 1, 1, len(lags), n_seeds, len(taus)))),
         "baseline": ((), np.log(2))},
        coords={"task": ["recall"], "cell": ["lstm"], "init": ["constant"], "lag": lags,
                "seed": np.arange(n_seeds), "tau": taus, "unit": [0, 1]})
    ds.attrs.update(n_symbols=2, success_loss=0.5, n_boot=200,
                    settings=["n_symbols", "success_loss", "n_boot"])
    return ds


def test_gate_depth_scale():
    """xi_f = -1/(2 ln(1 - 1/tau)): 1/(2 ln 2) at tau = 2, (tau - 1/2)/2 at large tau."""
    assert gth.gate_depth_scale(2.0) == pytest.approx(1 / (2 * np.log(2)))
    assert gth.gate_depth_scale(1000.0) == pytest.approx(999.5 / 2, rel=1e-6)


def test_horizon_slope_against_the_gate_depth_scale_recovers_the_exponent():
    for slope in (1.0, 1.5):
        ds = gth.add_theory(_synthetic(slope=slope))
        f = th.horizon_fits(ds.isel(task=0, cell=0, init=0), "xi_gate_theory", "tau")
        assert f["slope"] == pytest.approx(slope, abs=0.12)
        checks = {c.check: c for c in gth.make_checks(ds)}
        assert checks["horizon_slope_recall_lstm_constant"].kind == "prediction"
        assert checks["horizon_slope_recall_lstm_constant"].passed == (slope == 1.0)
        assert all(c.kind == "fitted" for n, c in checks.items() if "held_out" in n)


def test_presets_and_config_rules():
    assert STUDY.name in resolve("quick")
    with pytest.raises(ConfigError, match="gated.tau"):
        STUDY.check_config({"gated": {**resolve("default")["gated"], "init": ["chrono"]}})
    with pytest.raises(ConfigError, match="gated.lag"):
        STUDY.check_config({"gated": {**resolve("default")["gated"], "lag": [8, 4]}})
    STUDY.check_config(resolve("large"))


def test_a_shorter_budget_gets_its_own_slope_and_a_comparison():
    """Two budgets (the same networks part-way): the slope at the shorter one against 1 and
    against the full budget's; a budget that changes only c passes, one that changes the
    exponent fails."""
    for early_slope, early_c in ((1.0, 12.0), (1.6, 12.0)):
        parts = [_synthetic(c=early_c, slope=early_slope), _synthetic()]
        ds = parts[1].assign(test_loss=xr.concat([p.test_loss for p in parts], "budget"))
        ds = ds.assign_coords(budget=[300, 600])
        checks = {c.check: c for c in gth.make_checks(gth.add_theory(ds))}
        early = checks["horizon_slope_recall_lstm_constant_steps300"]
        diff = checks["horizon_budget_recall_lstm_constant_steps300"]
        assert early.kind == diff.kind == "prediction"
        assert checks["horizon_slope_recall_lstm_constant"].passed  # the full budget
        assert early.passed == diff.passed == (early_slope == 1.0)
        assert gth.shared_draws(diff.check) == gth.shared_draws(early.check) == \
            "recall_lstm_constant"
