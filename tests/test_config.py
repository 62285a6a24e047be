"""Config validation: bad input fails before any job, with one line naming the key."""

import copy

import pytest
import yaml
from conftest import REPO, run_snakemake

from memory_dynamics.config import SCHEMA, ConfigError, load, sweep_points, validate
from memory_dynamics.registry import BUILTIN

GOOD = {"hopfield": {"N": [100, 200], "alpha": [0.1, 0.2]}}


@pytest.mark.parametrize("patch, key, allowed", [
    ({"hopfield": {"N": [-5]}}, "hopfield.N[0]", "10 <= N"),
    ({"hopfield": {"N": [100, 2.5]}}, "hopfield.N[1]", "integer"),
    ({"hopfield": {"alpha": [0.0]}}, "hopfield.alpha[0]", "0 < alpha < 1"),
    ({"hopfield": {"alpha": [0.1, 1.0]}}, "hopfield.alpha[1]", "0 < alpha < 1"),
    ({"hopfield": {"alpha": []}}, "hopfield.alpha", "non-empty"),
    ({"hopfield": {"N": "1000"}}, "hopfield.N", "list"),
    ({"hopfield": {"n_networks": 1}}, "hopfield.n_networks", ">= 2"),
    ({"hopfield": {"zero_diagonal": "yes"}}, "hopfield.zero_diagonal", "true"),
    ({"hopfield": {"typo_key": 3}}, "unknown key 'typo_key'", "allowed keys: N, alpha"),
    ({"root_sed": 1}, "unknown key 'root_sed'", "root_seed"),
    ({"studies": ["hopfeld"]}, "studies[0]", "'hopfield'"),
    ({"root_seed": -1}, "root_seed", "0 <= root_seed"),
    ({"hopfield": {"N": [10], "alpha": [0.1]}}, "hopfield: N=10, alpha=0.1", "at least 2"),
    ({"hopfield": {"alpha": [0.1, 0.1000000001]}}, "same point name", "distinct"),
    ({"lsm": {"N": [100]}}, "lsm.N[0]", "multiple of 15"),
    ({"lsm": {"distances": [0.1, 0.0]}}, "lsm.distances", "increasing distances starting at 0"),
    ({"lsm": {"dt": 3e-4}}, "lsm.dt", "e.g. 1e-4"),
    ({"lsm": {"input_fraction": [0]}}, "lsm.input_fraction[0]", "0 < f <= 1"),
    ({"lsm": {"readout_delays_ms": [0, 600]}}, "lsm.readout_delays_ms", "max delay"),
    ({"lsm": {"T": 5.05}}, "lsm.distances", "distances <= 0.19"),
    ({"saxe": {"lr_smax": 0.5, "n_features": 99, "tree_depth": [3], "normalisation": "mean"}},
     "saxe.lr_smax", "lr_smax < 0.31"),
])
def test_bad_config_names_key_and_allowed_values(patch, key, allowed):
    config = copy.deepcopy(GOOD)
    for k, v in patch.items():
        if isinstance(v, dict):
            config.setdefault(k, {}).update(v)
        else:
            config[k] = v
    with pytest.raises(ConfigError) as err:
        validate(config)
    msg = str(err.value)
    assert "\n" not in msg
    assert key in msg and allowed in msg, msg


def test_defaults_filled_and_presets_valid():
    config = validate(copy.deepcopy(GOOD))
    assert config["root_seed"] == 20261121
    assert config["studies"] == list(BUILTIN)
    assert config["hopfield"]["n_networks"] == 10 and config["hopfield"]["zero_diagonal"]
    for preset in ("default", "quick", "large"):
        load(REPO / "workflows" / "config" / f"{preset}.yaml")  # missing keys: defaults
    # the default preset is the schema defaults: it restates none of them (defaults live
    # once) and leaves `studies` to the registry (every registered study runs by default)
    with open(REPO / "workflows" / "config" / "default.yaml") as f:
        preset = yaml.safe_load(f)
    defaults = validate({})
    assert preset == {} and defaults["studies"] == list(BUILTIN)
    assert load(REPO / "workflows" / "config" / "default.yaml") == defaults


