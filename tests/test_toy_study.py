"""Adding a study takes its own files and one registration: a toy study, registered only
here (through the ``memory_dynamics.studies`` entry point of a throw-away distribution),
runs through the whole pipeline: config validation, simulate, merge, checks, figures,
summary and the report."""

import csv
import os
import textwrap

import pytest
from conftest import run_snakemake

from memory_dynamics.io import read_dataset

pytestmark = pytest.mark.pipeline

TOY = '''
"""Toy study: the mean of n Gaussian draws against its exact expectation mu."""
from pathlib import Path

from memory_dynamics.registry import Study

HERE = Path(__file__).parent
TITLE = "Toy study"
REFERENCES = "none"


def simulate_point(values, settings, rng, progress=None):
    import numpy as np
    import xarray as xr

    x = rng.normal(values["mu"], 1.0, size=(settings["n_seeds"], 200)).mean(axis=1)
    return xr.Dataset({"sample_mean": ("seed", x, {"long_name": "sample mean", "units": "1"})},
                      coords={"seed": ("seed", np.arange(len(x)), {"long_name": "replicate",
                                                                   "units": "1"}),
                              "mu": ((), values["mu"], {"long_name": "mean", "units": "1"})})


def add_theory(ds):
    return ds.assign(mean_theory=ds.mu.assign_attrs(long_name="exact mean", units="1"))


def make_checks(ds):
    import numpy as np

    from memory_dynamics.analysis import checks

    n = ds.sizes["seed"]
    return [checks.within_se(f"mean_mu{float(mu):g}", "sample mean vs mu",
                             float(mu), float(ds.sample_mean.sel(mu=mu).mean()),
                             float(ds.sample_mean.sel(mu=mu).std(ddof=1)) / np.sqrt(n))
            for mu in ds.mu.values]


def _fig(ds, plt):
    fig, ax = plt.subplots()
    ax.plot(ds.mu, ds.sample_mean.mean("seed"), "o", label="simulation")
    ax.plot(ds.mu, ds.mean_theory, "k-", label="theory")
    ax.set_xlabel("mu")
    ax.set_ylabel("mean")
    ax.legend()
    return fig


FIGURES = {"toy_mean_vs_mu": _fig}

STUDY = Study(name="toy", title=TITLE, sweeps=("mu",), figures=("toy_mean_vs_mu",),
              simulate="toy_study:simulate_point", analysis="toy_study",
              figures_module="toy_study", schema=HERE / "toy.schema.yaml",
              captions=HERE / "captions")
'''

SCHEMA = """
type: object
additionalProperties: false
default: {}
properties:
  mu:
    type: array
    items: {type: number}
    minItems: 1
    default: [0.0, 1.0, 2.0]
    description: "a non-empty list of means"
  n_seeds:
    type: integer
    minimum: 2
    default: 8
    description: "an integer >= 2"
"""


@pytest.fixture(scope="module")
def toy_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy_plugin")
    pkg = root / "toy_study"
    (pkg / "captions").mkdir(parents=True)
    (pkg / "__init__.py").write_text(TOY)
    (pkg / "toy.schema.yaml").write_text(SCHEMA)
    (pkg / "captions" / "checks.rst").write_text("Checks of the toy study.\n")
    (pkg / "captions" / "toy_mean_vs_mu.rst").write_text("Sample mean against mu.\n")
    dist = root / "toy_study-0.1.dist-info"  # the one registration: an entry point
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-study\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(textwrap.dedent("""\
        [memory_dynamics.studies]
        toy = toy_study:STUDY
        """))
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(root),
                                                        os.environ.get("PYTHONPATH")]))}
    return root, env


def test_toy_study_runs_through_the_whole_pipeline(toy_env, tmp_path, monkeypatch):
    root, env = toy_env
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cfg = tmp_path / "toy.yaml"
    cfg.write_text("studies: [toy]\ntoy:\n  n_seeds: 6\n")
    run_snakemake(tmp_path, "--configfile", cfg, "--cores", "2")
    res = tmp_path / "results" / "toy"
    ds = read_dataset(res / "toy.nc")
    assert ds.sample_mean.dims == ("mu", "seed") and "mean_theory" in ds
    with open(res / "checks.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and all(r["passed"] == "True" for r in rows)
    assert {p.name for p in (res / "figures").iterdir()} == {"toy_mean_vs_mu.png",
                                                               "toy_mean_vs_mu.pdf"}
    assert "<td>toy</td>" in (tmp_path / "results" / "summary" / "index.html").read_text()
    run_snakemake(tmp_path, "--configfile", cfg, "--report", "report.html")
    assert "Toy study" in (tmp_path / "report.html").read_text(errors="replace")
    # its config is validated like any other study's: one line naming the key
    bad = tmp_path / "bad.yaml"
    bad.write_text("studies: [toy]\ntoy:\n  n_seeds: 1\n")
    proc = run_snakemake(tmp_path, "--configfile", bad, "-n", check=False)
    assert "Config error: toy.n_seeds = 1 is out of range; allowed: an integer >= 2" in (
        proc.stdout + proc.stderr)
