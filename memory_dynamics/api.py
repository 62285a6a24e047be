"""The Python API: simulate a (small) sweep of any study in memory, check it, draw it.

The workflow runs exactly these steps, one shard per job; here they run in the calling
process. Seeds come from the root seed and a point's grid indices (its positions in the
sweep lists), so with the same sweep lists and settings as a pipeline run every point gives
that run's numbers::

    import memory_dynamics as md

    ds = md.simulate("hopfield", N=[500], alpha=[0.05, 0.1, 0.15], n_networks=4)
    md.checks(ds)                                      # a pandas DataFrame, one row a check
    md.figure(ds, "hopfield_one_step_error_vs_alpha").savefig("one_step.png")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .config import sweep_points, validate
from .registry import get

if TYPE_CHECKING:
    import matplotlib.figure
    import pandas
    import xarray

__all__ = ["simulate", "simulate_points", "checks", "figure", "DEFAULT_SEED"]

#: the root seed of the presets
DEFAULT_SEED = 20261121


def simulate_points(study: str, points: Sequence[dict], settings: dict, root_seed: int,
                    progress: Callable[[int, dict], Any] | None = None) -> xarray.Dataset:
    """Simulate sweep points of ``study`` and combine them (one shard of the workflow).

    Parameters
    ----------
    study : str
        A registered study.
    points : sequence of dict
        Sweep points ``{"indices": grid indices, "values": {axis: value}}`` (from
        :func:`memory_dynamics.config.sweep_points`).
    settings : dict
        The study's non-sweep settings.
    root_seed : int
        Each point draws from ``numpy.random.default_rng([*indices, root_seed])``.
    progress : callable, optional
        ``progress(i, point)`` returns the per-point progress callback (or None).
    """
    from .io import as_shard, combine_shards
    from .sim.rng import point_rng

    declared = get(study)
    simulate_point = declared.simulate_point()
    parts = []
    for i, pt in enumerate(points):
        rng = point_rng(root_seed, *pt["indices"])
        ds = simulate_point(pt["values"], settings, rng,
                            progress=progress(i, pt) if progress else None)
        parts.append(as_shard(ds, pt["values"]))
    return combine_shards(parts, list(declared.sweeps), complete=not declared.ragged)


def simulate(study: str, seed: int = DEFAULT_SEED, theory: bool = True,
             **keys: Any) -> xarray.Dataset:
    """Simulate a sweep of ``study`` in memory and add its theory, as the workflow does.

    Parameters
    ----------
    study : str
        A registered study, e.g. ``"hopfield"``.
    seed : int
        The root seed (the presets use :data:`DEFAULT_SEED`).
    theory : bool
        Add the theory beside the simulated variables (the merged dataset of the workflow).
    **keys
        Keys of the study's config section (sweep lists and settings); the others take
        their defaults. Validated as a config file is: a bad key raises
        :class:`memory_dynamics.config.ConfigError` naming it.

    Returns
    -------
    xarray.Dataset
        Sweep axes as dimension coordinates, replicates as a dimension, theory as
        ``<name>_theory`` variables; ``attrs["study"]`` names the study.
    """
    from .io import explain_non_finite, provenance, to_jsonable

    declared = get(study)
    config = validate({"root_seed": seed, "studies": [study], study: dict(keys)})
    settings = {k: v for k, v in config[study].items() if k not in declared.sweeps}
    ds = simulate_points(study, list(sweep_points(config, study).values()), settings, seed)
    analysis = declared.analysis_module()
    if theory:
        ds = explain_non_finite(analysis.add_theory(ds), getattr(analysis, "NON_FINITE", {}))
    ds.attrs.update(provenance(analysis.TITLE, to_jsonable(config), analysis.REFERENCES))
    ds.attrs["study"] = study
    return ds


def _study(ds: xarray.Dataset, study: str | None) -> str:
    name = study or ds.attrs.get("study")
    if name is None:
        raise ValueError("the dataset does not name its study (attrs['study']): pass study=")
    return name


def checks(ds: xarray.Dataset, study: str | None = None) -> pandas.DataFrame:
    """The study's theory-versus-simulation checks of ``ds``, one row per check (the
    columns of ``checks.csv`` and the known-deviation reason of a documented failure)."""
    import pandas as pd

    from .analysis.checks import COLUMNS, known_deviation

    analysis = get(_study(ds, study)).analysis_module()
    rows = analysis.make_checks(ds)
    out = pd.DataFrame([{k: getattr(c, k) for k in COLUMNS} for c in rows], columns=COLUMNS)
    out["known_deviation"] = [("" if c.passed else known_deviation(analysis, c.check) or "")
                              for c in rows]
    return out


def figure(ds: xarray.Dataset, name: str, study: str | None = None
           ) -> matplotlib.figure.Figure:
    """Draw the study's figure ``name`` (theory over simulation) from ``ds``."""
    from .analysis import plotting

    declared = get(_study(ds, study))
    makers = declared.figure_makers()
    if name not in makers:
        raise KeyError(f"{declared.name} has no figure {name!r}; it draws: "
                       + ", ".join(makers))
    return makers[name](ds, plotting.pyplot())
