"""Associative memories: the encode/compose/decode operations, the theory's closed forms, and
simulation against theory at fixed seeds (docs/associative.md)."""

import numpy as np
import pytest
from scipy import stats

from memory_dynamics.analysis import associative as th
from memory_dynamics.analysis import hopfield as hop
from memory_dynamics.config import ConfigError, validate
from memory_dynamics.sim import associative as sim


def _direct_convolution(a, b):
    n = len(a)
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return (a[k] * b[(j - k) % n]).sum(axis=1)


def test_bind_is_circular_convolution_and_unitary_involution_is_inverse():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    np.testing.assert_allclose(sim.bind(a, b), _direct_convolution(a, b), atol=1e-12)
    np.testing.assert_allclose(sim.involution(a), a[(-np.arange(16)) % 16])
    u = sim.unitary_vectors((16,), rng).astype(float)
    np.testing.assert_allclose(np.abs(np.fft.rfft(u)), 1, atol=1e-5)
    np.testing.assert_allclose(sim.unbind(sim.bind(u, b), u), b, atol=1e-5)
    np.testing.assert_allclose(sim.unbind(sim.bind(u, b), u, exact=True), b, atol=1e-5)
    # for a Gaussian key the involution is only approximate, the exact inverse is exact
    np.testing.assert_allclose(sim.unbind(sim.bind(a, b), a, exact=True), b, atol=1e-8)
    assert np.linalg.norm(sim.unbind(sim.bind(a, b), a) - b) > 0.1


def test_single_pair_recall_of_every_vector_memory():
    rng = np.random.default_rng(1)
    n = 32
    k = sim.phasor_vectors((1, n), rng)
    y = sim.phasor_vectors((1, n), rng)
    np.testing.assert_allclose(sim.FHRR(n).store(k, y).recall(k)[0], y[0], atol=1e-5)
    red = sim.RedundantFHRR(n, 3, rng).store(k, y)
    np.testing.assert_allclose(red.recall(k)[0], y[0], atol=1e-5)
    assert red.storage == 2 * n * 3
    x = sim.gaussian_vectors((5, n), rng)
    v = sim.gaussian_vectors((5, n), rng)
    for rule in ("pinv",):  # exact for Q <= n linearly independent keys
        np.testing.assert_allclose(sim.MatrixMemory(n, rule).store(x, v).recall(x), v,
                                   atol=1e-4)
    q, _ = np.linalg.qr(rng.standard_normal((n, 5)))
    o = q.T.astype(np.float32)
    np.testing.assert_allclose(sim.MatrixMemory(n).store(o, v).recall(o), v, atol=1e-5)
    roles = sim.gaussian_vectors((1, 2, n), rng)
    t = sim.TensorProduct3(n).store(roles, v[:1])
    gain = np.sum(roles[0, 0] ** 2) * np.sum(roles[0, 1] ** 2)
    np.testing.assert_allclose(t.recall(roles)[0], gain * v[0], rtol=1e-4)