def test_default_preset_is_the_issue_sweep():
    c = load(REPO / "workflows" / "config" / "default.yaml")["hopfield"]
    assert c["N"] == [250, 500, 1000, 2000, 4000] and c["n_networks"] >= 10
    assert c["alpha"][0] == 0.02 and c["alpha"][-1] == 0.30 and len(c["alpha"]) == 29
    assert SCHEMA.exists()


def test_sweep_points_and_ids():
    pts = sweep_points(validate(copy.deepcopy(GOOD)), "hopfield")
    assert list(pts) == ["N100_alpha0.1", "N100_alpha0.2", "N200_alpha0.1", "N200_alpha0.2"]
    assert pts["N200_alpha0.1"] == {"indices": (1, 0), "values": {"N": 200, "alpha": 0.1}}
    # float noise in grid values does not leak into file names
    c = validate({"hopfield": {"N": [100], "alpha": [0.1 + 0.2]}})
    assert list(sweep_points(c, "hopfield")) == ["N100_alpha0.3"]


def test_snakemake_stops_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("hopfield:\n  alpha: [0.1, 1.5]\n")
    proc = run_snakemake(tmp_path, "--configfile", bad, "--dry-run", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    line = [ln for ln in out.splitlines() if ln.startswith("Config error")]
    assert line == ["Config error: hopfield.alpha[1] = 1.5 is out of range; "
                    "allowed: a load P/N with 0 < alpha < 1"]
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("fisher, key", [
    ({"ensemble": ["orthogonal"], "alpha": [0.5, 1.2]}, "delay_line"),
    ({"lags": [1, 5000], "k_max": 100}, "fisher.lags"),
    ({"ensemble": ["circle"]}, "fisher.ensemble[0]"),
    ({"alpha": [0.5, 5.0]}, "fisher.alpha[1]"),
    ({"tanh_eps": [0.5, 2.0]}, "fisher.tanh_eps[1]"),
])
def test_bad_fisher_config(fisher, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        validate({"fisher": fisher})


def test_fisher_grid_skips_unstable_points_without_moving_seeds():
    c = validate({"fisher": {"ensemble": ["orthogonal", "delay_line"], "N": [10],
                             "simulate_N": [], "alpha": [0.5, 1.5]}})
    pts = sweep_points(c, "fisher")
    assert list(pts) == ["orthogonal_N10_alpha0.5", "delay_line_N10_alpha0.5",
                         "delay_line_N10_alpha1.5"]
    assert pts["delay_line_N10_alpha1.5"]["indices"] == (1, 0, 1)


@pytest.mark.parametrize("gradients, key", [
    ({"g": [1.0, 0.0]}, "gradients.g[1]"),
    ({"g": [-1.0]}, "gradients.g[0]"),
    ({"N": [1]}, "gradients.N[0]"),
    ({"phi": ["relu"]}, "gradients.phi[0]"),
    ({"q_max": 0}, "gradients.q_max"),
    ({"q_max": 40, "fit_window": [5, 50]}, "gradients.fit_window"),
])
def test_bad_gradients_config(gradients, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        validate({"gradients": gradients})


@pytest.mark.parametrize("saxe, key", [
    ({"tree_depth": [0]}, "saxe.tree_depth[0]"),
    ({"tree_depth": [3, 9]}, "saxe.tree_depth[1]"),
    ({"lr_smax": 1.5}, "saxe.lr_smax"),
    ({"flip_prob": [0.6]}, "saxe.flip_prob[0]"),
    ({"normalisation": "median"}, "saxe.normalisation"),
    ({"hidden": 3}, "unknown key 'hidden'"),
])
def test_bad_saxe_config(saxe, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        validate({"saxe": saxe})


@pytest.mark.parametrize("reservoir, key", [
    ({"rho": [0.9, 1.0]}, "reservoir.rho"),
    ({"k_max": 5000, "T": 10000}, "reservoir.k_max"),
    ({"noise": [-0.1]}, "reservoir.noise[0]"),
    ({"kind": "ring"}, "reservoir.kind"),
])
def test_bad_reservoir_config(reservoir, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        validate({"studies": ["reservoir"], "reservoir": reservoir})
