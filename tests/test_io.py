"""Shared plumbing: shard bundling, irregular merges, atomic writes, provenance, checks."""

import numpy as np
import pytest
import xarray as xr

from memory_dynamics.analysis import checks
from memory_dynamics.config import shards, validate
from memory_dynamics.io import as_shard, merge_shards, provenance, read_dataset, write_dataset
from memory_dynamics.sim.rng import point_rng
from memory_dynamics.studies.hopfield.experiment import simulate_point

CONFIG = {"hopfield": {"N": [60, 4000], "alpha": [0.1, 0.2, 0.3], "n_networks": 2,
                       "max_starts": 2}}


def _point(cfg, pt):
    s = {k: v for k, v in cfg["hopfield"].items() if k not in ("N", "alpha")}
    return as_shard(simulate_point(pt["values"], s, point_rng(cfg["root_seed"], *pt["indices"])),
                    pt["values"])


def test_bundles_cheap_points_and_merges_irregular_tiles(tmp_path, monkeypatch):
    cfg = validate(dict(CONFIG, hopfield=dict(CONFIG["hopfield"])))
    plan = shards(cfg, "hopfield")
    # N=60 points are cheap and share a shard; N=4000 points are expensive: one each
    assert list(plan) == ["N60_alpha0.1-0.3", "N4000_alpha0.1", "N4000_alpha0.2",
                          "N4000_alpha0.3"]
    assert [p["indices"] for p in plan["N60_alpha0.1-0.3"]] == [(0, 0), (0, 1), (0, 2)]
    # irregular tiling (3 alphas in one file, 1 in each of the others) merges to the grid
    # that simulating every point on its own gives; use small N in place of 4000
    monkeypatch.setitem(cfg["hopfield"], "N", [60, 80])
    paths = []
    for i, pts in enumerate(plan.values()):
        pts = [dict(p, values=dict(p["values"], N=60 if p["indices"][0] == 0 else 80))
               for p in pts]
        parts = [_point(cfg, p) for p in pts]
        ds = xr.combine_by_coords(parts, data_vars="minimal", coords="minimal",
                                  compat="override", join="exact")
        paths.append(write_dataset(ds, tmp_path / f"{i}.nc"))
    merged = merge_shards(paths[::-1], ("N", "alpha"))
    assert merged.sizes == {"N": 2, "alpha": 3, "network": 2}
    assert merged.P.dims == ("N", "alpha")
    ref = _point(cfg, {"indices": (1, 2), "values": {"N": 80, "alpha": 0.3}})
    xr.testing.assert_identical(merged.sel(N=[80], alpha=[0.3]).drop_attrs(),
                                ref.drop_attrs())


def test_atomic_write_and_corrupt_file_is_reported(tmp_path):
    ds = xr.Dataset({"x": ("t", np.arange(5.0), {"long_name": "x", "units": "1"})})
    p = write_dataset(ds, tmp_path / "a.nc")
    xr.testing.assert_identical(read_dataset(p), ds)
    assert [f.name for f in tmp_path.iterdir()] == ["a.nc"], "no temporary file left"
    p.write_bytes(p.read_bytes()[:100])  # truncate
    with pytest.raises(OSError, match="corrupt or truncated"):
        read_dataset(p)


def test_provenance_attributes():
    a = provenance("t", {"root_seed": 3, "hopfield": {"N": [10]}}, "refs")
    for k in ("title", "source", "history", "references", "Conventions", "config",
              "package_versions", "root_seed"):
        assert k in a
    assert a["root_seed"] == 3 and '"N": [10]' in a["config"]
    assert "code version" in a["source"] and "numpy=" in a["package_versions"]


def test_checks_csv_roundtrip(tmp_path):
    rows = [checks.within("a", "d", 1.0, 1.05, 0.1), checks.within("b", "d", 1.0, 1.2, 0.1),
            checks.within_se("c", "d", 0.0, 0.25, 0.1, 3), checks.at_least("e", "d", 1, 2),
            checks.below("f", "d", 1, 1), checks.within("g", "d", 1.0, np.nan, 1.0)]
    assert [r.passed for r in rows] == [True, False, True, True, False, False]
    assert rows[2].tolerance == pytest.approx(0.3)
    checks.write(rows, tmp_path / "c.csv")
    back = checks.read(tmp_path / "c.csv")
    assert [r.check for r in back] == [r.check for r in rows]
    assert [r.passed for r in back] == [r.passed for r in rows]
    np.testing.assert_allclose([r.tolerance for r in back], [r.tolerance for r in rows])
    assert np.isnan(back[-1].observed)
    assert [r.kind for r in back] == ["reference", "reference", "prediction", "bound",
                                      "bound", "reference"]
    assert np.isnan(back[2].dof) and np.isnan(back[2].detectable)  # expected 0: no ratio
    assert checks.within_se("p", "d", 2.0, 2.1, 0.1, 3, dof=7).detectable == pytest.approx(0.15)
    assert back[2].z == pytest.approx(2.5) and np.isnan(back[0].z)
    assert (tmp_path / "c.csv").read_text().splitlines()[0] == (
        "check,kind,description,expected,observed,tolerance,z,dof,detectable,bound,relation,"
        "passed")
    assert back[3].bound == 1 and back[3].relation == "observed >= bound"
    assert np.isnan(back[3].expected) and np.isnan(back[3].tolerance)


def test_simulation_check_with_no_spread_fails_and_sidak_thresholds():
    assert not checks.within_se("x", "d", 0.0, 0.0, 0.0).passed  # SE 0: cannot be tested
    assert checks.sidak(1) == pytest.approx(3.0)
    assert checks.sidak(20) == pytest.approx(3.81, abs=0.01)
    assert checks.sidak(1, dof=3) == pytest.approx(9.22, abs=0.01)  # few replicates: Student t
    assert checks.counts([checks.within("a", "d", 0, 0, 1),
                          checks.within_se("b", "d", 0, 5, 1)]) == {"prediction": (0, 1),
                                                                    "reference": (1, 1)}


def test_merge_keeps_string_coordinates_whole(tmp_path):
    paths = []
    for i, name in enumerate(["linear", "logistic", "tanh"]):
        ds = xr.Dataset({"x": (("phi", "N"), [[float(i)]], {"long_name": "x", "units": "1"})},
                        coords={"phi": [name], "N": [10]})
        paths.append(write_dataset(ds, tmp_path / f"{i}.nc"))
    merged = merge_shards(paths, ("phi", "N"))
    assert list(merged.phi.values) == ["linear", "logistic", "tanh"]
