"""The user's path cannot go wrong: malformed config files, NaN/inf in every numeric key,
command-line overrides, oversized jobs, every size key in the estimates, the CLI."""

import copy
import math
import os
import subprocess
import sys

import pytest
import yaml
from conftest import REPO, run_snakemake

from memory_dynamics import cli, health
from memory_dynamics.config import (
    ConfigError,
    parse_override,
    resolve,
    schema,
    shards,
    validate,
)
from memory_dynamics.io import read_dataset
from memory_dynamics.registry import studies

# (file name, content, text the one-line message must contain); the content is YAML text,
# bytes, or None (the path is not written at all)
MALFORMED = [
    ("missing.yaml", None, "no such file"),
    ("adir", "DIR", "is a directory"),
    ("latin1.yaml", "hopfield:\n  n_networks: 3 # caf\xe9\n".encode("latin-1"), "not UTF-8"),
    ("binary.yaml", b"\x89HDF\r\n\x1a\n\x00\x00", "not UTF-8"),
    ("empty.yaml", "", "the file is empty"),
    ("blank.yaml", "\n\n   \n", "the file is empty"),
    ("comment.yaml", "# only a comment\n", "the file is empty"),
    ("list.yaml", "- hopfield\n- fisher\n", "the top level is a list"),
    ("scalar.yaml", "hopfield\n", "the top level is a str"),
    ("number.yaml", "3\n", "the top level is a int"),
    ("unclosed.yaml", "hopfield:\n  alpha: [0.1, 0.2\n", "line 3"),
    ("badindent.yaml", "hopfield:\n  N: [100]\n alpha: [0.1]\n", "YAML syntax error"),
    ("tab.yaml", "hopfield:\n\tN: [100]\n", "line 2"),
    ("colon.yaml", "hopfield: n_networks: 3\n", "line 1"),
    ("anchor.yaml", "hopfield: &h\n  N: *h\n", "refers to itself"),
    ("anchor_list.yaml", "fisher:\n  lags: &l [1, *l]\n", "refers to itself"),
    ("duplicate.yaml", "hopfield:\n  n_networks: 3\n  n_networks: 4\n", "given twice"),
    ("duplicate_top.yaml", "root_seed: 1\nroot_seed: 2\n", "given twice"),
    ("unknown_top.yaml", "root_sed: 1\n", "unknown key 'root_sed'"),
    ("unknown_key.yaml", "hopfield:\n  n_network: 3\n", "unknown key 'n_network'"),
    ("unknown_study.yaml", "studies: [hopfeld]\n", "studies[0]"),
    ("studies_empty.yaml", "studies: []\n", "studies = [] is empty"),
    ("studies_str.yaml", "studies: hopfield\n", "studies = 'hopfield' has the wrong type"),
    ("studies_twice.yaml", "studies: [hopfield, hopfield]\n", "repeated values"),
    ("seed_negative.yaml", "root_seed: -1\n", "root_seed = -1 is out of range"),
    ("seed_float.yaml", "root_seed: 1.0e+23\n", "root_seed = 1e+23 has the wrong type"),
    ("seed_text.yaml", "root_seed: 1e23\n", "root_seed = '1e23' has the wrong type"),
    ("seed_huge.yaml", "root_seed: 100000000000000000000000\n", "root_seed = 1000"),
    ("seed_str.yaml", "root_seed: abc\n", "root_seed = 'abc' has the wrong type"),
    ("seed_bool.yaml", "root_seed: true\n", "root_seed = True has the wrong type"),
    ("section_list.yaml", "hopfield: [1, 2]\n", "hopfield = [1, 2] has the wrong type"),
    ("section_scalar.yaml", "hopfield: 3\n", "hopfield = 3 has the wrong type"),
    ("networks_float.yaml", "hopfield:\n  n_networks: 4.0\n", "n_networks = 4.0 has the wrong"),
    ("networks_bool.yaml", "hopfield:\n  n_networks: true\n", "n_networks = True has the"),
    ("networks_null.yaml", "hopfield:\n  n_networks: null\n", "n_networks = None has the"),
    ("networks_one.yaml", "hopfield:\n  n_networks: 1\n", "hopfield.n_networks = 1"),
    ("N_scalar.yaml", "hopfield:\n  N: 1000\n", "hopfield.N = 1000 has the wrong type"),
    ("N_empty.yaml", "hopfield:\n  N: []\n", "hopfield.N = [] is empty"),
    ("N_float.yaml", "hopfield:\n  N: [100, 2.5]\n", "hopfield.N[1] = 2.5"),
    ("N_string.yaml", "hopfield:\n  N: ['100']\n", "hopfield.N[0] = '100'"),
    ("alpha_nan.yaml", "hopfield:\n  alpha: [.nan]\n", "hopfield.alpha[0] = nan"),
    ("alpha_inf.yaml", "hopfield:\n  alpha: [.inf]\n", "hopfield.alpha[0] = inf"),
    ("alpha_one.yaml", "hopfield:\n  alpha: [0.1, 1.0]\n", "hopfield.alpha[1] = 1.0"),
    ("cue_flip.yaml", "hopfield:\n  cue_flip: 0.5\n", "hopfield.cue_flip = 0.5"),
    ("diag_str.yaml", "hopfield:\n  zero_diagonal: 'yes'\n", "zero_diagonal = 'yes'"),
    ("lsm_dt_nan.yaml", "lsm:\n  dt: .nan\n", "lsm.dt = nan"),
    ("lsm_N.yaml", "lsm:\n  N: [100]\n", "multiple of 15"),
    ("fisher_lags.yaml", "fisher:\n  lags: [1, 5000]\n  k_max: 100\n", "fisher.lags"),
    ("fisher_alpha.yaml", "fisher:\n  ensemble: [orthogonal]\n  alpha: [1.2]\n", "delay_line"),
    ("gradients_g.yaml", "gradients:\n  g: [-1.0]\n", "gradients.g[0]"),
    ("forget_minus_inf.yaml", "gradients:\n  lstm_forget_bias: [-.inf]\n", "= -inf"),
    ("reservoir_rho.yaml", "studies: [reservoir]\nreservoir:\n  rho: [0.9, 1.0]\n",
     "reservoir.rho"),
    ("saxe_depth.yaml", "saxe:\n  tree_depth: [0]\n", "saxe.tree_depth[0]"),
    ("assoc_cue.yaml", "associative:\n  cue_noise: [0.2]\n", "must start with 0"),
    ("assoc_model.yaml", "associative:\n  model: [hrr, holographic]\n", "model[1]"),
    ("same_point.yaml", "hopfield:\n  alpha: [0.1, 0.1000000001]\n", "same point name"),
]


