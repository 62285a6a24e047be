"""Liquid state machine: LIF and synapse against closed forms, connectivity, distances, seeds."""

import dataclasses

import numpy as np
import pytest
import xarray as xr

from memory_dynamics.analysis import lsm as th
from memory_dynamics.config import settings_of, validate
from memory_dynamics.sim import lsm
from memory_dynamics.studies.lsm import experiment

# the schema's settings (every key a point needs), made small
SMALL = dict(settings_of(validate({}), "lsm"), T=0.5, dt=1e-4, rate=20.0,
             distances=[0.0, 0.1, 0.2, 0.4], n_pairs=100, record_every=50,
             readout_delays_ms=[0, 20, 50, 100, 200], readout_window=0.03, ridge=1e-3,
             lif_currents=[0.5, 1.6, 3.0, 10.0, 40.0], lif_T=1.0)


@pytest.mark.parametrize("inhibitory", [False, True])
def test_lif_matches_analytic_solution(inhibitory):
    """Isolated neurons under constant currents: exact grid spike counts and rates."""
    currents = np.array([0.5, 1.49, 1.51, 2.0, 3.0, 7.0, 20.0, 60.0])
    T, dt = 2.0, 1e-4
    out = lsm.simulate(lsm.isolated_neurons(len(currents), inhibitory), None, T, dt, seed=0,
                       v_init=np.full((1, len(currents)), 13.5), input_current=currents[None],
                       record_every=int(T / dt))
    t_ref = 2e-3 if inhibitory else 3e-3
    for I, count in zip(currents, out["spike_counts"][0]):
        r_grid = lsm.lif_rate(I + 13.5, t_ref=t_ref, dt=dt)
        assert count == np.floor((T + t_ref) * r_grid + 1e-9)
        r = lsm.lif_rate(I + 13.5, t_ref=t_ref)
        assert abs(count / T - r) <= r**2 * dt + 1 / T
    assert lsm.lif_rate(1.5 + 13.5) == 0.0  # V_inf = threshold: never fires