def test_binary_memories_basics():
    rng = np.random.default_rng(2)
    x = sim.sparse_binary((50, 64), 6, rng)
    assert (x.sum(axis=-1) == 6).all()
    s = (2 * rng.integers(0, 2, (20, 100)) - 1).astype(np.float32)
    f = sim.flip_bits(s, 0.1, rng)
    assert ((f != s).sum(axis=-1) == 10).all()
    y = sim.sparse_binary((50, 64), 6, rng)
    w = sim.Willshaw(64).store(x, y)
    out = w.recall(x)
    assert ((out == 0) & (y == 1)).sum() == 0  # a stored key never misses
    # SDM: activations are the Hamming ball, one stored word is read back exactly
    A, L = 32, 200
    addr = (2 * rng.integers(0, 2, (L, A)) - 1).astype(np.float32)
    mem = sim.SDM(addr, 12, 8)
    key = (2 * rng.integers(0, 2, (1, A)) - 1).astype(np.float32)
    direct = ((addr != key).sum(axis=1) <= 12).astype(np.float32)
    np.testing.assert_array_equal(mem.active(key)[0], direct)
    word = (2 * rng.integers(0, 2, (1, 8)) - 1).astype(np.float32)
    mem.store(key, word)
    assert direct.sum() > 0 and np.array_equal(mem.recall(key), word)
    # fast weights with decay 1 are the Hebbian couplings with a zero diagonal
    p = (2 * rng.integers(0, 2, (4, 30)) - 1).astype(np.float32)
    A1 = sim.FastWeights(30, 1.0).store(p).matrix
    J = p.T @ p / 30
    np.fill_diagonal(J, 0)
    np.testing.assert_allclose(A1, J, atol=1e-6)
    Ad = sim.FastWeights(30, 0.5).store(p).matrix  # the newest pattern has weight 1
    J = (p.T * 0.5 ** np.arange(3, -1, -1)) @ p / 30
    np.fill_diagonal(J, 0)
    np.testing.assert_allclose(Ad, J, atol=1e-6)


def test_simulate_recall_is_reproducible_and_validates():
    a = sim.simulate_recall("hrr", 256, [4, 8], 4, 7, cue_noise=[0, 0.2])
    b = sim.simulate_recall("hrr", 256, [4, 8], 4, 7, cue_noise=[0, 0.2])
    assert a.equals(b)
    assert dict(a.sizes) == {"Q": 2, "cue_noise": 2, "trial": 4}
    with pytest.raises(ValueError, match="model must be one of"):
        sim.simulate_recall("nope", 8, 2, 2, 0)
    with pytest.raises(ValueError, match="non-decreasing"):
        sim.simulate_recall("hrr", 64, [8, 4], 2, 0)


@pytest.mark.parametrize("model,n,Q", [("hrr", 512, 20), ("hrr_unitary", 512, 20),
                                       ("fhrr", 256, 20), ("redundant", 64, 20),
                                       ("cmm_sign", 32, 20), ("cmm_gauss", 32, 20),
                                       ("cmm_pinv", 32, 12), ("tpr2_orthonormal", 32, 20)])
def test_moments_and_p_correct_match_simulation(model, n, Q):
    """The exact moments and the quadrature P(correct) within 4.5 SE of 48 memories."""
    ds = sim.simulate_recall(model, n, [Q], 48, 11, cue_noise=[0.0, 0.3])
    mu1, v1, v0 = th.moments(model, n, Q, ds.cue_noise.values)
    p = th.p_correct(model, n, np.full(2, Q), 1000, ds.cue_noise.values)
    for name, ref in (("signal_mean", mu1), ("signal_var", v1), ("crosstalk_var", v0),
                      ("p_correct", p)):
        x = ds[name].isel(Q=0)
        se = x.std("trial") / np.sqrt(48)
        z = ((x.mean("trial") - ref) / se).values
        assert np.all(np.abs(z[se.values > 0]) < 4.5), (name, z)


def test_raw_common_integral_fails_where_the_scale_free_theory_holds():
    """Where the decoded vector is nearly noise-free the distractors' shared |y_hat|
    decides: the raw integral is off by > 0.1, the scale-free theory is not."""
    ds = sim.simulate_recall("cmm_gauss", 32, [10], 64, 3)
    p = float(ds.p_correct.mean())
    assert abs(p - float(th.p_correct("cmm_gauss", 32, 10))) < 0.02
    assert p - float(th.p_correct_frady("cmm_gauss", 32, 10)) > 0.1


