"""The API equals the workflow, variable for variable and check for check, for every
study with every setting moved off its default (values generated from the schema by
``schema_values.off_default``), whatever the number of BLAS threads of the caller."""

import json

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import comparable, run_snakemake
from schema_values import ALL, off_default, settings_keys
from threadpoolctl import threadpool_limits

import memory_dynamics as md
from memory_dynamics.analysis import checks as chk
from memory_dynamics.config import resolve, schema
from memory_dynamics.io import read_dataset, setting, write_dataset

pytestmark = pytest.mark.pipeline

SEED = 777


@pytest.fixture(scope="module")
def changed():
    """Each study's quick section with every setting off its default."""
    out = {}
    for study in ALL:
        section, unchanged = off_default(study)
        assert not unchanged, (study, unchanged)
        out[study] = section
    return out


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, changed):
    wd = tmp_path_factory.mktemp("off_default")
    cfg = wd / "off_default.yaml"
    cfg.write_text(yaml.safe_dump({"root_seed": SEED, **changed}))
    run_snakemake(wd, "--configfile", cfg, "--cores", "2")
    return wd / "results"


def test_every_setting_is_off_its_default(changed):
    props = schema()["properties"]
    for study, section in changed.items():
        for key in settings_keys(study):
            assert section[key] != props[study]["properties"][key].get("default"), (study, key)
            assert section[key] != resolve("quick")[study][key], (study, key)


def _science(ds):
    ds = comparable(ds)
    for key in ("config", "package_versions"):  # the API's config names one study only
        ds.attrs.pop(key)
    return ds


@pytest.mark.parametrize("study", ALL)
def test_api_equals_pipeline(study, changed, pipeline, tmp_path):
    with threadpool_limits(limits=2):  # the caller's BLAS threads do not matter
        ds = md.simulate(study, seed=SEED, **changed[study])
    # the same file round trip as the workflow's merged dataset
    api = read_dataset(write_dataset(ds, tmp_path / f"{study}.nc"))
    ref = read_dataset(pipeline / study / f"{study}.nc")
    xr.testing.assert_identical(_science(api), _science(ref))
    for key in settings_keys(study):  # the dataset records every setting
        want = changed[study][key]
        got = api.attrs[key]
        if want is None:
            assert got == "null" and setting(api, key) is None, key
        elif isinstance(want, str):
            assert got == want, key
        else:
            np.testing.assert_array_equal(np.asarray(got, float), np.asarray(want, float))
    assert json.loads(api.attrs["config"])[study] == json.loads(ref.attrs["config"])[study]
    # check for check (the checks of the dataset as the API returns it), byte for byte
    rows = md.checks(ds).drop(columns=["known_deviation", "detectable"]).to_dict("records")
    chk.write([chk.Check(**r) for r in rows], tmp_path / "checks.csv")
    assert (tmp_path / "checks.csv").read_text() == (pipeline / study / "checks.csv").read_text()
