"""The study registry: every study declares itself once, here or through an entry point.

A study is a :class:`Study` object, usually ``STUDY`` in its module under
:mod:`memory_dynamics.studies`. The workflow rules, config validation (the schema's list of
studies and the per-study cross-field rules), the SLURM bundling, the summary and the tests
read these declarations; nothing else names a study.

Built-in studies are listed in :data:`BUILTIN` (one line per study). Other packages add
studies through the entry-point group ``memory_dynamics.studies`` (value: ``module:STUDY``),
as xarray backends do; :func:`studies` loads both.

This module is imported while Snakemake parses the workflow (and again inside every cluster
job), so it and every study declaration import only the standard library: a declaration
names the modules of its simulation, theory and figures as strings, imported when used.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Study", "BUILTIN", "ENTRY_POINT_GROUP", "studies", "get", "largest", "grows",
           "WORKFLOW_DIR"]

#: Folder of the workflow files shipped with the package (rules, schemas, captions, presets):
#: the top-level ``workflows/`` of a source checkout, installed as ``memory_dynamics.workflows``.
WORKFLOW_DIR = Path(importlib.import_module("memory_dynamics.workflows").__file__).parent

#: The built-in studies, in their default order: the one registration line of a study.
BUILTIN = ("hopfield", "fisher", "gradients", "saxe", "reservoir", "lsm", "associative",
           "trained", "gated")

#: Entry-point group through which other packages register studies.
ENTRY_POINT_GROUP = "memory_dynamics.studies"

Values = dict  # the sweep values of one point, {axis: value}
Points = Sequence[dict]  # the points of one shard, each {"indices": ..., "values": ...}


def largest(points: Points, axis: str = "N"):
    """The largest value of sweep axis ``axis`` among a shard's points (for size estimates)."""
    return max(p["values"][axis] for p in points)


def grows(value: float, default: float) -> float:
    """Factor by which a size key above its calibrated default grows an estimate (linear;
    never below 1, so the measured estimate stays the floor)."""
    return max(1.0, value / default)


def _no_rules(config: dict) -> None:
    return None


def _always(values: Values) -> bool:
    return True


def _default_mem_mb(config: dict, points: Points, attempt: int) -> int:
    return 1000 * attempt


def _default_runtime(config: dict, points: Points, attempt: int) -> int:
    return 30 * attempt


@dataclass(frozen=True)
class Study:
    """Declaration of one study: what the generic workflow needs to know about it.

    Parameters
    ----------
    name : str
        Identifier: the config section, the ``results/<name>/`` folder, the wildcard value.
    title : str
        Report category and figure-caption heading, e.g. ``"Hopfield capacity"``.
    sweeps : tuple of str
        Sweep axes in grid-index order (the order of the seed's grid indices); each is a list
        in the study's config section.
    figures : tuple of str
        Figure names (file stems); the figures module maps each to its drawing function and
        ``<captions>/<name>.rst`` is its report caption.
    simulate : str
        ``"module:function"`` of the per-point experiment ``f(values, settings, rng,
        progress=None) -> xarray.Dataset``.
    analysis : str
        Module with ``TITLE``, ``REFERENCES``, ``add_theory(ds)`` and ``make_checks(ds)``.
    figures_module : str
        Module whose ``FIGURES`` maps every figure name to ``draw(ds, plt) -> Figure``.
    ragged : bool
        The merged grid has holes, or points differ in intrinsic sizes (outer join, NaN);
        otherwise the shards must tile the grid exactly.
    valid : callable
        ``valid(values) -> bool``: which points of the Cartesian grid exist.
    cost : callable
        ``cost(values)``: rough seconds of one point on one core; bundles cheap points into
        one job (grouping only: every point draws from its own seed).
    check_config : callable
        ``check_config(config)``: cross-field rules the schema cannot express; raises
        :class:`memory_dynamics.config.ConfigError` with a one-line message.
    mem_mb, runtime : callable
        ``f(config, points, attempt)``: memory (MB) and runtime (minutes) of a simulate job
        with these points, for local scheduling and cluster requests (grow with ``attempt``).
    size_keys : tuple of str
        The section's keys (besides the sweeps) that set a simulate job's work or memory;
        ``mem_mb`` and ``runtime`` read every one of them (the tests check that each moves
        an estimate), so a large value is refused or requested before any job starts.
    slurm_bundle : int
        Simulate jobs of this study bundled into one SLURM submission (the group-components
        default of the group ``<name>_simulate``; the command line or a profile overrides).
    schema : path, optional
        JSON-Schema block of the config section (default:
        ``workflows/schemas/<name>.schema.yaml`` in the package).
    captions : path, optional
        Folder with ``checks.rst`` and ``<figure>.rst`` (default:
        ``workflows/report/<name>/`` in the package).
    """

    name: str
    title: str
    sweeps: tuple[str, ...]
    figures: tuple[str, ...]
    simulate: str
    analysis: str
    figures_module: str
    ragged: bool = False
    valid: Callable[[Values], bool] = _always
    cost: Callable[[Values], float] = lambda values: 1.0
    check_config: Callable[[dict], None] = _no_rules
    mem_mb: Callable[[dict, Points, int], int] = _default_mem_mb
    runtime: Callable[[dict, Points, int], int] = _default_runtime
    size_keys: tuple[str, ...] = ()
    slurm_bundle: int = 20
    schema: Path | None = None
    captions: Path | None = None

    def __post_init__(self):
        if self.schema is None:
            object.__setattr__(self, "schema",
                               WORKFLOW_DIR / "schemas" / f"{self.name}.schema.yaml")
        if self.captions is None:
            object.__setattr__(self, "captions", WORKFLOW_DIR / "report" / self.name)

    # the science modules, imported only when a job needs them (never at parse time)
    def simulate_point(self):
        module, func = self.simulate.split(":")
        return getattr(importlib.import_module(module), func)

    def analysis_module(self):
        return importlib.import_module(self.analysis)

    def figure_makers(self) -> dict:
        makers = importlib.import_module(self.figures_module).FIGURES
        if set(makers) != set(self.figures):
            raise RuntimeError(f"study {self.name}: the declaration names the figures "
                               f"{sorted(self.figures)} but {self.figures_module}.FIGURES "
                               f"draws {sorted(makers)}")
        return {name: makers[name] for name in self.figures}


@functools.cache
def studies() -> dict[str, Study]:
    """All registered studies, ``{name: Study}``: built-in first, then entry points."""
    found: dict[str, Study] = {}

    def add(study, origin):
        if not isinstance(study, Study):
            raise TypeError(f"{origin} is not a memory_dynamics.registry.Study")
        if study.name in found:
            raise ValueError(f"study {study.name!r} registered twice ({origin})")
        found[study.name] = study

    for name in BUILTIN:
        add(importlib.import_module(f"memory_dynamics.studies.{name}").STUDY,
            f"memory_dynamics.studies.{name}")
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        add(ep.load(), f"entry point {ep.value}")
    return found


def get(name: str) -> Study:
    """The declaration of study ``name``."""
    try:
        return studies()[name]
    except KeyError:
        raise KeyError(f"unknown study {name!r}; registered: {', '.join(studies())}") from None
