"""Checks run by the workflow's main process before any job: damaged outputs, oversized jobs.

* :func:`heal` finds the datasets of the configured studies that HDF5 cannot read (a
  truncated file from a full disk, bytes overwritten inside), says so on the console and
  removes them together with the merged dataset built from them. ``memory-dynamics run``
  calls it as its first step, before Snakemake starts (parsing the workflow only reports):
  every file it removes is a target of the run that follows, so nothing is deleted that is
  not recomputed, and the other shards are kept.
* :func:`oversized` refuses a local run whose largest simulate job needs more memory than
  the machine has (or than ``--resources mem_mb`` grants), before the first job starts.

Imported while Snakemake parses the workflow; ``h5py`` is imported only when there are
files to open.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["readable", "builds", "heal", "job_memory", "machine_mem_mb", "oversized",
           "IGNORE_MEMORY", "HEALED"]

#: Environment variable that lets a local run start jobs larger than the machine's memory.
IGNORE_MEMORY = "MEMORY_DYNAMICS_IGNORE_MEMORY"

#: Set by ``memory-dynamics run`` after :func:`heal`: parsing the workflow need not read
#: every output a second time to report damage that is already gone.
HEALED = "MEMORY_DYNAMICS_HEALED"


#: HDF5's words for a file that is damaged (not merely locked or unreadable to us)
DAMAGE = ("truncated", "signature", "eof", "bad object header", "wrong b-tree signature")


def readable(path: str | Path) -> str | None:
    """``None`` if HDF5 opens ``path`` and reads every variable and attribute in it, else
    why it is damaged: HDF5 checks the file signature and the stored end-of-file address
    when it opens a file (a truncated file fails there) and the checksums of its metadata
    when it reads them (bytes overwritten inside the file fail there). A file that cannot
    be opened for another reason (permissions, a lock on a network file system) is not
    called damaged: it raises, and is never removed."""
    import h5py

    try:
        f = h5py.File(path, "r", locking=False)
    except PermissionError:
        raise
    except OSError as e:
        if any(w in str(e).lower() for w in DAMAGE):
            return str(e)
        raise
    with f:  # opened: a read that fails now is damage inside the file

        def read(name, obj):
            dict(obj.attrs)
            if isinstance(obj, h5py.Dataset):
                obj[()]

        try:
            dict(f.attrs)
            f.visititems(read)
        except Exception as e:  # noqa: BLE001 (h5py raises OSError, RuntimeError, KeyError)
            return f"{type(e).__name__}: {e}"
    return None


def _say(message: str) -> None:
    print(f"memory-dynamics: {message}", file=sys.stderr)


#: Snakemake options after which the run builds nothing: damaged files are only reported
#: (a plain build of the default target is the only run that may remove anything)
READ_ONLY = ("--dry-run", "--dryrun", "--report", "--lint", "--summary", "--detailed-summary",
             "--list-rules", "--list", "--list-target-rules", "--lt", "--unlock", "--touch",
             "--list-changes", "--lc", "--list-code-changes", "--list-input-changes",
             "--list-params-changes", "--list-version-changes", "--list-untracked",
             "--delete-all-output", "--delete-temp-output", "--dag", "--rulegraph",
             "--filegraph", "--cleanup-metadata", "--cm", "--containerize", "--archive",
             "--print-compilation", "--until", "-U", "--omit-from", "-O", "--allowed-rules",
             "--forcerun", "-R", "--batch", "--cleanup-shadow", "--edit-notebook")
READ_ONLY_SHORT = "ntSDlU"  # -n dry run, -t touch, -S/-D summaries, -l list, -U until


def builds(argv: Sequence[str]) -> bool:
    """Whether a Snakemake command line builds the default target (every output of the
    configured studies): not a dry run, report, lint, listing, graph, partial run
    (``--until``, ``--omit-from``) or a run of named targets (``results/...`` or a rule)."""
    for a in argv[1:]:
        if a.split("=")[0] in READ_ONLY:
            return False
        if a.startswith("-") and not a.startswith("--") and set(a[1:]) & set(READ_ONLY_SHORT):
            return False  # alone or combined, e.g. -np
        if a.startswith("results/") or a in ("simulate", "merge", "checks", "summary") \
                or a.startswith("figures_"):
            return False  # named targets: other studies' outputs are not rebuilt
    return True


def heal(studies: Sequence[str], shard_ids: Mapping[str, Sequence[str]],
         root: str | Path = ".", remove: bool = True) -> list[Path]:
    """Remove the unreadable datasets of ``studies`` (and what is built from them); return
    the removed paths. Every removed file is rebuilt by the run that called this. With
    ``remove=False`` (a dry run, a report) they are only reported."""
    removed = []
    root = Path(root)
    for study in studies:
        merged = root / "results" / study / f"{study}.nc"
        shards = [root / "results" / study / "shards" / f"{s}.nc" for s in shard_ids[study]]
        bad = [(p, why) for p in shards if p.exists() and (why := readable(p))]
        if not remove:
            if merged.exists() and (why := readable(merged)):
                bad.append((merged, why))
            for p, why in bad:
                _say(f"{p} is unreadable ({why}); `memory-dynamics run` removes and rebuilds "
                     "it (a plain Snakemake run fails in the merge, which removes a damaged "
                     "shard, and the next run recomputes it)")
            continue
        for p, why in bad:
            _say(f"{p} is unreadable ({why}): removed; this run recomputes it")
            p.unlink()
            removed.append(p)
        if merged.exists():
            why = readable(merged)
            if why or bad:  # built from a damaged shard: Snakemake would not rebuild it
                reason = why or "built from the unreadable shard(s) above"
                _say(f"{merged} is unreadable or stale ({reason}): removed; this run "
                     f"rebuilds it from its {len(shards)} shard(s), then its checks and "
                     "figures")
                merged.unlink()
                removed.append(merged)
    return removed


def job_memory(config: dict, shards: Mapping[str, Mapping[str, list]],
               root: str | Path = "") -> dict[str, int]:
    """``{shard file: estimated MB}`` of every simulate job of the configured studies
    (``shards``: :func:`memory_dynamics.config.shards` per study), for :func:`oversized`."""
    from .registry import get

    return {str(Path(root) / "results" / s / "shards" / f"{shard}.nc"):
            get(s).mem_mb(config, points, 1)
            for s in config["studies"] for shard, points in shards[s].items()}


def machine_mem_mb() -> int:
    """Memory available to this process tree (MB): physical memory, or the cgroup limit if
    lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for f in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(f).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total // 2**20


