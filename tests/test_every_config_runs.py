"""Property-based: every valid config runs end to end through the API.

Hypothesis draws small valid configs of each study from its schema (sweep lists as subsets
of the quick preset's, or of every allowed value for the named axes such as ``model`` or
``phi``; every setting either the quick value or one of its schema alternatives, see
``schema_values.alternatives``) and runs simulate -> checks -> every figure. Required: no
exception; no check row without values (a check that cannot be computed is not emitted); no
unexplained NaN or inf; no blank figure panel (an empty one says why in words).
``MEMORY_DYNAMICS_PROPERTY_EXAMPLES`` sets the configs per study (default 10).
"""

import os

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schema_values import ALL, alternatives, section_schema

import memory_dynamics as md
from memory_dynamics.config import ConfigError, resolve, validate
from memory_dynamics.io import NON_FINITE
from memory_dynamics.registry import get

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = pytest.mark.pipeline

EXAMPLES = int(os.environ.get("MEMORY_DYNAMICS_PROPERTY_EXAMPLES", "10"))
#: at most this many values per sweep axis (small configs: seconds per example)
MAX_SWEEP = 2
#: sweep axes whose values are names: drawn from every allowed name
NAMED = {"model", "phi", "ensemble"}
#: sweep values drawn from (the quick preset's otherwise): small sizes only
SMALL = {("associative", "storage"): [1024], ("hopfield", "N"): [300, 1000],
         ("gradients", "N"): [60, 100], ("lsm", "N"): [135], ("reservoir", "N"): [20]}
#: settings drawn around these instead of the quick preset's (seconds per example)
SMALL_SETTINGS = {"reservoir": {"T": 20000}, "fisher": {"n_samples": 20000},
                  "lsm": {"n_pairs": 30}, "associative": {"n_trials": 6},
                  "gradients": {"n_seeds": 6}, "saxe": {"steps": 6000}}


def _subset(values, lo, hi):
    """Ordered sub-lists of ``values`` with lo..hi elements."""
    return (st.lists(st.sampled_from(range(len(values))), min_size=lo, max_size=hi,
                     unique=True)
            .map(lambda idx: [values[i] for i in sorted(idx)]))


@st.composite
def configs(draw, study):
    props = section_schema(study)
    quick = {**resolve("quick")[study], **SMALL_SETTINGS.get(study, {})}
    section = {}
    for axis in get(study).sweeps:
        prop = props[axis]
        pool = (list(prop["items"]["enum"]) if axis in NAMED and "enum" in prop["items"]
                else SMALL.get((study, axis), quick[axis]))
        lo = max(1, prop.get("minItems", 1))
        section[axis] = draw(_subset(pool, min(lo, len(pool)), max(lo, MAX_SWEEP)))
    for key, prop in props.items():
        if key in section:
            continue
        section[key] = draw(st.sampled_from([quick[key], *alternatives(prop, quick[key])]))
    try:
        validate({"studies": [study], study: section})
    except ConfigError:
        assume(False)
    return section


def _blank_panels(fig):
    return [i for i, ax in enumerate(fig.axes)
            if ax.axison and not (ax.has_data() or ax.texts or ax.artists)
            and ax.get_label() != "<colorbar>"]


@pytest.mark.parametrize("study", ALL)
def test_every_valid_config_runs(study):
    seen = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(configs(study))
    def run(section):
        seen.append(section)
        ds = md.simulate(study, **section)
        bad = [v for v in ds.variables if str(ds[v].attrs.get(NON_FINITE, "")).startswith(
            "UNEXPLAINED")]
        assert not bad, (section, bad)
        rows = md.checks(ds)
        if len(rows):
            empty = rows[rows.observed.isna() | (rows.expected.isna() & rows.bound.isna())]
            assert empty.empty, (section, empty.check.tolist())
            z = rows.z[rows.kind.isin(["prediction", "fitted"])].dropna().astype(float)
            assert not np.isnan(z).any()
        elif study == "gated":
            # its checks are slopes over >= 3 timescales with a measured horizon: a small
            # config whose lag grid bounds (censors) the horizons has nothing to check
            assert ((~ds.horizon_censored.astype(bool)).sum("tau") < 3).all(), section
        else:
            raise AssertionError(f"no checks: {section}")
        for name in get(study).figures:
            fig = md.figure(ds, name)
            try:
                assert not _blank_panels(fig), (section, name, _blank_panels(fig))
            finally:
                plt.close(fig)

    run()
    print(f"{study}: {len(seen)} configs ran")
    assert len(seen) >= min(EXAMPLES, 3)
