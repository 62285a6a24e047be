"""The ``memory-dynamics`` command: run the workflow shipped in the package, in your folder.

::

    memory-dynamics run [--preset quick|default|large] [--study hopfield ...]
                        [--configfile my.yaml ...] [--set hopfield.n_networks=3 ...]
                        [--cores N] [--profile slurm|local|DIR] [--directory DIR]
                        [--dry-run] [--ignore-memory] [-- SNAKEMAKE-ARGS ...]
    memory-dynamics report [--directory DIR] [config options as for run]
    memory-dynamics check-config FILE [--preset P] [--set KEY=VALUE ...]

The config is composed (preset, then the files in order, then the overrides, then the
studies) and validated before Snakemake starts, so a bad file or key gives one line naming
it (``Config error: ...``) and exit status 1, never a traceback. ``--set`` values are YAML,
so they keep their types. The validated config is written to ``results/config.yaml`` in the
working folder (the record of what ran; ``report`` reuses it) and handed to Snakemake.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from . import __version__
from .config import PRESETS, ConfigError, resolve, shards
from .health import IGNORE_MEMORY, job_memory, machine_mem_mb, oversized
from .registry import WORKFLOW_DIR, studies

__all__ = ["main", "snakemake_command"]

#: the config of the last run in a working folder (written by ``run``, read by ``report``)
RUN_CONFIG = Path("results") / "config.yaml"


def _config_options(p: argparse.ArgumentParser, preset_default: str | None = "default"):
    p.add_argument("--preset", choices=PRESETS, default=preset_default,
                   help="the shipped preset the config starts from (default: %(default)s)")
    p.add_argument("--configfile", action="append", default=[], metavar="FILE",
                   help="your YAML config, merged over the preset (repeatable, in order)")
    p.add_argument("--set", action="append", default=[], dest="overrides",
                   metavar="KEY=VALUE",
                   help="override one key, e.g. hopfield.n_networks=3 or "
                        "'hopfield.alpha=[0.1, 0.2]' (YAML values; repeatable)")
    p.add_argument("--study", action="append", default=[], dest="studies", metavar="NAME",
                   help="run only this study (repeatable); registered: "
                        + ", ".join(studies()))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="memory-dynamics",
        description="Simulate how recurrent networks remember and check every simulation "
                    "against its theory: runs the memory-dynamics Snakemake workflow in "
                    "the working folder (outputs under results/).")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="validate the config, then run the workflow")
    _config_options(run)
    run.add_argument("--cores",
                     help="cores for local jobs, a number or 'all' (default: all; with "
                          "--profile, the profile's)")
    run.add_argument("--profile", metavar="NAME|DIR",
                     help="a Snakemake workflow profile: 'slurm' or 'local' (shipped) or "
                          "your own folder")
    run.add_argument("--dry-run", action="store_true", help="show the jobs, run nothing")
    run.add_argument("--ignore-memory", action="store_true",
                     help="start local jobs even if their memory estimate exceeds the "
                          "machine's")
    run.add_argument("--directory", default=".", metavar="DIR",
                     help="working folder (results/ goes here; default: the current one)")
    run.add_argument("snakemake_args", nargs=argparse.REMAINDER, metavar="-- ARGS",
                     help="anything after -- goes to Snakemake unchanged")

    rep = sub.add_parser("report", help="build results/report.html from a finished run")
    _config_options(rep, preset_default=None)
    rep.add_argument("--directory", default=".", metavar="DIR", help="working folder")
    rep.add_argument("--output", default="results/report.html", metavar="FILE",
                     help="the report file, relative to --directory (.html, or .zip; "
                          "default: %(default)s)")

    chk = sub.add_parser("check-config", help="validate a config file; exit 0 or 1")
    chk.add_argument("file", metavar="FILE")
    chk.add_argument("--preset", choices=PRESETS, default="default",
                     help="the preset the file is merged over (default: %(default)s)")
    chk.add_argument("--set", action="append", default=[], dest="overrides",
                     metavar="KEY=VALUE", help="an override to validate with the file")
    return p


def _profile(name: str) -> Path:
    path = Path(name)
    if path.is_dir():
        return path.resolve()
    shipped = WORKFLOW_DIR / "profiles" / name
    if shipped.is_dir():
        return shipped
    raise ConfigError(f"--profile {name!r}: no such folder; allowed: "
                      + ", ".join(sorted(p.name for p in (WORKFLOW_DIR / "profiles").iterdir()
                                         if p.is_dir()))
                      + " (shipped) or the path of a profile folder")


def _write_config(config: dict, directory: Path, name: Path = RUN_CONFIG,
                  what: str = "the last `memory-dynamics run` here") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"# the validated config of {what}\n"
                   + yaml.safe_dump(config, sort_keys=False))
    tmp.replace(path)
    return path


def snakemake_command(configfile: Path, directory: Path, *extra: str) -> list[str]:
    """The Snakemake command line on the shipped workflow."""
    return [sys.executable, "-m", "snakemake", "--snakefile", str(WORKFLOW_DIR / "Snakefile"),
            "--directory", str(directory), "--configfile", str(configfile), *extra]


def _resolve(args, directory: Path, reuse: bool = False) -> dict:
    explicit = args.preset or args.configfile or args.overrides or args.studies
    if reuse and not explicit and (directory / RUN_CONFIG).exists():
        return resolve("default", [directory / RUN_CONFIG])
    return resolve(args.preset or "default", args.configfile, args.overrides, args.studies)


def _call(command: list[str], env: dict | None = None) -> int:
    """Run Snakemake and wait for it. Ctrl-C reaches it too (the same process group); it
    is given all the time it needs to stop cleanly (release its lock, mark incomplete
    files), so the same command resumes."""
    proc = subprocess.Popen(command, env=env)
    interrupted = False
    while True:
        try:
            rc = proc.wait()
            break
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        print("memory-dynamics: interrupted; rerun the same command to resume (finished "
              "shards are kept)", file=sys.stderr)
    return rc


def _run(args) -> int:
    directory = Path(args.directory).resolve()
    if not directory.is_dir():
        raise ConfigError(f"--directory {args.directory}: no such folder")
    config = _resolve(args, directory)
    profile = _profile(args.profile) if args.profile else None
    local = profile is None or profile.name == "local"
    # the largest job must fit the machine (a cluster run requests each job's estimate)
    jobs = job_memory(config, {s: shards(config, s) for s in config["studies"]}, directory)
    env = dict(os.environ)
    if args.ignore_memory:
        env[IGNORE_MEMORY] = "1"
    too_big = None if args.ignore_memory else oversized(jobs, local)
    if too_big and not args.dry_run:
        print(f"Resource error: {too_big}", file=sys.stderr)
        return 1
    if too_big:
        print(f"Warning (a run would stop here): {too_big}", file=sys.stderr)
    # a dry run leaves the record of the last run alone
    cfg = (_write_config(config, directory, Path("results/summary/dry-run-config.yaml"),
                         "the last `memory-dynamics run --dry-run` here")
           if args.dry_run else _write_config(config, directory))
    extra = ["--rerun-incomplete"]
    if args.cores or profile is None:
        extra += ["--cores", str(args.cores or "all")]
    passthrough = [a for a in args.snakemake_args if a != "--"]
    if local and not any(a.startswith("--resources") for a in passthrough):
        # jobs side by side must fit too: Snakemake schedules them within this
        extra += ["--resources", f"mem_mb={machine_mem_mb()}"]
    if profile is not None:
        extra += ["--workflow-profile", str(profile)]
    if args.dry_run:
        extra.append("--dry-run")
    todo = sum(not os.path.exists(p) for p in jobs)
    print(f"memory-dynamics {__version__}: studies {', '.join(config['studies'])}; "
          f"{todo} of {len(jobs)} simulate job(s) to run; config written to {cfg}",
          file=sys.stderr)
    return _call(snakemake_command(cfg, directory, *extra, *passthrough), env=env)


def _report(args) -> int:
    directory = Path(args.directory).resolve()
    config = _resolve(args, directory, reuse=True)
    by_study = directory / "results" / "summary" / "checks_by_study.csv"
    if not by_study.exists():
        raise ConfigError(f"{by_study}: missing; run `memory-dynamics run` (with the same "
                          "config) first")
    explicit = args.preset or args.configfile or args.overrides or args.studies
    cfg = (_write_config(config, directory, Path("results/summary/report-config.yaml"),
                         "the last `memory-dynamics report` here")
           if explicit or not (directory / RUN_CONFIG).exists() else directory / RUN_CONFIG)
    # a metadata file makes the report open on the description (with the checks by study)
    # instead of the rule graph; Snakemake 9 renders only numbers there correctly
    with open(by_study) as f:
        rows = list(csv.DictReader(f))
    passed = [tuple(map(int, r["checks passed"].split(" of "))) for r in rows]
    meta = directory / "results" / "summary" / "report-metadata.yaml"
    meta.write_text(yaml.safe_dump({"studies": len(rows),
                                    "checks": sum(n for _, n in passed),
                                    "checks passed": sum(k for k, _ in passed)}))
    return _call(snakemake_command(cfg, directory, "--report", args.output,
                                   "--report-metadata", str(meta)))


def _check_config(args) -> int:
    config = resolve(args.preset, [args.file], args.overrides)
    jobs = sum(len(shards(config, s)) for s in config["studies"])
    print(f"{args.file}: valid ({len(config['studies'])} studies: "
          f"{', '.join(config['studies'])}; {jobs} simulate jobs)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``memory-dynamics`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return {"run": _run, "report": _report, "check-config": _check_config}[args.command](
            args)
    except ConfigError as e:
        print(f"Config error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("memory-dynamics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
