"""Bad arguments to the API get one line naming the argument and what is allowed; numpy
values are plain values; the caller's matplotlib state is left alone."""

import matplotlib
import numpy as np
import pytest
from conftest import comparable

import memory_dynamics as md

SMALL = dict(N=[100], alpha=[0.05, 0.1], n_networks=2, max_starts=2)


@pytest.fixture(scope="module")
def hop():
    return md.simulate("hopfield", **SMALL)


def _one_line(excinfo, *words):
    msg = str(excinfo.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_numpy_values_are_plain_values(hop):
    ds = md.simulate("hopfield", N=np.array([np.int64(100)]), alpha=(np.float64(0.05), 0.1),
                     n_networks=np.int32(2), max_starts=2, seed=np.int64(20261121))
    assert comparable(ds).identical(comparable(hop))  # (but the time stamps)


@pytest.mark.parametrize("kwargs, words", [
    (dict(study="hopfeld"), ("study = 'hopfeld'", "allowed: hopfield")),
    (dict(study=3), ("study = 3", "allowed:")),
    (dict(study="hopfield", theory="no"), ("theory = 'no'", "True or False")),
    (dict(study="hopfield", n_networks=2.5), ("hopfield.n_networks", "allowed:")),
    (dict(study="hopfield", N=np.ones((2, 2), int)), ("hopfield.N", "one-dimensional")),
    (dict(study="hopfield", colour="red"), ("unknown key 'colour'",)),
])
def test_simulate_rejects_bad_arguments_in_one_line(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as e:
        md.simulate(**kwargs)
    _one_line(e, *words)


def test_checks_and_figure_reject_bad_datasets_in_one_line(hop):
    with pytest.raises(TypeError) as e:
        md.checks([1, 2])
    _one_line(e, "ds is a list", "allowed: an xarray.Dataset")
    with pytest.raises(ValueError) as e:
        md.checks(hop, study="fisher")
    _one_line(e, "study = 'fisher'", "dataset of study 'hopfield'")
    bare = hop.copy()
    del bare.attrs["study"]
    with pytest.raises(ValueError) as e:
        md.checks(bare)
    _one_line(e, "does not name its study", "pass study=")
    assert len(md.checks(bare, study="hopfield"))  # named: fine
    no_theory = md.simulate("hopfield", theory=False, **SMALL)
    with pytest.raises(ValueError) as e:
        md.checks(no_theory)
    _one_line(e, "no theory variables", "theory=True")
    with pytest.raises(ValueError) as e:
        md.figure(hop, "hopfield_nonsense")
    _one_line(e, "name = 'hopfield_nonsense'", "allowed: hopfield_one_step_error_vs_alpha")
    no_settings = hop.copy()
    del no_settings.attrs["settings"]
    with pytest.raises(ValueError) as e:
        md.figure(no_settings, "hopfield_overlap_vs_alpha")
    _one_line(e, "does not record its settings")


def test_figure_leaves_backend_and_rcparams_alone(hop):
    backend = matplotlib.get_backend()
    before = dict(matplotlib.rcParams)
    fig = md.figure(hop, "hopfield_one_step_error_vs_alpha")
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == before
    assert fig.axes[0].xaxis.label.get_fontsize() == 8  # drawn in the project style
