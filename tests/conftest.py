import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]


def run_snakemake(workdir, *args, check=True, timeout=1200):
    """Run Snakemake on the repository's Snakefile in ``workdir``."""
    env = {**os.environ, "HDF5_USE_FILE_LOCKING": "FALSE"}
    proc = subprocess.run([*SNAKEMAKE, "--directory", str(workdir), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {args} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


#: global attributes that legitimately differ between runs (time stamps, host)
VOLATILE = ("history", "date_created", "source")


def comparable(ds):
    """The dataset without its run-specific global attributes."""
    ds = ds.copy()
    for k in VOLATILE:
        ds.attrs.pop(k, None)
    return ds


@pytest.fixture(scope="session")
def quick_config():
    return REPO / "workflows" / "config" / "quick.yaml"


def cf_errors(path, check="cf:1.10"):
    """The IOOS compliance checker's high-priority CF messages for a netCDF file (offline:
    it ships the CF standard-name table), and the checks that raised instead of reporting:
    ``(sorted messages, {check name: exception text})``."""
    import warnings

    with warnings.catch_warnings():  # its own deprecation notices (ioos_sos)
        warnings.simplefilter("ignore", DeprecationWarning)
        from compliance_checker.runner import CheckSuite

        suite = CheckSuite()
        suite.load_all_available_checkers()
    ds = suite.load_dataset(str(path))
    try:
        groups, raised = suite.run_all(ds, [check], skip_checks=[])[check]
    finally:
        ds.close()
    messages = []

    def walk(results):
        for r in results:
            got, out_of = (int(r.value), 1) if isinstance(r.value, bool) else r.value
            if r.weight == 3 and got < out_of:
                messages.extend(r.msgs)
            walk(r.children or [])

    walk(groups)
    return sorted(set(messages)), {k: str(e) for k, (e, _) in raised.items()}
