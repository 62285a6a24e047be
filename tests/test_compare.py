"""Your own theory checked the suite's way (md.compare), and the checks of the checks:
kinds, power and the calibration of z."""

import math

import numpy as np
import pytest
import xarray as xr

import memory_dynamics as md
from memory_dynamics.analysis import checks as chk


def _toy(seed=0, n=40, shift=0.0):
    """x(mu, sigma, trial) ~ N(mu + shift, sigma): the theory of the mean is mu."""
    rng = np.random.default_rng(seed)
    mu, sigma = np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2])
    x = mu[:, None, None] + shift + sigma[None, :, None] * rng.standard_normal((3, 2, n))
    return xr.Dataset({"x": (("mu", "sigma", "trial"), x)},
                      coords={"mu": mu, "sigma": sigma, "trial": np.arange(n)})


def test_a_right_theory_passes_and_a_wrong_one_fails_in_every_form():
    ds = _toy()
    right = md.compare(ds, "x", lambda mu: mu)
    assert len(right) == 6 and right.passed.all() and (right.kind == "prediction").all()
    assert (right.dof == 39).all() and right.detectable.max() < 0.2
    for theory in (ds.mu, ds.mu.values[:, None], lambda mu, sigma: mu + 0 * sigma):
        pd_ = md.compare(ds, "x", theory)
        np.testing.assert_allclose(pd_.z, right.z)
    wrong = md.compare(ds, "x", lambda mu: 1.2 * mu, name="wrong")
    assert not wrong.passed.any() and wrong.check.str.startswith("wrong_mu").all()
    assert md.compare(ds, "x", 2.0).passed.sum() == 2  # a number: only mu = 2 agrees


def test_compare_says_what_is_wrong_in_one_line():
    ds = _toy()
    for kwargs, match in (({"variable": "y", "theory": 1.0}, "not a variable"),
                          ({"variable": "x", "theory": lambda nu: nu}, "asks for nu"),
                          ({"variable": "x", "theory": 1.0, "over": "seed"}, "over = 'seed'"),
                          ({"variable": "x", "theory": 1.0, "kind": "identity"}, "kind"),
                          ({"variable": "x", "theory": np.nan}, "nothing to compare")):
        with pytest.raises(ValueError, match=match):
            md.compare(ds, **kwargs)
    two = ds.expand_dims(seed=2)
    with pytest.raises(ValueError, match="pass over="):
        md.compare(two, "x", 1.0)


def test_plot_compare_overlays_theory_on_the_means():
    ax = md.plot_compare(_toy(), "x", lambda mu: mu, x="mu")
    assert len(ax.lines) >= 2 and ax.get_xlabel() == "mu"
    with pytest.raises(ValueError, match="at most one other"):
        md.plot_compare(_toy().expand_dims(nu=[1, 2]), "x", 1.0, x="mu", over="trial")


def test_kinds_power_and_evidence():
    strong = chk.within_se("s", "d", 10.0, 10.1, 0.1, 3.0, dof=9)
    weak = chk.within_se("w", "d", 1.0, 1.1, 0.2, 3.0, dof=9)
    sign = chk.significant_se("g", "d", 1.0, 0.1, 3.0)
    fitted = chk.within_se("f", "d", 10.0, 10.1, 0.1, 3.0, kind="fitted")
    assert strong.detectable == pytest.approx(0.03) and chk.evidence(strong)
    assert weak.detectable == pytest.approx(0.6) and not chk.evidence(weak)
    assert sign.relation == "observed > 0" and chk.evidence(sign) and not chk.centred(sign)
    assert not chk.evidence(fitted) and chk.within("r", "d", 1, 1, 0).kind == "reference"
    with pytest.raises(ValueError, match="kind"):
        chk.Check("x", "simulation", "d", 0, 0, 0, 0, True)


def test_calibration_accepts_a_null_and_flags_a_shift_and_over_dispersion():
    rng = np.random.default_rng(1)
    dof = 15

    def rows(z):
        return [chk.Check(f"c{i}", "prediction", "d", 1.0, 1.0, 1.0, float(v), True,
                          dof=dof) for i, v in enumerate(z)]

    null = chk.calibration(rows(rng.standard_t(dof, 2000)))
    assert null["n"] == 2000 and not null["overdispersed"] and null["ks_p"] > 0.01
    assert abs(null["gt3"] - null["expected_gt3"]) < 4 * math.sqrt(null["expected_gt3"])
    assert chk.calibration(rows(1.5 * rng.standard_t(dof, 2000)))["overdispersed"]
    assert chk.calibration(rows(rng.standard_t(dof, 2000) - 0.3))["overdispersed"]
