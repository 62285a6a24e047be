"""The quick preset through the SLURM executor gives the same datasets as a local run.

Needs a running SLURM cluster whose nodes see this file system: ``make slurm-test`` starts a
single-node one on this machine (workflows/profiles/slurm/local-cluster.sh, root), runs this
module and stops it. Not part of ``make test`` (marker ``slurm``).
"""

import shutil
import subprocess

import pytest
import xarray as xr
from conftest import REPO, comparable, run_snakemake

from memory_dynamics.cli import group_components
from memory_dynamics.config import load
from memory_dynamics.io import read_dataset

pytestmark = pytest.mark.slurm


def test_quick_preset_on_slurm_is_identical_to_local(tmp_path, quick_config):
    assert shutil.which("sbatch"), "no sbatch on PATH: start a cluster (make slurm-test)"
    assert subprocess.run(["sinfo"], capture_output=True).returncode == 0, "sinfo failed"
    local, cluster = tmp_path / "local", tmp_path / "slurm"
    run_snakemake(local, "--configfile", quick_config, "--cores", "2")
    profile = REPO / "workflows" / "profiles" / "slurm"
    bundles = group_components(load(quick_config), profile)  # as `memory-dynamics run` does
    proc = run_snakemake(
        cluster, "--configfile", quick_config,
        "--workflow-profile", profile, "--group-components", *bundles,
        "--cores", "2",  # the test node's CPUs: bundled shards run two at a time
        "--slurm-status-command", "squeue",  # no accounting database on the test cluster
        "--slurm-no-account", "--slurm-init-seconds-before-status-checks", "2",
        "--slurm-logdir", cluster / "slurm-logs", "--slurm-keep-successful-logs",
        timeout=3600)
    assert "slurm" in (proc.stdout + proc.stderr).lower()
    # every job really went through sbatch: the plugin keeps a log per SLURM job
    assert list((cluster / "slurm-logs").rglob("*.log")), "no SLURM job logs"
    for study in load(quick_config)["studies"]:
        a = read_dataset(local / "results" / study / f"{study}.nc")
        b = read_dataset(cluster / "results" / study / f"{study}.nc")
        xr.testing.assert_identical(comparable(a), comparable(b))
        assert (cluster / "results" / study / "checks.csv").read_text() == \
            (local / "results" / study / "checks.csv").read_text()
