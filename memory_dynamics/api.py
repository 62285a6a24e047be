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

__all__ = ["simulate", "simulate_points", "finish", "checks", "figure", "DEFAULT_SEED"]

#: the root seed of the presets
DEFAULT_SEED = 20261121


def one_blas_thread():
    """Run BLAS (and OpenMP) on one thread inside the block, as every workflow job does
    (Snakemake sets ``OPENBLAS_NUM_THREADS`` to a job's one thread): a threaded reduction
    adds in another order, so without this the API would differ from the workflow in the
    last bits (seen: 2e-9 in the associative crosstalk moments on 2 threads)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


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
        The study's non-sweep settings, recorded on the dataset
        (:func:`memory_dynamics.io.record_settings`).
    root_seed : int
        Each point draws from ``numpy.random.default_rng([*indices, root_seed])``.
    progress : callable, optional
        ``progress(i, point)`` returns the per-point progress callback (or None).
    """
    from .io import as_shard, combine_shards, record_settings
    from .sim.rng import point_rng

    declared = get(study)
    simulate_point = declared.simulate_point()
    parts = []
    with one_blas_thread():
        for i, pt in enumerate(points):
            rng = point_rng(root_seed, *pt["indices"])
            ds = simulate_point(pt["values"], settings, rng,
                                progress=progress(i, pt) if progress else None)
            parts.append(as_shard(record_settings(ds, settings, root_seed), pt["values"]))
    return combine_shards(parts, list(declared.sweeps), complete=not declared.ragged)


def finish(ds: xarray.Dataset, study: str, config: dict, theory: bool = True,
           warn: Callable[[str], Any] | None = None) -> xarray.Dataset:
    """The one finishing step of a simulated dataset, for the API and the workflow's
    merge alike: theory beside simulation (read only from the dataset and the settings it
    records), every NaN or inf explained (an unexplained one is flagged in the variable's
    attributes and passed to ``warn``), provenance and the study's name. CF encoding
    happens when it is written (:func:`memory_dynamics.io.write_dataset`)."""
    from .io import (
        NON_FINITE,
        as_stored,
        explain_non_finite,
        provenance,
        to_jsonable,
        unexplained_non_finite,
    )

    analysis = get(study).analysis_module()
    ds = as_stored(ds)
    if theory:
        with one_blas_thread():
            ds = as_stored(analysis.add_theory(ds))
        ds = explain_non_finite(ds, getattr(analysis, "NON_FINITE", {}))
    for name, what in unexplained_non_finite(ds).items():
        ds[name].attrs[NON_FINITE] = f"UNEXPLAINED: {what}"
        if warn is not None:
            warn(f"{name} holds {what} and does not say why (attribute {NON_FINITE})")
    ds.attrs.pop("grid_indices", None)  # a shard's, not the finished dataset's
    ds.attrs.update(provenance(analysis.TITLE, to_jsonable(config), analysis.REFERENCES))
    ds.attrs["study"] = study
    return ds