def test_dynamic_synapse_reaches_closed_form_steady_state():
    """A presynaptic neuron firing regularly drives u_n, R_n to (u*, R*) of the closed form."""
    col = lsm.build_column(135, seed=3)
    I = 6.0  # regular firing of every neuron with no input: isolate via zero amplitudes
    col0 = dataclasses.replace(col, A=0.0 * col.A)
    T, dt = 20.0, 1e-4
    out = lsm.simulate(col0, None, T, dt, seed=0, v_init=np.full((1, 135), 13.5),
                       input_current=np.full((1, 135), I), record_every=int(T / dt),
                       synapse_state=True)
    t_ref = np.where(col.inhibitory, 2e-3, 3e-3)[col.pre]
    isi = np.array([1 / lsm.lif_rate(I + 13.5, t_ref=t, dt=dt) for t in (3e-3, 2e-3)])
    interval = np.where(t_ref == 2e-3, isi[1], isi[0])
    u, R, _ = lsm.steady_state_synapse(col.U, col.D, col.F, interval)
    # the steady state is approached geometrically; F, D up to a few s: 20 s is enough
    np.testing.assert_allclose(out["u_last"][0], u, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(out["R_last"][0], R, rtol=1e-5, atol=1e-9)


def test_connectivity_statistics_match_distance_rule():
    """Connection frequency per (type pair, distance) = C exp(-(D/lambda)^2) within 4 SE."""
    lam = 2.0
    hits = {}
    for seed in range(4):
        col = lsm.build_column(540, lam=lam, seed=seed)
        t = col.inhibitory.astype(int)
        D = np.linalg.norm(col.positions[:, None] - col.positions[None], axis=-1)
        A = np.zeros(D.shape, bool)
        A[col.pre, col.post] = True
        off = ~np.eye(len(D), dtype=bool)
        for a in (0, 1):
            for b in (0, 1):
                m = off & (t[:, None] == a) & (t[None, :] == b)
                for d in np.unique(np.round(D[m], 6))[:8]:
                    sel = m & (np.abs(D - d) < 1e-6)
                    n, k = hits.get((a, b, d), (0, 0))
                    hits[(a, b, d)] = (n + sel.sum(), k + A[sel].sum())
        # Dale's law and the redrawn parameters
        assert np.all((col.A > 0) == ~col.inhibitory[col.pre])
        assert np.all((col.U > 0) & (col.U <= 1) & (col.D > 0) & (col.F > 0))
        assert sum(col.redrawn.values()) > 0
    for (a, b, d), (n, k) in hits.items():
        p = lsm.C_CONN[a, b] * np.exp(-(d / lam) ** 2)
        se = np.sqrt(p * (1 - p) / n)
        assert abs(k / n - p) <= 4 * se + 1e-12, (a, b, d, k / n, p)


def test_input_distance_closed_form_and_pair_generation():
    rng = np.random.default_rng(0)
    u, v = np.sort(rng.uniform(0, 0.5, 9)), np.sort(rng.uniform(0, 0.5, 11))
    t = np.linspace(-0.1, 0.6, 140_001)
    f = (np.exp(-((t[:, None] - u) / 5e-3) ** 2).sum(1)
         - np.exp(-((t[:, None] - v) / 5e-3) ** 2).sum(1))
    numeric = np.sqrt(np.sum(f**2) * (t[1] - t[0])) / 0.5
    assert lsm.input_distance(u, v, 0.5) == pytest.approx(numeric, rel=1e-6)
    assert lsm.input_distance(u, u, 0.5) == 0.0
    u, vs, got, _ = lsm.trains_at_distances([0, 0.1, 0.2, 0.4], 0.5, 20.0, rng)
    np.testing.assert_allclose(got, [0, 0.1, 0.2, 0.4], atol=1e-3)
    np.testing.assert_allclose([lsm.input_distance(u, v, 0.5) for v in vs], got)


@pytest.fixture(scope="module")
def small_point():
    return experiment.simulate_point({"N": 135, "lam": 2.0, "input_fraction": 0.3}, SMALL,
                              np.random.default_rng([0, 0, 0, 1]))


def test_separation_ordered_and_checks_pass_at_small_size(small_point):
    ds = th.add_theory(small_point.expand_dims(N=[135], lam=[2.0], input_fraction=[0.3]))
    ds.attrs.update(small_point.attrs)
    checks = {c.check: c for c in th.make_checks(ds)}
    for d in (0.1, 0.2, 0.4):
        sep = checks[f"separation_ordered_N135_lam2_in0.3_d{d:g}"]
        assert sep.passed and sep.kind == "prediction", sep
    assert checks["floor_fades_N135_lam2_in0.3"].passed
    assert all(c.passed for c in checks.values()), [c for c in checks.values() if not c.passed]
    # the d = 0 floor lies below every other curve on average over the window
    m = ds.separation_mean.sel(N=135, lam=2.0, input_fraction=0.3)
    late = m.sel(t=slice(0.1, 0.5)).mean("t")
    assert np.all(np.diff(late.values) > 0)
    # the equilibrated start: the floor begins at the typical distance of two driven states
    assert float(m.sel(distance=0).isel(t=0)) > 1.0
    pt = ds.sel(N=135, lam=2.0, input_fraction=0.3)
    assert 0.3 < float(pt.isi_cv) < 1.5 and 0 < float(pt.synchrony) < 1


def test_point_reproducible_and_seed_dependent(small_point):
    settings = dict(SMALL, n_pairs=5, T=0.2, readout_delays_ms=[0, 50], lif_T=0.2)
    pt = {"N": 135, "lam": 2.0, "input_fraction": 1.0}
    a = experiment.simulate_point(pt, settings, np.random.default_rng([1, 2]))
    b = experiment.simulate_point(pt, settings, np.random.default_rng([1, 2]))
    xr.testing.assert_identical(a, b)
    c = experiment.simulate_point(pt, settings, np.random.default_rng([1, 3]))
    assert not np.array_equal(a.state_distance.values, c.state_distance.values)


def test_bad_input():
    with pytest.raises(ValueError, match="multiple of 15"):
        lsm.grid_shape(100)
    with pytest.raises(ValueError, match="input_fraction"):
        lsm.build_column(135, input_fraction=0.0)
    with pytest.raises(RuntimeError, match="allowed: smaller distances"):
        lsm.trains_at_distances([0, 5.0], 0.5, 20.0, np.random.default_rng(0), max_tries=3)


@pytest.mark.parametrize("rate, T", [(20.0, 0.5), (20.0, 5.0), (200.0, 1.0)])
def test_reachable_distance_is_the_mean_jittered_distance(rate, T):
    """E d^2 of a train and its copy jittered by SIGMA_MAX: the closed form against 300
    draws (the standard error of the mean of d^2 is below 6 % here)."""
    rng = np.random.default_rng(5)
    d2 = []
    for _ in range(300):
        u = np.sort(rng.uniform(0, T, rng.poisson(rate * T)))
        v = np.sort(lsm._reflect(u + lsm.SIGMA_MAX * rng.standard_normal(len(u)), T))
        d2.append(lsm.input_distance(u, v, T) ** 2)
    se = np.std(d2) / np.sqrt(len(d2))
    assert abs(np.mean(d2) - lsm.reachable_distance(rate, T) ** 2) < 4 * se


def test_trial_blocks_do_not_change_the_result(monkeypatch):
    """Trials are simulated in cache-sized blocks; the blocking must not change anything."""
    col = lsm.build_column(270, seed=1)
    trains = lsm.poisson_trains(30, 20.0, 0.3, 2)
    a = lsm.simulate(col, trains, 0.3, seed=3, record_every=50, return_spikes=12,
                     synapse_state=True)
    monkeypatch.setattr(lsm, "TRIALS_X_NEURONS", 270 * 7)  # blocks of 7 trials
    b = lsm.simulate(col, trains, 0.3, seed=3, record_every=50, return_spikes=12,
                     synapse_state=True)
    for key in ("states", "spike_counts", "raster", "u_last", "R_last"):
        np.testing.assert_array_equal(a[key], b[key])
    assert a["spike_counts"].sum() > 0
