"""The large preset plans a sensible cluster run: hundreds of jobs, each with resources."""

import re
from collections import defaultdict

from conftest import REPO, run_snakemake

from memory_dynamics.config import load

LIMITS = {"jobs": 1000, "runtime_min": 3 * 24 * 60, "mem_mb": 64_000}


def test_large_preset_dry_run_is_sensible(tmp_path):
    config = REPO / "workflows" / "config" / "large.yaml"
    out = run_snakemake(tmp_path, "-n", "--configfile", config).stdout
    total = int(re.search(r"^total\s+(\d+)$", out, re.M).group(1))
    assert 50 < total <= LIMITS["jobs"], total
    per_rule = defaultdict(list)
    for block in re.split(r"\n\s*\[[^\]]+\]\n", out):
        rule, res = re.search(r"rule (\w+):", block), re.search(r"resources: (.*)", block)
        if rule and res:
            d = dict(kv.split("=", 1) for kv in res.group(1).split(", "))
            per_rule[rule.group(1)].append(d)
    studies = load(config)["studies"]
    assert {"simulate", "merge", "checks", *(f"figures_{s}" for s in studies)} <= set(per_rule)
    simulated = set(re.findall(r"wildcards: study=(\w+), shard=", out))
    assert simulated == set(studies)
    for rule, jobs in per_rule.items():
        if rule in ("all", "checkout_all"):  # target rules (checkout_all: the checkout alias)
            continue
        for d in jobs:  # every job has an estimate, and each fits a common cluster node
            assert 0 < int(d["runtime"]) <= LIMITS["runtime_min"], (rule, d)
            assert 0 < int(d["mem_mb"]) <= LIMITS["mem_mb"], (rule, d)
    cpu_h = sum(int(d["runtime"]) for jobs in per_rule.values() for d in jobs
                if "runtime" in d) / 60
    print(f"large preset: {total} jobs, at most {cpu_h:.0f} CPU hours requested")


def test_slurm_profile_bundles_each_study_as_declared(tmp_path):
    """`memory-dynamics run --profile slurm` bundles simulate jobs by the studies' declared
    sizes (it passes them to Snakemake as --group-components)."""
    import subprocess
    import sys

    from memory_dynamics.registry import studies

    config = REPO / "workflows" / "config" / "large.yaml"
    proc = subprocess.run([sys.executable, "-m", "memory_dynamics", "run", "--preset", "large",
                           "--profile", "slurm", "--dry-run", "--directory", str(tmp_path),
                           "--", "--slurm-no-account"], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    bundles = defaultdict(list)
    for block in re.split(r"\n(?=\[[^\]]+\] Group job )", out):
        m = re.match(r"\[[^\]]+\] Group job (\w+)_simulate", block)
        if m:
            bundles[m.group(1)].append(len(re.findall(r"rule simulate:", block)))
    cfg = load(config)
    assert set(bundles) == set(cfg["studies"])
    for name, sizes in bundles.items():
        declared = studies()[name].slurm_bundle
        assert max(sizes) <= declared and sum(sizes) >= len(sizes), (name, sizes)
        assert max(sizes) == min(declared, sum(sizes)), (name, sizes)
