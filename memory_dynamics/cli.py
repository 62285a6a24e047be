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
so they keep their types. The validated config is handed to Snakemake and, when the run
succeeds, kept as ``results/config.yaml`` in the working folder (the record of what ran; a
refused, failed or dry run writes nothing there). ``report`` reads the config of what it
reports from the merged datasets themselves.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from . import __version__
from .config import PRESETS, ConfigError, resolve, shards
from .health import HEALED, IGNORE_MEMORY, builds, heal, job_memory, machine_mem_mb, oversized
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


def _resolve(args, directory: Path) -> dict:
    return resolve(args.preset or "default", args.configfile, args.overrides, args.studies)


def config_of_results(directory: Path) -> dict:
    """The config of what ``results/`` holds, read from its merged datasets (each records
    the config it was made with): the report describes the data it shows, whatever a later
    refused or failed run wrote. Raises :class:`ConfigError` if there is none, or if they
    come from runs with different root seeds."""
    import json

    import h5py

    from .config import validate

    config: dict = {"studies": []}
    seeds = {}
    for name in studies():
        path = directory / "results" / name / f"{name}.nc"
        if not path.exists():
            continue
        with h5py.File(path, "r", locking=False) as f:
            made = json.loads(f.attrs["config"])
        config[name] = made[name]
        config["studies"].append(name)
        seeds[name] = made["root_seed"]
    if not seeds:
        raise ConfigError(f"{directory / 'results'}: no merged dataset; run `memory-dynamics "
                          "run` first")
    if len(set(seeds.values())) > 1:
        raise ConfigError(f"the merged datasets come from runs with different root seeds "
                          f"({seeds}); allowed: results of one root seed (rerun the others)")
    config["root_seed"] = next(iter(seeds.values()))
    return validate(config)


def _again(extra: str = "") -> str:
    """The command line the user ran, for hints (``extra`` appended)."""
    words = ["memory-dynamics", *sys.argv[1:]]
    if extra:
        words += [] if "--" in words else ["--"]
        words.append(extra)
    return " ".join(words)


#: Snakemake's words when another run (or a killed one) holds the working folder's lock
LOCKED = "Directory cannot be locked"


def _call(command: list[str], env: dict | None = None) -> int:
    """Run Snakemake in its own session and wait for it, passing its output through.

    Ctrl-C reaches only this process: Snakemake is asked to stop (SIGINT) and given all the
    time it needs to stop cleanly (release its lock, mark incomplete files), its shutdown
    messages go to its log only, and one line says how to resume. A run refused by the lock
    of another (or a killed) run, and a Snakemake that was killed, end with one line saying
    how to unlock."""
    import signal
    import threading

    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace",
                            start_new_session=True)
    quiet = threading.Event()
    locked = threading.Event()

    def relay(src, dst):
        for line in src:
            if LOCKED in line:
                locked.set()
            if not quiet.is_set():
                dst.write(line)
                dst.flush()

    pipes = [threading.Thread(target=relay, args=(proc.stdout, sys.stdout), daemon=True),
             threading.Thread(target=relay, args=(proc.stderr, sys.stderr), daemon=True)]
    for t in pipes:
        t.start()
    interrupted = False
    while True:
        try:
            rc = proc.wait()
            break
        except KeyboardInterrupt:
            interrupted = True
            quiet.set()
            proc.send_signal(signal.SIGINT)
    for t in pipes:
        t.join(timeout=5)
    if interrupted:
        print("memory-dynamics: interrupted; Snakemake stopped its jobs (its messages are in "
              ".snakemake/log/); rerun the same command to resume (finished shards are "
              "kept)", file=sys.stderr)
        return 130
    if locked.is_set():
        print("memory-dynamics: the working folder is locked by another run, or by one that "
              "was killed; if no other run is going here, unlock it with: "
              f"{_again('--unlock')}", file=sys.stderr)
    elif rc < 0:
        print(f"memory-dynamics: Snakemake was killed (signal {-rc}); if no other run is "
              f"going here, unlock with: {_again('--unlock')}; then rerun the same command "
              "to resume (finished shards are kept)", file=sys.stderr)
        return 128 - rc
    return rc


def group_components(config: dict, profile: Path | None = None) -> list[str]:
    """``<study>_simulate=<n>`` for Snakemake's ``--group-components``: each configured
    study's declared SLURM bundle size (:attr:`memory_dynamics.registry.Study.slurm_bundle`),
    overridden by the groups a profile names."""
    sizes = {f"{s}_simulate": str(studies()[s].slurm_bundle) for s in config["studies"]}
    path = profile / "config.yaml" if profile is not None else None
    if path is not None and path.exists():
        for item in (yaml.safe_load(path.read_text()) or {}).get("group-components", []):
            group, _, n = str(item).partition("=")
            sizes[group] = n
    return [f"{g}={n}" for g, n in sizes.items()]


def _cores(text: str | None) -> str | None:
    if text is None or text == "all":
        return text
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"--cores {text}: allowed: a whole number >= 1, or all")
    return text


