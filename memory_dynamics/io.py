"""Dataset I/O, provenance and logging shared by every study.

* netCDF4 files through h5netcdf, written atomically (temporary name, then rename), so an
  interrupted job never leaves a partial file under its final name.
* CF-style global attributes: ``title``, ``source`` (package and code version), ``history``,
  ``references``, ``Conventions``, the config as JSON, the root seed and package versions.
* Shards are merged with every ``combine_by_coords`` argument explicit.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import NoReturn

import numpy as np
import xarray as xr

#: The source checkout this package runs from, if any: the folder above the package holding
#: both ``.git`` and this project's ``pyproject.toml``. An installed wheel (site-packages)
#: has none, even inside another project's git checkout.
CHECKOUT = Path(__file__).resolve().parents[1]
PACKAGES = ("numpy", "scipy", "xarray", "h5netcdf", "h5py", "matplotlib", "snakemake")

__all__ = ["cf_attrs", "code_version", "provenance", "write_dataset", "read_dataset",
           "merge_shards", "combine_shards", "as_shard", "script_logger", "fail", "Progress",
           "to_jsonable", "NON_FINITE", "explain_non_finite", "unexplained_non_finite", "to_cf",
           "from_cf"]

#: the attribute that says what a NaN or inf in a variable means (every variable that may
#: hold one states it where the variable is made)
NON_FINITE = "non_finite_values"


def cf_attrs(long_name: str, units: str = "1", **extra) -> dict:
    """CF-style attributes of a variable: ``long_name`` and UDUNITS ``units`` ("1":
    dimensionless), plus any ``extra`` attributes."""
    return {"long_name": long_name, "units": units, **extra}


def _own_checkout() -> Path | None:
    try:
        own = 'name = "memory-dynamics"' in (CHECKOUT / "pyproject.toml").read_text()
    except OSError:
        return None
    return CHECKOUT if own and (CHECKOUT / ".git").exists() else None


@functools.cache
def code_version() -> str:
    """``git describe --always --dirty --tags`` of the project's own checkout (an editable or
    source install), else the installed package version; never another repository's."""
    from . import __version__

    checkout = _own_checkout()
    if checkout is None:
        try:
            return metadata.version("memory-dynamics")
        except metadata.PackageNotFoundError:
            return __version__
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"],
                             cwd=checkout, capture_output=True, text=True, timeout=10,
                             check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__


def _versions() -> str:
    found = []
    for p in PACKAGES:
        try:
            found.append(f"{p}={metadata.version(p)}")
        except metadata.PackageNotFoundError:
            pass
    return "; ".join([f"python={platform.python_version()}", *found])


def provenance(title: str, config: dict, references: str, **extra) -> dict:
    """Global attributes recording what produced a dataset and how to reproduce it."""
    from . import __version__

    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return {
        "title": title,
        "Conventions": "CF-1.10",
        "source": f"memory-dynamics {__version__} (code version {code_version()})",
        "history": f"{now} created by memory-dynamics",
        "date_created": now,
        "references": references,
        "root_seed": int(config.get("root_seed", -1)),
        "seeding": "each sweep point draws from numpy.random.default_rng([*grid_indices, "
                   "root_seed]); grid_indices index the point in the config's sweep lists",
        "package_versions": _versions(),
        "config": json.dumps(config, sort_keys=True),
        **extra,
    }


#: global attribute naming the attributes that record the study's settings
SETTINGS = "settings"