def _one_line_error(capsys, rc):
    out = capsys.readouterr()
    assert rc == 1, out
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Config error: "), out.err
    assert "Traceback" not in out.err + out.out
    return lines[0]


@pytest.mark.parametrize("name, content, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_config_file_gives_one_line(tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    if content == "DIR":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    line = _one_line_error(capsys, cli.main(["check-config", str(path)]))
    assert expected in line, line
    if content is not None and content != "DIR" and expected.startswith("line"):
        assert name in line  # a YAML error names the file and the line


def test_enough_malformed_probes():
    assert len(MALFORMED) >= 40


def _numeric_keys():
    """(study, key, is_list, allows +inf) of every numeric key of every study's section."""
    out = []
    for study, block in schema()["properties"].items():
        if study in ("root_seed", "studies"):
            continue
        for key, node in block["properties"].items():
            is_list = node.get("type") == "array"
            item = node.get("items", {}) if is_list else node
            types = item.get("type", [])
            types = [types] if isinstance(types, str) else types
            if {"number", "integer"} & set(types):
                out.append((study, key, is_list, bool(item.get("x-allow-inf"))))
    return out


NUMERIC = _numeric_keys()


@pytest.mark.parametrize("study, key, is_list, allow_inf", NUMERIC,
                         ids=[f"{s}.{k}" for s, k, _, _ in NUMERIC])
def test_nan_and_inf_rejected_in_every_numeric_key(study, key, is_list, allow_inf):
    for bad in (math.nan, math.inf, -math.inf):
        config = {"studies": [study], study: {key: [bad] if is_list else bad}}
        if bad == math.inf and allow_inf:
            continue
        with pytest.raises(ConfigError) as err:
            validate(copy.deepcopy(config))
        msg = str(err.value)
        assert "\n" not in msg and f"{study}.{key}" in msg, msg
        assert "finite" in msg or "wrong type" in msg, msg


def test_numeric_probe_covers_the_schema():
    assert len(NUMERIC) >= 70  # every study's number and integer keys
    assert [(s, k) for s, k, _, inf in NUMERIC if inf] == [("gradients", "lstm_forget_bias")]
    validate({"gradients": {"lstm_forget_bias": [0.0, math.inf]}})  # +inf is meant


GOOD_OVERRIDES = [
    ("hopfield.n_networks=3", ("hopfield", "n_networks"), 3),
    ("hopfield.alpha=[0.1, 0.2]", ("hopfield", "alpha"), [0.1, 0.2]),
    ("hopfield.N=[300]", ("hopfield", "N"), [300]),
    ("hopfield.zero_diagonal=false", ("hopfield", "zero_diagonal"), False),
    ("hopfield.max_starts=null", ("hopfield", "max_starts"), None),
    ("hopfield.cue_flip=0.05", ("hopfield", "cue_flip"), 0.05),
    ("root_seed=7", ("root_seed",), 7),
    ("studies=[hopfield, fisher]", ("studies",), ["hopfield", "fisher"]),
    ("gradients.lstm_forget_bias=[0, .inf]", ("gradients", "lstm_forget_bias"), [0, math.inf]),
    ("saxe.normalisation=mean", ("saxe", "normalisation"), "mean"),
    ("fisher.ensemble=[orthogonal, delay_line]", ("fisher", "ensemble"),
     ["orthogonal", "delay_line"]),
]

BAD_OVERRIDES = [
    ("hopfield", "is not KEY=VALUE"),
    ("=3", "is not KEY=VALUE"),
    ("hopfield.=3", "is not a dotted config key"),
    ("hopfield..N=3", "is not a dotted config key"),
    ("1abc=2", "is not a dotted config key"),
    ("hopfield.n_networks=", "no value"),
    ("hopfield.alpha=[0.1", "not valid YAML"),
    ("hopfield.n_networks=x", "hopfield.n_networks = 'x' has the wrong type"),
    ("hopfield.n_networks=4.0", "hopfield.n_networks = 4.0 has the wrong type"),
    ("hopfield.n_network=3", "unknown key 'n_network'"),
    ("hopfield.alpha=[.nan]", "hopfield.alpha[0] = nan is not a finite number"),
    ("root_seed.x=1", "root_seed = {'x': 1} has the wrong type"),
    ("hopfeld.N=[100]", "unknown key 'hopfeld'"),
    ("studies=hopfield", "studies = 'hopfield' has the wrong type"),
]


@pytest.mark.parametrize("text, path, value", GOOD_OVERRIDES, ids=[g[0] for g in GOOD_OVERRIDES])
def test_typed_overrides(text, path, value):
    config = resolve("quick", overrides=[text])
    got = config
    for p in path:
        got = got[p]
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text, expected", BAD_OVERRIDES, ids=[b[0] for b in BAD_OVERRIDES])
def test_bad_override_gives_one_line(tmp_path, capsys, text, expected):
    rc = cli.main(["run", "--preset", "quick", "--directory", str(tmp_path), "--set", text])
    assert expected in _one_line_error(capsys, rc)
    assert not (tmp_path / "results").exists()  # nothing written before validation


def test_unhashable_yaml_key_and_empty_optional_list(tmp_path, capsys):
    bad = tmp_path / "key.yaml"
    bad.write_text("hopfield:\n  [1, 2]: 3\n")
    assert "is not a plain value" in _one_line_error(capsys, cli.main(["check-config",
                                                                         str(bad)]))
    config = validate({"studies": ["fisher"], "fisher": {"simulate_N": []}})  # documented
    declared = studies()["fisher"]
    for points in shards(config, "fisher").values():
        assert declared.mem_mb(config, points, 1) > 0 and declared.runtime(config, points, 1)


def test_dry_run_reports_but_never_removes(tmp_path):
    assert health.builds(["snakemake", "--cores", "2"])
    assert health.builds(["snakemake", "--cores", "all", "all"])  # the default target
    assert health.builds([*cli.snakemake_command(tmp_path / "results/config.yaml", tmp_path,
                                                 "--cores", "all", "--resources",
                                                 "mem_mb=24000")][2:])
    for argv in (["-n"], ["-np"], ["--dry-run"], ["--report", "r.html"], ["--dag"],
                 ["--until", "merge"], ["results/hopfield/checks.csv"], ["--lint"],
                 ["--rulegraph"], ["--list-code-changes"]):
        assert not health.builds(["snakemake", *argv]), argv
    (tmp_path / "results/x/shards").mkdir(parents=True)
    bad = tmp_path / "results/x/x.nc"
    bad.write_bytes(b"garbage" * 100)
    assert health.heal(["x"], {"x": []}, tmp_path, remove=False) == [] and bad.exists()
    assert health.heal(["x"], {"x": []}, tmp_path) == [bad] and not bad.exists()


def test_cf_labels_round_trip_and_never_overwrite():
    import numpy as np
    import xarray as xr

    from memory_dynamics.io import from_cf, to_cf

    ds = xr.Dataset({"x": (("model", "k"), np.ones((2, 3)))},
                    coords={"model": ["hrr", "fhrr"], "k": [1, 2, 3], "phi": "tanh",
                            "k_label": ("k", ["a", "b", "c"])})
    enc = to_cf(ds)
    assert enc.model.dtype.kind == "i" and list(enc.model_label.values) == ["hrr", "fhrr"]
    xr.testing.assert_identical(from_cf(enc), ds)  # k_label (not ours) left alone
    with pytest.raises(ValueError, match="already has a variable model_label"):
        to_cf(ds.assign_coords(model_label=("model", ["a", "b"])))


def test_parse_override_nests():
    assert parse_override("a.b.c=[1, 2]") == {"a": {"b": {"c": [1, 2]}}}
    assert len(GOOD_OVERRIDES) + len(BAD_OVERRIDES) >= 18


def test_snakemake_nested_config_keeps_types(tmp_path):
    """Snakemake's own --config passes nested values as strings; the workflow retypes them."""
    proc = run_snakemake(tmp_path, "--configfile", REPO / "workflows/config/quick.yaml",
                         "--config", "studies=[hopfield]",
                         "hopfield={n_networks: 3, alpha: [0.1, 0.2], N: [300]}",
                         "--dry-run", "--quiet", "rules")
    out = proc.stdout + proc.stderr
    assert "Config error" not in out and "simulate" in out


@pytest.mark.parametrize("text, expected", [
    ("hopfield:\n  alpha: [.nan]\n", "hopfield.alpha[0] = nan is not a finite number"),
    ("lsm:\n  dt: .nan\n", "lsm.dt = nan is not a finite number"),
    ("hopfield:\n  n_networks: 4.0\n", "hopfield.n_networks = 4.0 has the wrong type"),
    ("root_seed: 1.0e+23\n", "root_seed = 1e+23 has the wrong type"),
])
def test_snakemake_itself_stops_with_one_line(tmp_path, text, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    proc = run_snakemake(tmp_path, "--configfile", bad, "--dry-run", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out
    lines = [ln for ln in out.splitlines() if ln.startswith("Config error")]
    assert len(lines) == 1 and lines[0].startswith(f"Config error: {expected}"), out[-2000:]


def _scaled(value):
    """A size key 1000 times larger (a list: ten times as many, 1000 times larger values)."""
    if isinstance(value, list):
        return [v * 1000 for v in value] * 10
    if value is None:
        return 10_000
    return value * 1000


@pytest.mark.parametrize("study", list(studies()))
def test_every_size_key_moves_the_estimates(study):
    declared = studies()[study]
    assert declared.size_keys, f"{study} declares no size keys"
    config = validate({"studies": [study]})
    jobs = shards(config, study)

    def estimate(c):
        return (sum(declared.mem_mb(c, p, 1) for p in jobs.values()),
                sum(declared.runtime(c, p, 1) for p in jobs.values()))

    base = estimate(config)
    for key in declared.size_keys:
        assert key in config[study], (study, key)
        bigger = copy.deepcopy(config)
        bigger[study][key] = _scaled(bigger[study][key])
        assert estimate(bigger) != base, f"{study}.{key} does not enter the estimates"


def test_oversized_job_is_refused_before_it_starts(tmp_path, monkeypatch):
    jobs = {str(tmp_path / "a.nc"): 30_000, str(tmp_path / "b.nc"): 500}
    msg = health.oversized(jobs, local=True, available_mb=24_000)
    assert "a.nc needs an estimated 30.0 GB, more than this machine's 24.0 GB" in msg
    assert "\n" not in msg and health.IGNORE_MEMORY in msg
    assert health.oversized(jobs, local=False, available_mb=24_000) is None  # a cluster
    small = {str(tmp_path / "c.nc"): 5000}
    assert "--resources mem_mb=1000 grants" in health.oversized(small, True, 1000, 24_000)
    assert health.oversized(small, True, 8000, 24_000) is None
    (tmp_path / "a.nc").touch()  # done already: not run, not counted
    assert health.oversized(jobs, local=True, available_mb=24_000) is None
    (tmp_path / "a.nc").unlink()
    monkeypatch.setenv(health.IGNORE_MEMORY, "1")
    assert health.oversized(jobs, local=True, available_mb=24_000) is None


def _cli(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "memory_dynamics", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=1200,
                          env={**os.environ, "HDF5_USE_FILE_LOCKING": "FALSE", **(env or {})})


@pytest.mark.parametrize("sets, extra, expected", [
    (["hopfield.N=[100000]", "hopfield.alpha=[0.1]"], [],
     "needs an estimated 153.2 GB, more than this machine's"),
    (["hopfield.N=[20000]", "hopfield.alpha=[0.1]"], ["--", "--resources", "mem_mb=2000"],
     "needs an estimated 6703 MB, more than --resources mem_mb=2000 grants"),
])
def test_cli_refuses_a_job_larger_than_the_machine(tmp_path, sets, extra, expected):
    if not 7_000 < health.machine_mem_mb() < 150_000:
        pytest.skip("the probe sizes assume a machine with 7 to 150 GB")
    args = ["run", "--preset", "quick", "--study", "hopfield", "--cores", "1"]
    for s in sets:
        args += ["--set", s]
    proc = _cli(*args, *extra, cwd=tmp_path)
    assert proc.returncode != 0
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("Resource error")]
    assert len(line) == 1 and expected in line[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("results/hopfield/shards/*.nc"))  # nothing started


@pytest.mark.pipeline
def test_cli_runs_one_study_with_an_override_then_reports(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("hopfield:\n  N: [300]\n  alpha: [0.05, 0.1]\n")
    proc = _cli("run", "--preset", "quick", "--study", "hopfield", "--configfile", mine,
                "--set", "hopfield.n_networks=3", "--cores", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ds = read_dataset(tmp_path / "results/hopfield/hopfield.nc")
    assert ds.sizes["network"] == 3 and list(ds.N.values) == [300]
    saved = yaml.safe_load((tmp_path / "results/config.yaml").read_text())
    assert saved["hopfield"]["n_networks"] == 3 and saved["studies"] == ["hopfield"]
    rep = _cli("report", cwd=tmp_path)  # reuses results/config.yaml
    assert rep.returncode == 0, rep.stderr[-3000:]
    page = (tmp_path / "results/report.html").read_text()
    assert "predictions passed" in page and "Hopfield capacity" in page
    again = _cli("run", "--preset", "quick", "--study", "hopfield", "--configfile", mine,
                 "--set", "hopfield.n_networks=3", "--dry-run", cwd=tmp_path)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_make_passes_study_and_preset_to_the_command():
    out = subprocess.run(["make", "-n", "run", "STUDY=hopfield fisher", "PRESET=quick",
                          "CORES=2"], cwd=REPO, capture_output=True, text=True, check=True)
    line = [ln for ln in out.stdout.splitlines() if "memory-dynamics run" in ln]
    assert line and ("--preset quick --study hopfield --study fisher --cores 2"
                     in line[-1]), out.stdout
