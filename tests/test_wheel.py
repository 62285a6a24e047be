"""The wheel works on its own: installed non-editable into a fresh venv, used from a
directory outside the repository (config validation, the README's API examples, the
code version)."""

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv

import pytest
from conftest import REPO

pytestmark = pytest.mark.pipeline

EXAMPLES = textwrap.dedent("""
    from pathlib import Path
    import memory_dynamics
    from memory_dynamics.config import validate, load
    from memory_dynamics.registry import WORKFLOW_DIR, studies
    from memory_dynamics.io import code_version
    from memory_dynamics.sim.hopfield import simulate_capacity
    from memory_dynamics.analysis.hopfield import (one_step_error, critical_capacity,
                                                   alpha_at_one_step_error)
    assert "site-packages" in memory_dynamics.__file__, memory_dynamics.__file__
    assert "site-packages" in str(WORKFLOW_DIR) and (WORKFLOW_DIR / "rules" / "study.smk").exists()
    for preset in ("default", "quick", "large"):
        load(WORKFLOW_DIR / "config" / f"{preset}.yaml")
    assert validate({})["studies"] == list(studies())
    ds = simulate_capacity(N=200, alpha=0.1, n_networks=2, seed=1)
    assert 0 <= float(ds.one_step_error.mean()) < 0.05
    assert abs(alpha_at_one_step_error(0.01) - 0.1848) < 1e-3
    assert abs(critical_capacity() - 0.1379) < 1e-3
    assert code_version() == "0.2.0", code_version()
    print("ok")
""")


def test_wheel_installs_and_runs_outside_the_repository(tmp_path):
    src, dist = tmp_path / "src", tmp_path / "dist"  # build from a copy: no build/ in REPO
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "results", "build", ".snakemake", "*.egg-info", "__pycache__",
        ".venvs", "out"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src],
                   check=True, capture_output=True)
    wheel = next(dist.glob("memory_dynamics-*.whl"))
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # the dependencies come from this environment, not from a second download
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site, "_deps_from_test_env.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", wheel], check=True,
                   capture_output=True)
    # run inside a git checkout of another project: its tag must not leak into datasets
    work = tmp_path / "elsewhere"
    work.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([py, "-c", EXAMPLES], cwd=work, capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout + out.stderr
    # the command runs the workflow shipped in the wheel, in the user's own folder
    mine = work / "mine.yaml"
    mine.write_text("hopfield:\n  N: [300]\n  alpha: [0.1, 0.2]\n  n_networks: 2\n")
    cli = env_dir / "bin" / "memory-dynamics"
    ok = subprocess.run([cli, "check-config", mine], cwd=work, capture_output=True,
                        text=True, env=env)
    assert ok.returncode == 0 and "valid" in ok.stdout, ok.stdout + ok.stderr
    run = subprocess.run([cli, "run", "--study", "hopfield", "--configfile", mine, "--cores",
                          "2", "--", "--quiet"], cwd=work, capture_output=True, text=True,
                         env=env, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert (work / "results" / "hopfield" / "hopfield.nc").exists()
    assert (work / "results" / "hopfield" / "checks.html").exists()
