"""Defaults live once, in the schemas: the presets list only what differs from them, every
simulator keyword default of a setting equals the schema default, and the documentation's
table of keys is generated from the schemas."""

import importlib
import inspect
import subprocess
import sys

import pytest
import yaml
from conftest import REPO
from schema_values import ALL, section_schema

from memory_dynamics.config import schema
from memory_dynamics.registry import WORKFLOW_DIR, get

#: keyword defaults that mean something other than the setting of the same name
OTHER_MEANING = {
    ("lsm", "lif_rate", "dt"): "None: the continuous-time rate, no time grid",
    ("associative", "simulate_recall", "cue_noise"): "the cue noises of one call; the setting "
                                                     "lists the swept ones, exact cues first",
    ("associative", "simulate_palimpsest", "cue_noise"): "the fast-weight stream's cue noise "
                                                         "(setting fastweights_cue_noise)",
}


@pytest.mark.parametrize("preset", ["default", "quick", "large"])
def test_presets_list_only_what_differs_from_the_schema(preset):
    text = yaml.safe_load((WORKFLOW_DIR / "config" / f"{preset}.yaml").read_text()) or {}
    full = schema()["properties"]
    restated = [f"{k}.{kk}" for k, v in text.items() if isinstance(v, dict)
                for kk, vv in v.items() if vv == full[k]["properties"][kk].get("default")]
    restated += [k for k, v in text.items()
                 if not isinstance(v, dict) and v == full[k].get("default")]
    assert not restated, f"{preset}.yaml restates schema defaults: {restated}"


@pytest.mark.parametrize("study", ALL)
def test_simulator_keyword_defaults_equal_the_schema(study):
    """A simulator keyword named like a setting (not a sweep axis, whose single value has no
    default) defaults to the schema's value."""
    if study == "gated":
        pytest.skip("gated has no simulator of its own: it trains through "
                    "sim.trained.train, which takes every setting explicitly (no defaults)")
    props = section_schema(study)
    module = importlib.import_module(f"memory_dynamics.sim.{study}")
    seen = 0
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if not (fn.__module__ + ".").startswith(module.__name__ + "."):  # (or a submodule)
            continue
        for p in inspect.signature(fn).parameters.values():
            if (p.default is inspect.Parameter.empty or p.name not in props
                    or p.name in get(study).sweeps or (study, name, p.name) in OTHER_MEANING):
                continue
            want = props[p.name].get("default")
            got = list(p.default) if isinstance(p.default, tuple) else p.default
            assert got == want, f"sim.{study}.{name}({p.name}={p.default!r}): schema {want!r}"
            seen += 1
    assert seen or study in ("fisher",), f"no simulator keyword of {study} named like a setting"


def test_configuration_doc_is_generated_from_the_schemas():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "config_tables.py"),
                           "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