def test_willshaw_false_positives_and_p1_against_simulation():
    n, k, R = 64, 6, 60
    ds = sim.simulate_recall("willshaw", n, [R], 64, 5, cue_noise=[0.0, 0.5])
    for i, nu in enumerate(ds.cue_noise.values):
        kc = k - int(round(nu * k))
        fp = ds.false_positive_rate.isel(Q=0, cue_noise=i)
        z = (fp.mean() - th.willshaw_false_positive(n, k, R, kc)) / (fp.std() / 8)
        assert abs(float(z)) < 4
    p1 = ds.synapse_fraction.isel(Q=0, cue_noise=0)
    assert abs(float(p1.mean()) - float(th.willshaw_synapse_fraction(n, k, R))) < 4 * float(
        p1.std() / 8)
    # the independence approximation p1^k differs from the exact value
    assert th.willshaw_false_positive(n, k, R) != pytest.approx(
        th.willshaw_synapse_fraction(n, k, R) ** k, rel=1e-3)


def test_sdm_theory():
    A, r = 10, 3
    locs = ((np.arange(2**A)[:, None] >> np.arange(A)) & 1)
    for d in range(A + 1):
        y = np.r_[np.ones(d, int), np.zeros(A - d, int)]
        direct = np.mean(((locs != 0).sum(1) <= r) & ((locs != y).sum(1) <= r))
        assert th.sdm_intersection(A, r, d) == pytest.approx(direct, abs=1e-14)
    assert th.sdm_activation(A, r) == pytest.approx(stats.binom.cdf(r, A, 0.5))
    # one write: no crosstalk, an error only when no location is active (a tie, 1/2)
    p = th.sdm_activation(256, 110)
    assert th.sdm_bit_error(64, 256, 110, 1) == pytest.approx(0.5 * (1 - p) ** 64)
    L, rad, T = 128, 115, 14
    ds = sim.simulate_recall("sdm", L, [T], 64, 9, radius=rad, data_bits=8)
    e = ds.bit_error.isel(Q=0, cue_noise=0)
    assert abs(float(e.mean()) - th.sdm_bit_error(L, 256, rad, T)) < 4 * float(e.std() / 8)
    sig, var = th.sdm_moments(L, 256, rad, T)
    s = ds.signal_mean.isel(Q=0, cue_noise=0)
    assert abs(float(s.mean()) - sig) < 4 * float(s.std() / 8)


def test_hopfield_and_palimpsest_theory():
    assert th.hopfield_one_step(500, 60) == pytest.approx(hop.one_step_error(60 / 500, 500),
                                                          abs=1e-14)
    ds = sim.simulate_recall("hopfield", 200, [30], 32, 4, cue_noise=[0.0, 0.1])
    for i, nu in enumerate((0.0, 0.1)):
        e = ds.bit_error.isel(Q=0, cue_noise=i)
        assert abs(float(e.mean()) - th.hopfield_one_step(200, 30, nu)) < 4 * float(
            e.std() / np.sqrt(32))
        m, v = th.hopfield_field_moments(200, 30, nu)
        f = ds.signal_mean.isel(Q=0, cue_noise=i)
        assert abs(float(f.mean()) - m) < 4 * float(f.std() / np.sqrt(32))
    f = sim.simulate_palimpsest(100, [0.8], 60, 32, 6, cue_noise=0.1)
    err = f.bit_error_one_shot.sel(decay=0.8)
    th_ = th.palimpsest_error(100, 0.8, f.age.values, 60, 0.1)
    z = (err.mean("trial") - th_) / (err.std("trial") / np.sqrt(32))
    ok = (th_ > 1e-2) & (th_ < 0.4)  # rarer errors: a few events per run
    assert np.all(np.abs(z.values[ok]) < 4.5)