def _writable(directory: Path) -> None:
    """One line instead of a traceback when the outputs cannot be written at all."""
    results = directory / "results"
    where = results if results.exists() else directory
    if not os.access(where, os.W_OK):
        raise ConfigError(f"{where} is not writable (read-only file system or permissions); "
                          "allowed: a working folder you can write to (--directory DIR)")
    usage = shutil.disk_usage(where)
    if usage.free < 10 * 2**20:
        raise ConfigError(f"{where}: the disk is full ({usage.free // 2**20} MB free); "
                          "allowed: a disk with room for the results")


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
    cores = _cores(args.cores)
    _writable(directory)
    # Snakemake reads the config from a file of this run's own, kept beside its metadata
    # (a cluster job reads it too); it becomes the record results/config.yaml only when the
    # run succeeds: a refused, failed or dry run leaves the record of the last run alone
    cfg = _write_config(config, directory, Path(".snakemake") / f"memory-dynamics-config-"
                        f"{os.getpid()}.yaml", "this `memory-dynamics run`")
    extra = ["--rerun-incomplete"]
    if cores or profile is None:
        extra += ["--cores", str(cores or "all")]
    passthrough = [a for a in args.snakemake_args if a != "--"]
    if local and not any(a.startswith("--resources") for a in passthrough):
        # jobs side by side must fit too: Snakemake schedules them within this
        extra += ["--resources", f"mem_mb={machine_mem_mb()}"]
    if profile is not None:
        extra += ["--workflow-profile", str(profile)]
        if not local and not any(a.startswith("--group-components") for a in passthrough):
            # first, so that a flag (not a positional target) follows its list of values
            extra[:0] = ["--group-components", *group_components(config, profile)]
    if args.dry_run:
        extra.append("--dry-run")
    full_run = not args.dry_run and builds(["snakemake", *passthrough])
    if full_run:
        # the explicit first step: damaged outputs removed, so that this run rebuilds them
        heal(config["studies"], {s: list(shards(config, s)) for s in config["studies"]},
             root=directory)
        env[HEALED] = "1"  # the workflow's parse need not read every output again
    todo = sum(not os.path.exists(p) for p in jobs)
    print(f"memory-dynamics {__version__}: studies {', '.join(config['studies'])}; "
          f"{todo} of {len(jobs)} simulate job(s) to run", file=sys.stderr)
    try:
        rc = _call(snakemake_command(cfg, directory, *extra, *passthrough), env=env)
        if rc == 0 and full_run:  # (not a dry run, a lint, an unlock or named targets)
            (directory / RUN_CONFIG).parent.mkdir(exist_ok=True)
            cfg.replace(directory / RUN_CONFIG)
            print(f"memory-dynamics: the config of this run is in {RUN_CONFIG}",
                  file=sys.stderr)
    finally:
        cfg.unlink(missing_ok=True)
    return rc


def _report(args) -> int:
    directory = Path(args.directory).resolve()
    explicit = args.preset or args.configfile or args.overrides or args.studies
    config = _resolve(args, directory) if explicit else config_of_results(directory)
    by_study = directory / "results" / "summary" / "checks_by_study.csv"
    if not by_study.exists():
        raise ConfigError(f"{by_study}: missing; run `memory-dynamics run` (with the same "
                          "config) first")
    cfg = _write_config(config, directory, Path("results/summary/report-config.yaml"),
                        "the last `memory-dynamics report` here (read from the merged "
                        "datasets unless given)")
    # a metadata file makes the report open on the description (with the checks by study)
    # instead of the rule graph; Snakemake 9 renders only numbers there correctly
    with open(by_study) as f:
        rows = list(csv.DictReader(f))
    passed = [tuple(map(int, r["predictions passed"].split(" of ")))
              if r["predictions passed"] != "-" else (0, 0) for r in rows]
    meta = directory / "results" / "summary" / "report-metadata.yaml"
    meta.write_text(yaml.safe_dump({"studies": len(rows),
                                    "predictions": sum(n for _, n in passed),
                                    "predictions passed": sum(k for k, _ in passed)}))
    rc = _call(snakemake_command(cfg, directory, "--report", args.output,
                                 "--report-metadata", str(meta)))
    if rc == 0:  # the closing lines lead with the evidence
        print_evidence(directory)
    return rc


def print_evidence(directory: Path | str = ".") -> None:
    """Print the predictions passed per study (the evidence) from the run's summary."""
    path = Path(directory) / "results" / "summary" / "checks_by_study.csv"
    if not path.exists():
        return
    with open(path) as f:
        rows = list(csv.DictReader(f))
    print("Predictions passed (theory made without the simulated data; only these are "
          "evidence):", file=sys.stderr)
    for r in rows:
        print(f"  {r['study']}: {r['predictions passed']}; failed overall (known "
              f"deviations): {r['failed (known deviations)']}", file=sys.stderr)


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
    except OSError as e:  # a file we must write or read: say which, in one line
        print(f"Error: {e.strerror or e} ({e.filename or 'no file name'}); allowed: a "
              "working folder that can be written, on a disk with room", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("memory-dynamics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
