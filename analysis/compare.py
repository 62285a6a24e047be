r"""Check your own theory against a simulation, with the suite's machinery.

:func:`compare` takes a simulated variable with a replicate dimension (trials, seeds,
networks: independent draws) and a theory for it, and returns the same checks as every
study: at each remaining point the replicate mean against the theory, tolerance n_sigma
standard errors of the mean (``std(ddof=1)/sqrt(n)``, Student t with n − 1 degrees of
freedom), family-wise corrected over the points by Šidák (:func:`~.checks.sidak`), with z,
the degrees of freedom and the smallest relative theory error each check can detect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from . import checks as chk

__all__ = ["compare", "REPLICATE_DIMS", "theory_array"]

#: dimensions that hold independent replicates in the suite's datasets
REPLICATE_DIMS = ("trial", "seed", "network", "init", "init_random", "pair", "replicate")


def _replicate_dim(da: xr.DataArray, over: str | None) -> str:
    if over is not None:
        if over not in da.dims:
            raise ValueError(f"over = {over!r} is not a dimension of {da.name!r}; allowed: "
                             f"{', '.join(map(str, da.dims))}")
        return over
    found = [d for d in da.dims if d in REPLICATE_DIMS]
    if len(found) != 1:
        raise ValueError(f"{da.name!r} has dims {tuple(da.dims)}: pass over= (the dimension "
                         "of independent replicates, e.g. 'trial' or 'seed')")
    return found[0]


def theory_array(theory: Any, mean: xr.DataArray) -> xr.DataArray:
    """The theory on the points of ``mean``: an array of its shape, a DataArray on (a subset
    of) its coordinates, a number, or a callable of its coordinates (keyword arguments named
    like its dims and scalar coordinates, as broadcast DataArrays)."""
    if callable(theory):
        coords = {str(k): v for k, v in mean.coords.items()}
        grid = xr.broadcast(*[mean.coords[d] for d in mean.dims]) if mean.dims else []
        kwargs = {**coords, **{str(d): g for d, g in zip(mean.dims, grid)}}
        import inspect

        params = inspect.signature(theory).parameters
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            missing = [p for p in params if p not in kwargs]
            if missing:
                raise ValueError(f"theory asks for {', '.join(missing)}; the points have "
                                 f"coordinates {', '.join(kwargs)}")
            kwargs = {k: v for k, v in kwargs.items() if k in params}
        theory = theory(**kwargs)
    if isinstance(theory, xr.DataArray):
        extra = set(theory.dims) - set(mean.dims)
        if extra:
            raise ValueError(f"theory has dims {sorted(extra)} the compared points do not")
        return theory.broadcast_like(mean).transpose(*mean.dims).astype(float)
    arr = np.broadcast_to(np.asarray(theory, float), mean.shape)
    return xr.DataArray(arr, coords=mean.coords, dims=mean.dims)


def compare(ds: xr.Dataset, variable: str, theory: Any | Callable, over: str | None = None,
            name: str | None = None, kind: str = "prediction", n_sigma: float = 3.0,
            where: xr.DataArray | None = None) -> list[chk.Check]:
    """Checks of ``ds[variable]`` against ``theory`` at every point (see the module).

    Parameters
    ----------
    ds : xarray.Dataset
        A simulated dataset (e.g. from :func:`memory_dynamics.simulate`).
    variable : str
        The simulated variable; one value per replicate along ``over``.
    theory : array_like, number, xarray.DataArray or callable
        The theory at the points (the variable without ``over``); a callable receives the
        points' coordinates by name (see :func:`theory_array`).
    over : str, optional
        The replicate dimension (default: the one of :data:`REPLICATE_DIMS` the variable
        has).
    name : str, optional
        Prefix of the check names (default: ``variable``).
    kind : {"prediction", "fitted"}
        ``prediction`` if the theory was made without the simulated data.
    n_sigma : float
        Family-wise level, as a two-sided normal n_sigma test.
    where : xarray.DataArray of bool, optional
        Points to compare (default: every point where simulation and theory are finite).

    Returns
    -------
    list of Check
        One per point, in the order of the points.
    """
    if variable not in ds.data_vars:
        raise ValueError(f"{variable!r} is not a variable of the dataset; allowed: "
                         f"{', '.join(map(str, ds.data_vars))}")
    if kind not in chk.WITH_SE:
        raise ValueError(f"kind = {kind!r}; allowed: {', '.join(chk.WITH_SE)}")
    da = ds[variable]
    over = _replicate_dim(da, over)
    n = int(da.count(over).min()) if da.size else 0
    mean = da.mean(over)
    se = da.std(over, ddof=1) / np.sqrt(da.count(over))
    th = theory_array(theory, mean)
    use = np.isfinite(mean) & np.isfinite(th) & np.isfinite(se)
    if where is not None:
        use = use & where.broadcast_like(use)
    idx = list(zip(*np.nonzero(use.values)))
    if not idx or n < 2:
        raise ValueError(f"nothing to compare: {variable!r} and the theory are finite at no "
                         f"point with at least 2 replicates along {over!r}")
    dof = n - 1
    z1 = chk.sidak(len(idx), n_sigma, dof=dof)
    out = []
    for i in idx:
        at = {d: mean[d].values[k] for d, k in zip(mean.dims, i)}
        label = "_".join(f"{d}{_fmt(v)}" for d, v in at.items())
        where_txt = ", ".join(f"{d} = {_fmt(v)}" for d, v in at.items()) or "the point"
        out.append(chk.within_se(
            f"{name or variable}" + (f"_{label}" if label else ""),
            f"{variable} at {where_txt}: mean over {int(da.count(over)[i])} replicates "
            f"({over}) vs the given theory; Sidak over {len(idx)}, Student t with {dof} dof",
            float(th.values[i]), float(mean.values[i]), float(se.values[i]), z1, dof=dof,
            kind=kind))
    return out


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)