def test_capacity_and_information():
    c = th.capacity("hrr", 1024)
    assert th.p_correct("hrr", 1024, c) >= 0.99 > th.p_correct("hrr", 1024, c + 1)
    assert th.capacity("tpr2_orthonormal", 32) == 32  # exact recall up to Q = n
    assert th.capacity("tpr3", 10) == 0  # values of length 10 cannot reach 99 %
    assert th.item_information(1.0, 1000) == pytest.approx(np.log2(1000))
    assert th.item_information(1 / 1000, 1000) == pytest.approx(0, abs=1e-12)
    k = 6
    assert th.capacity("willshaw", 64) == max(
        R for R in range(1, 200) if th.bit_error("willshaw", 64, R) * 64 <= 0.01 * k)
    # Hopfield information read after one update (the exact finite-N channel) approaches
    # its alpha -> infinity limit 1/(pi ln 2) = 0.459 bits per coupling from below
    best = th.THEORIES["hopfield"].best_information(2000, th.Params())
    assert 0.40 < best < 1 / (np.pi * np.log(2))


def test_config_rules():
    with pytest.raises(ConfigError, match="associative.cue_noise"):
        validate({"associative": {"cue_noise": [0.1, 0.2]}})
    with pytest.raises(ConfigError, match="associative.copies"):
        validate({"associative": {"storage": [1024], "copies": 64}})


@pytest.mark.parametrize("mu1, s1, s0", [(1.0, 0.2, 0.3), (1.0, 0.1, 0.35), (0.8, 0.3, 0.25)])
def test_p_correct_integral_against_a_monte_carlo_of_its_model(mu1, s1, s0):
    """P(correct) = P(signal > the largest of M - 1 Gaussian distractors), the integral
    against draws of that model (tolerance: 4 Monte Carlo SE)."""
    rng = np.random.default_rng(12345)
    K, M, blocks = 40000, 1000, 10
    per = (M - 1) // blocks + 1
    best = np.full(K, -np.inf)
    for _ in range(blocks):
        best = np.maximum(best, (rng.standard_normal((K, per), dtype=np.float32) * s0).max(1))
    p_mc = float(np.mean(mu1 + s1 * rng.standard_normal(K) > best))
    se = np.sqrt(p_mc * (1 - p_mc) / K)
    p_in = float(th.p_correct_integral(mu1, s1**2, s0**2, blocks * per + 1))
    assert abs(p_in - p_mc) <= 4 * se, (p_in, p_mc, se)


def test_p_correct_quadrature_against_explicit_vectors_of_its_model():
    """The scale-free quadrature (unitary-key HRR, exact cues: gain exactly 1) against
    y_hat = y + xi, xi isotropic Gaussian of squared norm Q - 1, and M - 1 explicit Gaussian
    distractors (tolerance: 4 Monte Carlo SE)."""
    rng = np.random.default_rng(12345)
    n, Q, M, K = 128, 6, 1000, 8000
    hits = 0
    for _ in range(K // 500):
        y = rng.standard_normal((500, n)) / np.sqrt(n)
        yh = y + rng.standard_normal((500, n)) * np.sqrt((Q - 1) / n)
        w = rng.standard_normal((M - 1, n)) / np.sqrt(n)
        hits += int(np.sum(np.einsum("kn,kn->k", yh, y) > (yh @ w.T).max(axis=1)))
    p_mc = hits / K
    se = np.sqrt(p_mc * (1 - p_mc) / K)
    p_q = float(th.p_correct_quadrature("hrr_unitary", n, Q, M)[0])
    assert abs(p_q - p_mc) <= 4 * se, (p_q, p_mc, se)


def test_one_table_of_models_with_their_theory_and_schema():
    """Every registered model has its theory object and is a schema choice, in one order."""
    from memory_dynamics.config import schema
    from memory_dynamics.studies.associative import HOLOGRAPHIC

    enum = schema()["properties"]["associative"]["properties"]["model"]["items"]["enum"]
    assert list(sim.MODELS) == list(th.THEORIES) == enum
    assert HOLOGRAPHIC == tuple(k for k, m in sim.MODELS.items() if m.family == "holographic")
    for name, m in sim.MODELS.items():
        assert th.THEORIES[name].model is m and m.name == name
        n = m.size(4096)
        assert abs(m.stored(n) - 4096) / 4096 < 0.25  # the footing: about S numbers
