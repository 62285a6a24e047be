"""Faults survived: SIGKILL mid-sweep and resume, corrupt shards, a failing sweep point."""

import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import xarray as xr
from conftest import SNAKEMAKE, comparable, run_snakemake

from memory_dynamics.config import load, shards
from memory_dynamics.io import read_dataset, write_dataset

pytestmark = pytest.mark.pipeline

STUDIES = '["hopfield", "fisher"]'  # 3 + 10 shards of the quick preset, a minute in all


def _args(quick_config, cores=1):
    return ["--configfile", quick_config, "--config", f"studies={STUDIES}", "--cores", cores]


def _shards(wd):
    return sorted((wd / "results").glob("*/shards/*.nc"))


def _simulate_jobs(output):
    """Number of simulate jobs Snakemake planned, from its job-stats table."""
    return sum(int(n) for n in re.findall(r"^simulate\s+(\d+)$", output, re.M))


@pytest.fixture(scope="module")
def reference(tmp_path_factory, quick_config):
    wd = tmp_path_factory.mktemp("reference")
    run_snakemake(wd, *_args(quick_config))
    return wd


def _assert_same_results(wd, reference):
    for study in ("hopfield", "fisher"):
        a = read_dataset(reference / "results" / study / f"{study}.nc")
        b = read_dataset(wd / "results" / study / f"{study}.nc")
        xr.testing.assert_identical(comparable(a), comparable(b))


def test_sigkill_then_resume_recomputes_only_missing_shards(tmp_path, quick_config, reference):
    config = load(quick_config)
    config["studies"] = ["hopfield", "fisher"]
    total = sum(len(shards(config, s)) for s in config["studies"])
    proc = subprocess.Popen([*SNAKEMAKE, "--directory", str(tmp_path),
                             *map(str, _args(quick_config))], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while len(_shards(tmp_path)) < 4 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)  # the scheduler and its running jobs
    finally:
        proc.wait()
    done = len(_shards(tmp_path))
    assert 4 <= done < total, f"kill came too late ({done} of {total} shards)"
    for path in _shards(tmp_path):  # what survived the kill is complete, never partial
        read_dataset(path)
    run_snakemake(tmp_path, "--unlock", *_args(quick_config))
    rerun = run_snakemake(tmp_path, *_args(quick_config), "--rerun-incomplete")
    # the missing shards, plus the one job in flight at the kill (--cores 1) if it had
    # already renamed its file into place: Snakemake cannot know it finished
    planned = _simulate_jobs(rerun.stdout + rerun.stderr)
    assert total - done <= planned <= total - done + 1, (planned, total, done)
    _assert_same_results(tmp_path, reference)


def _console(proc):
    return proc.stdout + proc.stderr