def _encode_setting(value):
    """A setting as a netCDF attribute: booleans as 0/1, ``None`` as the text "null"
    (netCDF has neither), lists as arrays."""
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return [_encode_setting(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _same_setting(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _encoded(settings: Mapping, root_seed: int) -> dict:
    return {**{k: _encode_setting(v) for k, v in settings.items()}, "root_seed": int(root_seed)}


def record_settings(ds: xr.Dataset, settings: Mapping, root_seed: int) -> xr.Dataset:
    """Record every setting of a study (its config section less the sweep axes) and the
    root seed as global attributes, and their names in :data:`SETTINGS`: a dataset carries
    everything its theory, checks and figures need, whatever made it (the API or the
    workflow). An attribute the experiment set already must agree."""
    values = _encoded(settings, root_seed)
    for key, value in values.items():
        if key in ds.attrs and not _same_setting(ds.attrs[key], value):
            raise ValueError(f"the experiment recorded {key} = {ds.attrs[key]!r}, but the "
                             f"setting is {value!r}")
    ds.attrs.update(values)
    ds.attrs[SETTINGS] = " ".join(sorted(values))
    return ds


def setting(ds: xr.Dataset, key: str):
    """A setting recorded by :func:`record_settings`, decoded: "null" is ``None``."""
    value = ds.attrs[key]
    return None if isinstance(value, str) and value == "null" else value


def settings_disagree(ds: xr.Dataset, expected: Mapping, root_seed: int) -> list[str]:
    """The settings (and root seed) a dataset records differently from ``expected``, each
    as ``"key = recorded (expected: value)"``; a setting it does not record counts too."""
    want = _encoded(expected, root_seed)
    return [f"{k} = {ds.attrs[k] if k in ds.attrs else 'not recorded'} (expected: {v})"
            for k, v in want.items()
            if k not in ds.attrs or not _same_setting(ds.attrs[k], v)]


#: suffix of the label variable that holds a string-valued axis in a file
LABEL = "_label"


def to_cf(ds: xr.Dataset) -> xr.Dataset:
    """The dataset as it is written: a string-valued axis (``model``, ``phi``,
    ``ensemble``) becomes an integer index coordinate with the strings in the auxiliary
    label coordinate ``<axis>_label`` (CF coordinate variables are numeric and monotonic;
    labels are string auxiliary coordinates, CF section 6.1). :func:`from_cf` undoes it."""
    text = [d for d in ds.dims if d in ds.coords and ds[d].dtype.kind in "OUS"]
    for d in text:
        if f"{d}{LABEL}" in ds.variables:
            raise ValueError(f"cannot store the string axis {d!r}: the dataset already has a "
                             f"variable {d}{LABEL}")
        attrs = {**ds[d].attrs, "label_of": d}
        labels = ds[d].values.astype(str)
        ds = ds.drop_vars(d).assign_coords({
            d: (d, np.arange(len(labels)), {"long_name": f"index of {d} (labels in "
                                                         f"{d}{LABEL})", "units": "1"}),
            f"{d}{LABEL}": (d, labels.astype(object), attrs)})
    return ds


def from_cf(ds: xr.Dataset) -> xr.Dataset:
    """Undo :func:`to_cf`: each ``<axis>_label`` becomes the axis' index again, so
    ``ds.sel(model="hrr")`` works (``xr.open_dataset(path).pipe(from_cf)``)."""
    for name in list(ds.coords):
        d = ds[name].attrs.get("label_of")
        if d is not None and ds[name].dims == (d,):  # only the labels to_cf wrote
            attrs = {k: v for k, v in ds[name].attrs.items() if k != "label_of"}
            ds = ds.drop_vars([d] if d in ds.variables else []).assign_coords(
                {d: (d, ds[name].values.astype(str), attrs)}).drop_vars(name)
    return ds


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to netCDF4 (h5netcdf) atomically, CF-style (:func:`to_cf`); float
    variables are compressed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = to_cf(ds)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    enc = {v: {"compression": "gzip", "compression_opts": 4}
           for v in ds.data_vars if ds[v].ndim and ds[v].dtype.kind in "fiu"}
    enc.update({c: {"_FillValue": None} for c in ds.coords})  # CF: no fill value on coords
    try:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=enc)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _where_non_finite(var: xr.DataArray) -> str:
    """Where a variable is non-finite, e.g. ``"all of model in [sdm, willshaw]; 12 of 80
    other values"``: the labels of each dimension along which it is entirely NaN or inf."""
    bad = ~np.isfinite(var)
    parts = []
    covered = xr.zeros_like(bad)
    for dim in var.dims:
        if dim not in var.coords or var.sizes[dim] > 64:
            continue
        whole = bad.all([d for d in var.dims if d != dim])
        if whole.any() and not whole.all():
            labels = [f"{v:g}" if isinstance(v, float) else str(v)
                      for v in var[dim].values[whole.values]]
            parts.append(f"all of {dim} in [{', '.join(labels)}]")
            covered = covered | whole
    rest = int((bad & ~covered).sum())
    if rest or not parts:
        parts.append(f"{rest} of {int((~covered).sum())} other values")
    return "; ".join(parts)


def explain_non_finite(ds: xr.Dataset, reasons: dict[str, str]) -> xr.Dataset:
    """State in its attributes why each variable holds NaN or inf: the first of the study's
    ``reasons`` (``{regular expression of variable names: reason}``) whose pattern matches
    the name, as :data:`NON_FINITE`, and where they are as ``non_finite_where``.
    Variables no pattern matches are left to :func:`unexplained_non_finite`."""
    import re

    for name in unexplained_non_finite(ds):
        reason = next((r for pattern, r in reasons.items() if re.fullmatch(pattern, name)),
                      None)
        if reason is not None:
            ds[name].attrs[NON_FINITE] = reason
            ds[name].attrs["non_finite_where"] = _where_non_finite(ds[name])
    return ds


def unexplained_non_finite(ds: xr.Dataset) -> dict[str, str]:
    """Variables holding NaN or inf without a :data:`NON_FINITE` attribute saying why,
    ``{name: "3 NaN, 1 inf of 120"}``; the merge flags each in its attributes, and the
    tests require none."""
    out = {}
    for name, var in ds.variables.items():
        if var.dtype.kind not in "fc" or NON_FINITE in var.attrs:
            continue
        values = np.asarray(var.values)
        nan, inf = int(np.isnan(values).sum()), int(np.isinf(values).sum())
        if nan or inf:
            out[str(name)] = f"{nan} NaN, {inf} inf of {values.size}"
    return out


def as_stored(ds: xr.Dataset) -> xr.Dataset:
    """Every multi-dimensional variable's values in C order, as a file hands them back:
    numpy adds a reduction in memory order, so a mean over a transposed view differs from
    the same mean over the stored array in the last bits (seen: float32 LSM separations
    between the API and the workflow)."""
    for var in ds.variables.values():
        if var.ndim > 1 and not var.values.flags.c_contiguous:
            var.values = np.ascontiguousarray(var.values)
    return ds


def read_dataset(path: str | Path) -> xr.Dataset:
    """Load a dataset fully into memory (and close the file)."""
    try:
        return from_cf(xr.load_dataset(path, engine="h5netcdf"))
    except (OSError, ValueError) as e:
        raise OSError(f"cannot read dataset {path}: {e} (corrupt or truncated? delete it "
                      "and rerun to recompute)") from e


def merge_shards(paths: Iterable[str | Path], sweep: Iterable[str], complete: bool = True
                 ) -> xr.Dataset:
    """Combine shard files into one dataset along their sweep coordinates.

    A shard holds one value of every sweep axis but the last and a block of values of the
    last, so shards are combined axis by axis from the last: all shards with equal leading
    values first, then those results along the leading axis. With ``complete=False`` (a
    study whose grid skips invalid points) the leading axes are outer-joined and absent
    points are NaN; otherwise every coordinate must match exactly.
    """
    return combine_shards([read_dataset(p) for p in paths], list(sweep), complete)


def combine_shards(parts: list[xr.Dataset], sweep: list[str], complete: bool = True
                   ) -> xr.Dataset:
    """Combine shard datasets (:func:`as_shard`) along their sweep coordinates (see
    :func:`merge_shards`, which reads them from files)."""
    kw = dict(data_vars="minimal", coords="minimal", compat="override",
              join="exact" if complete else "outer", combine_attrs="drop_conflicts")
    if len(sweep) > 1:
        head = sweep[0]
        groups: dict = {}
        for ds in parts:
            if ds.sizes[head] != 1:
                raise ValueError(f"a shard spans several values of {head!r}")
            groups.setdefault(ds[head].item(), []).append(ds)
        parts = [combine_shards(g, sweep[1:], complete) for g in groups.values()]
    # fixed-width string coordinates of different widths are truncated to the first one's
    # width when concatenated ('logistic' after 'linear' became 'logist'): go via object
    text = [c for c in sweep if parts[0][c].dtype.kind == "U"]
    parts = [p.assign_coords({c: p[c].astype(object) for c in text}) for p in parts]
    out = xr.combine_by_coords(parts, **kw)
    return out.assign_coords({c: out[c].astype(str) for c in text})


def as_shard(ds: xr.Dataset, sweep: Iterable[str]) -> xr.Dataset:
    """Promote the scalar sweep coordinates of a one-point dataset to length-1 dimensions.

    Other scalar coordinates (e.g. ``P``, which depends on the point) gain the sweep
    dimensions too, so :func:`merge_shards` concatenates rather than overrides them.
    """
    sweep = list(sweep)
    missing = [c for c in sweep if c not in ds.coords or ds[c].ndim != 0]
    if missing:
        raise ValueError(f"a sweep point's dataset must hold its sweep values as scalar "
                         f"coordinates; missing: {', '.join(missing)}")
    extra = [c for c in ds.coords if ds[c].ndim == 0 and c not in sweep]
    return ds.reset_coords(extra).expand_dims(sweep).set_coords(extra)


def script_logger(logfile: str | Path | None, name: str) -> logging.Logger:
    """Logger writing to a rule's log file (or stderr) with timestamps.

    With a log file, stderr is appended to it as well, so a traceback lands in the rule's log
    (the Snakemake catalogue convention).
    """
    if logfile:
        sys.stderr = open(logfile, "a", buffering=1)  # noqa: SIM115 (lives as long as the job)
    log = logging.getLogger(name)
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(logfile) if logfile else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.handlers[:] = [handler]
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").handlers[:] = [handler]
    return log


def fail(log: logging.Logger, message: str) -> NoReturn:
    """End a rule script: ``message`` (one line: what failed and why) goes to the rule's log
    and to the console, where Snakemake's own error report would otherwise show only the
    log's path; exit status 1."""
    log.error("%s", message)
    print(f"Error: {message}", file=sys.__stderr__, flush=True)
    sys.exit(1)


class Progress:
    """Callable ``(done, total)`` that logs progress and the estimated time left."""

    def __init__(self, log: logging.Logger, what: str):
        self.log, self.what, self.t0 = log, what, time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        el = time.perf_counter() - self.t0
        left = el / max(done, 1) * (total - done)
        self.log.info("%s: %d/%d done, %.1f s elapsed, ~%.1f s left", self.what, done, total,
                      el, left)


def to_jsonable(obj):
    """Config values (numpy scalars included) as plain JSON types."""
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
