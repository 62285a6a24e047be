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
    assert {f"simulate_{s}" for s in studies} <= set(per_rule)
    for rule, jobs in per_rule.items():
        if rule == "all":
            continue
        for d in jobs:  # every job has an estimate, and each fits a common cluster node
            assert 0 < int(d["runtime"]) <= LIMITS["runtime_min"], (rule, d)
            assert 0 < int(d["mem_mb"]) <= LIMITS["mem_mb"], (rule, d)
    cpu_h = sum(int(d["runtime"]) for jobs in per_rule.values() for d in jobs
                if "runtime" in d) / 60
    print(f"large preset: {total} jobs, at most {cpu_h:.0f} CPU hours requested")