def _command_run(wd, cores=1):
    """The quick preset's hopfield and fisher through `memory-dynamics run` (which heals
    damaged outputs as its first step), as a user runs it."""
    import sys

    proc = subprocess.run([sys.executable, "-m", "memory_dynamics", "run", "--preset", "quick",
                           "--study", "hopfield", "--study", "fisher", "--cores", str(cores),
                           "--directory", str(wd)], capture_output=True, text=True,
                          timeout=1200, env={**os.environ, "HDF5_USE_FILE_LOCKING": "FALSE"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def _copy(reference, wd):
    """A finished run's folder (results and Snakemake's metadata, time stamps kept)."""
    shutil.copytree(reference, wd, dirs_exist_ok=True, symlinks=True)


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_corrupt_shard_is_reported_and_recomputed_in_the_same_run(tmp_path, quick_config,
                                                                   reference, damage):
    _copy(reference, tmp_path)
    victim = _shards(tmp_path)[2]
    if damage == "truncated":  # as by a full disk
        victim.write_bytes(victim.read_bytes()[:500])
    else:  # bytes overwritten inside the file: it opens, its metadata checksums fail
        with open(victim, "r+b") as f:
            f.seek(2000)
            f.write(bytes(range(256)) * 12)
    plain = _console(run_snakemake(tmp_path, *_args(quick_config), "--dry-run"))
    assert f"{victim.relative_to(tmp_path)} is unreadable" in plain  # parsing only reports
    assert victim.exists()
    proc = _command_run(tmp_path)
    out = _console(proc)
    assert f"{victim.relative_to(tmp_path)} is unreadable" in out  # on the console
    assert _simulate_jobs(out) == 1  # exactly this shard, then its merge and products
    _assert_same_results(tmp_path, reference)


@pytest.mark.parametrize("damage", ["truncated", "deleted", "garbage"])
def test_damaged_merged_dataset_is_rebuilt_from_its_shards(tmp_path, quick_config, reference,
                                                          damage):
    _copy(reference, tmp_path)
    merged = tmp_path / "results" / "fisher" / "fisher.nc"
    figures = sorted((merged.parent / "figures").iterdir())
    if damage == "truncated":
        merged.write_bytes(merged.read_bytes()[: merged.stat().st_size // 2])
    elif damage == "garbage":
        merged.write_bytes(b"not a netCDF file\n" * 100)
    else:
        merged.unlink()
    if damage == "truncated":  # a dry run reports it and deletes nothing
        dry = run_snakemake(tmp_path, *_args(quick_config), "--dry-run")
        assert "results/fisher/fisher.nc is unreadable" in _console(dry)
        assert merged.exists() and all(p.exists() for p in figures)
    proc = _command_run(tmp_path)
    out = _console(proc)
    if damage != "deleted":
        assert "results/fisher/fisher.nc is unreadable" in out, out[-2000:]
    assert _simulate_jobs(out) == 0  # rebuilt from the shards, nothing simulated again
    assert re.search(r"^merge\s+1$", out, re.M) and re.search(r"^checks\s+1$", out, re.M)
    assert sorted((merged.parent / "figures").iterdir()) == figures  # redrawn, none lost
    _assert_same_results(tmp_path, reference)
    again = run_snakemake(tmp_path, *_args(quick_config), "--dry-run")
    assert "Nothing to be done" in _console(again)


def test_failing_point_is_named_and_keep_going_finishes_the_rest(tmp_path, quick_config):
    point = "hopfield/N1000_alpha0.15"
    env = {**os.environ, "MEMORY_DYNAMICS_FAIL_POINT": point}
    proc = subprocess.run([*SNAKEMAKE, "--directory", str(tmp_path),
                           *map(str, _args(quick_config, 2)), "--keep-going"],
                          capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode != 0
    logs = "".join(p.read_text() for p in (tmp_path / "results/hopfield/logs/simulate")
                   .glob("*.log"))
    assert f"sweep point {point}" in logs and "injected failure" in logs
    # and the one-line reason is on the console, not only in the log
    assert re.search(rf"^Error: simulate_hopfield: sweep point {point} .*injected failure",
                     proc.stderr, re.M), proc.stderr[-3000:]
    config = load(quick_config)
    n_hop = len(shards(config, "hopfield"))
    assert len(list((tmp_path / "results/hopfield/shards").glob("*.nc"))) == n_hop - 1
    assert (tmp_path / "results/fisher/checks.csv").exists()  # --keep-going: the rest ran
    assert not (tmp_path / "results/hopfield/hopfield.nc").exists()


def test_write_dataset_leaves_nothing_under_the_final_name_on_failure(tmp_path, monkeypatch):
    ds = xr.Dataset({"x": ("i", [1.0, 2.0])})

    def boom(self, path, *a, **k):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    with pytest.raises(OSError, match="No space"):
        write_dataset(ds, tmp_path / "out.nc")
    assert list(tmp_path.iterdir()) == []


def _cli(*args, cwd):
    import sys

    # as from a shell's foreground: SIGINT at its default (a pytest-xdist worker ignores it,
    # and an ignored SIGINT is inherited, so Ctrl-C would never reach the command)
    return subprocess.Popen([sys.executable, "-m", "memory_dynamics", *map(str, args)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "HDF5_USE_FILE_LOCKING": "FALSE"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


QUICK_HOPFIELD = ("run", "--preset", "quick", "--study", "hopfield", "--study", "fisher",
                  "--cores", "1")


def _wait_for_shards(wd, n, proc):
    deadline = time.time() + 300
    while len(_shards(wd)) < n and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert len(_shards(wd)) >= n, "no shard written in time"


def test_ctrl_c_gives_one_line_and_the_same_command_resumes(tmp_path):
    proc = _cli(*QUICK_HOPFIELD, cwd=tmp_path)
    _wait_for_shards(tmp_path, 2, proc)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the foreground command
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130
    last = err.strip().splitlines()[-1]
    assert last.startswith("memory-dynamics: interrupted;") and "rerun the same" in last
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not (tmp_path / "results/config.yaml").exists()  # only a finished run records
    again = _cli(*QUICK_HOPFIELD, cwd=tmp_path)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-3000:]
    assert (tmp_path / "results/config.yaml").exists()


def test_a_run_refused_by_the_lock_writes_nothing_and_says_how_to_unlock(tmp_path):
    first = _cli(*QUICK_HOPFIELD, cwd=tmp_path)
    _wait_for_shards(tmp_path, 1, first)
    snakemake = [p for p in (tmp_path / ".snakemake" / "locks").iterdir()]
    assert snakemake, "Snakemake holds its lock while it runs"
    # the scheduler and its jobs die (a lost node, the OOM killer): the lock stays
    for line in subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True,
                               text=True).stdout.split():
        if int(line) != first.pid:
            os.kill(int(line), signal.SIGKILL)
    _, err = first.communicate(timeout=120)
    assert "Snakemake was killed (signal 9)" in err and "-- --unlock" in err, err[-2000:]
    before = sorted(p.name for p in (tmp_path / "results").rglob("*"))
    refused = _cli(*QUICK_HOPFIELD[:-2], "--set", "hopfield.n_networks=3", cwd=tmp_path)
    _, err = refused.communicate(timeout=300)
    assert refused.returncode != 0
    assert "locked by another run, or by one that was killed" in err
    assert "-- --unlock" in err.strip().splitlines()[-1]
    assert sorted(p.name for p in (tmp_path / "results").rglob("*")) == before  # nothing
    assert not (tmp_path / "results/config.yaml").exists()


@pytest.mark.parametrize("cores", ["0", "-2", "two"])
def test_bad_core_counts_give_one_line(tmp_path, cores):
    proc = _cli("run", "--preset", "quick", "--cores", cores, cwd=tmp_path)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and err.strip().splitlines() == [
        f"Config error: --cores {cores}: allowed: a whole number >= 1, or all"]


@pytest.mark.parametrize("fault", ["read-only", "disk full"])
def test_unwritable_results_give_one_line(tmp_path, monkeypatch, capsys, fault):
    from collections import namedtuple

    from memory_dynamics import cli

    (tmp_path / "results").mkdir()
    if fault == "read-only":  # (root ignores chmod: the check itself is what is tested)
        monkeypatch.setattr(cli.os, "access", lambda path, mode: False)
    else:
        usage = namedtuple("usage", "total used free")
        monkeypatch.setattr(cli.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 0))
    assert cli.main(["run", "--preset", "quick", "--directory", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Config error: ") and (
        "not writable" in err[0] if fault == "read-only" else "the disk is full" in err[0])
    assert not list((tmp_path / "results").iterdir())