def oversized(jobs: Mapping[str, int], local: bool, limit_mb: int | None = None,
              available_mb: int | None = None) -> str | None:
    """One-line reason to refuse the run, or ``None``.

    Parameters
    ----------
    jobs : mapping
        ``{output path: estimated memory (MB)}`` of the simulate jobs; those whose output
        exists are not run and not counted.
    local : bool
        Jobs run on this machine (a cluster run requests each job's estimate instead).
    limit_mb : int, optional
        The ``--resources mem_mb`` the user granted.
    available_mb : int, optional
        The machine's memory (default: :func:`machine_mem_mb`).
    """
    if not local or os.environ.get(IGNORE_MEMORY, "") not in ("", "0"):
        return None
    todo = {p: mb for p, mb in jobs.items() if not os.path.exists(p)}
    if not todo:
        return None
    path, need = max(todo.items(), key=lambda kv: kv[1])
    hint = (f"allowed: a config whose jobs fit, a cluster run (--profile slurm), or "
            f"{IGNORE_MEMORY}=1 (memory-dynamics run --ignore-memory) to start it anyway")
    have = machine_mem_mb() if available_mb is None else available_mb
    if need > have:
        return (f"the simulate job {path} needs an estimated {need / 1000:.1f} GB, more than "
                f"this machine's {have / 1000:.1f} GB; {hint}")
    if limit_mb is not None and need > limit_mb:
        return (f"the simulate job {path} needs an estimated {need} MB, more than "
                f"--resources mem_mb={limit_mb} grants (Snakemake would lower its request "
                f"and start it anyway); {hint}")
    return None