def _plain(value: Any, where: str) -> Any:
    """A numpy scalar or array (or tuple) as the plain Python value a config holds."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f"{where} has {value.ndim} dimensions; allowed: a list or a "
                             "one-dimensional array")
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def _study_name(study: Any) -> str:
    from .registry import studies

    if not isinstance(study, str) or study not in studies():
        raise ValueError(f"study = {study!r} is not a registered study; allowed: "
                         + ", ".join(studies()))
    return study


def simulate(study: str, seed: int = DEFAULT_SEED, theory: bool = True,
             **keys: Any) -> xarray.Dataset:
    """Simulate a sweep of ``study`` in memory and add its theory, as the workflow does.

    The numbers equal a workflow run's with the same settings, sweep lists and seed, variable
    for variable (the same seeding, the same finishing step :func:`finish`, BLAS on one
    thread as in every workflow job).

    Parameters
    ----------
    study : str
        A registered study, e.g. ``"hopfield"``.
    seed : int
        The root seed (the presets use :data:`DEFAULT_SEED`).
    theory : bool
        Add the theory beside the simulated variables (the merged dataset of the workflow).
    **keys
        Keys of the study's config section (sweep lists and settings; lists, tuples, numpy
        arrays and numpy scalars are taken as the plain values); the others take their
        schema defaults. Validated as a config file is: a bad key raises
        :class:`memory_dynamics.config.ConfigError` naming it.

    Returns
    -------
    xarray.Dataset
        Sweep axes as dimension coordinates, replicates as a dimension, theory as
        ``<name>_theory`` variables; ``attrs["study"]`` names the study and every setting
        is a global attribute (their names in ``attrs["settings"]``).
    """
    import warnings

    from .config import settings_of

    study = _study_name(study)
    if not isinstance(_plain(theory, "theory"), bool):
        raise TypeError(f"theory = {theory!r}; allowed: True or False")
    seed = _plain(seed, "seed")
    keys = {k: _plain(v, f"{study}.{k}") for k, v in keys.items()}
    config = validate({"root_seed": seed, "studies": [study], study: keys})
    ds = simulate_points(study, list(sweep_points(config, study).values()),
                         settings_of(config, study), seed)
    return finish(ds, study, config, theory=bool(theory), warn=warnings.warn)


def _dataset(ds: Any, study: str | None, need_theory: bool) -> tuple[xarray.Dataset, str]:
    """Validate a dataset handed to :func:`checks` or :func:`figure` (one-line errors
    naming the argument and what is allowed); string axes restored if read with plain
    ``xarray.open_dataset``."""
    import xarray as xr

    from .io import SETTINGS, from_cf

    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"ds is a {type(ds).__name__}; allowed: an xarray.Dataset from "
                        "memory_dynamics.simulate or memory_dynamics.io.read_dataset")
    own = ds.attrs.get("study")
    if study is None and own is None:
        raise ValueError("ds does not name its study (attrs['study']); allowed: a dataset "
                         "from memory_dynamics.simulate or the workflow, or pass study=")
    name = _study_name(study if study is not None else own)
    if own is not None and own != name:
        raise ValueError(f"study = {name!r}, but ds is a dataset of study {own!r}; allowed: "
                         f"study = {own!r} or None")
    ds = from_cf(ds)
    missing = [a for a in get(name).sweeps if a not in ds.coords]
    if missing:
        raise ValueError(f"ds has no sweep axis {', '.join(missing)} of study {name!r}; "
                         f"allowed: a dataset of study {name!r}")
    if SETTINGS not in ds.attrs:
        raise ValueError("ds does not record its settings (attrs['settings']); allowed: a "
                         "dataset made by memory_dynamics.simulate or the workflow of this "
                         "version (simulate it again)")
    if need_theory and not any(str(v).endswith("_theory") for v in ds.data_vars):
        raise ValueError("ds has no theory variables (simulated with theory=False); "
                         "allowed: a dataset with theory, e.g. memory_dynamics.finish(ds, "
                         f"{name!r}, config) or simulate(..., theory=True)")
    return ds, name


def checks(ds: xarray.Dataset, study: str | None = None) -> pandas.DataFrame:
    """The study's theory-versus-simulation checks of ``ds``, one row per check (the
    columns of ``checks.csv`` and the known-deviation reason of a documented failure)."""
    from .analysis.checks import known_deviation

    ds, name = _dataset(ds, study, need_theory=True)
    analysis = get(name).analysis_module()
    with one_blas_thread():
        rows = analysis.make_checks(ds)
    out = _frame(rows)
    out["known_deviation"] = [("" if c.passed else known_deviation(analysis, c.check) or "")
                              for c in rows]
    return out


def figure(ds: xarray.Dataset, name: str, study: str | None = None
           ) -> matplotlib.figure.Figure:
    """Draw the study's figure ``name`` (theory over simulation) from ``ds``, in the
    project style (inside :func:`matplotlib.rc_context`: the caller's backend and rcParams
    are left as they are)."""
    from .analysis import plotting

    ds, study_name = _dataset(ds, study, need_theory=True)
    makers = get(study_name).figure_makers()
    if not isinstance(name, str) or name not in makers:
        raise ValueError(f"name = {name!r} is not a figure of {study_name}; allowed: "
                         + ", ".join(makers))
    with plotting.style():
        return makers[name](ds, plotting.pyplot())


def _frame(rows) -> pandas.DataFrame:
    import pandas as pd

    from .analysis.checks import COLUMNS

    return pd.DataFrame([{k: getattr(c, k) for k in COLUMNS} for c in rows], columns=COLUMNS)


def compare(ds: xarray.Dataset, variable: str, theory: Any, over: str | None = None,
            name: str | None = None, kind: str = "prediction", n_sigma: float = 3.0
            ) -> pandas.DataFrame:
    """Check your own theory of ``ds[variable]`` the way the suite checks its own.

    At every point (every coordinate of the variable but the replicate dimension ``over``)
    the replicate mean is compared with the theory: tolerance n_sigma standard errors of
    the mean, Student t with n − 1 degrees of freedom, Šidák-corrected over the points;
    ``z``, ``dof`` and ``detectable`` (the smallest relative theory error the check can
    see) as in ``checks.csv``.

    Parameters
    ----------
    ds : xarray.Dataset
        A simulated dataset, e.g. from :func:`simulate`.
    variable : str
        The simulated variable (one value per replicate).
    theory : array_like, number, xarray.DataArray or callable
        The theory at the points; a callable receives the points' coordinates by name
        (e.g. ``lambda N, alpha: ...``) as broadcast DataArrays.
    over : str, optional
        The replicate dimension ("trial", "seed", "network", ...; found if the variable has
        exactly one of them).
    name : str, optional
        Prefix of the check names (default: the variable).
    kind : {"prediction", "fitted"}
        "prediction" when the theory was made without the simulated data.
    n_sigma : float
        Family-wise level, as one two-sided normal n_sigma test (3: a false alarm in 370
        families).

    Returns
    -------
    pandas.DataFrame
        One row per point, the columns of ``checks.csv``.

    Examples
    --------
    >>> import memory_dynamics as md
    >>> from scipy import stats
    >>> ds = md.simulate("hopfield", N=[300], alpha=[0.1, 0.15], n_networks=4,
    ...                  theory=False)
    >>> rows = md.compare(ds, "one_step_error",
    ...                   lambda N, alpha: stats.norm.cdf(-1 / alpha ** 0.5))
    >>> list(rows.columns[:3])
    ['check', 'kind', 'description']
    """
    import xarray as xr

    from .analysis.compare import compare as _compare

    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"ds must be an xarray.Dataset, got {type(ds).__name__}")
    with one_blas_thread():
        return _frame(_compare(ds, variable, theory, over, name, kind, n_sigma))


def plot_compare(ds: xarray.Dataset, variable: str, theory: Any, x: str,
                 over: str | None = None, ax=None, label: str = "your theory"):
    """Overlay ``theory`` (lines) on the replicate means ± SE of ``ds[variable]`` (points)
    against the coordinate ``x``; one colour per value of the one other dimension, if any.
    Returns the axes (drawn in the project style, inside :func:`matplotlib.rc_context`)."""
    import numpy as np

    from .analysis import plotting
    from .analysis.compare import _replicate_dim, theory_array

    if variable not in ds.data_vars:
        raise ValueError(f"{variable!r} is not a variable of the dataset; allowed: "
                         f"{', '.join(map(str, ds.data_vars))}")
    da = ds[variable]
    over = _replicate_dim(da, over)
    mean = da.mean(over)
    se = da.std(over, ddof=1) / np.sqrt(da.count(over))
    th = theory_array(theory, mean)
    others = [d for d in mean.dims if d != x]
    if x not in mean.dims or len(others) > 1:
        raise ValueError(f"x = {x!r} must be a dimension of {variable} besides {over!r}, and "
                         f"at most one other may remain (select it with ds.sel); dims: "
                         f"{', '.join(map(str, mean.dims))}")
    with plotting.style():
        plt = plotting.pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(3.4, 2.5))
        groups = [({}, "")] if not others else [
            ({others[0]: v}, f"{others[0]} = {v}") for v in mean[others[0]].values]
        for color, (sel, text) in zip(plotting.colors(len(groups)), groups):
            m, s, t = mean.sel(sel), se.sel(sel), th.sel(sel)
            ax.errorbar(m[x], m, yerr=s, fmt="o", ms=3, lw=0.7, capsize=0, color=color,
                        label=f"simulation {text}".strip())
            ax.plot(t[x], t, "-", lw=0.9, color=color)
        ax.plot([], [], "k-", lw=0.9, label=label)
        ax.set_xlabel(x)
        ax.set_ylabel(variable)
        ax.set_title(da.attrs.get("long_name", variable), fontsize=6)
        ax.legend(fontsize=6)
        ax.figure.tight_layout()
    return ax

