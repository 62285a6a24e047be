"""Config validation and sweep grids.

The config is checked against ``workflows/schemas/config.schema.yaml`` (JSON Schema, with
defaults filled in) plus a few cross-field rules the schema cannot express. Any problem
raises :class:`ConfigError` whose message is one line naming the key and what is allowed;
the Snakefile prints it and stops before any job is planned.

This module is imported while Snakemake parses the workflow (also inside every cluster job),
so it imports nothing heavier than ``jsonschema`` and ``yaml``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import jsonschema
import yaml

SCHEMA = Path(__file__).resolve().parents[1] / "workflows" / "schemas" / "config.schema.yaml"

#: Sweep axes of each study, in grid-index order (the order of the seed's grid indices).
SWEEPS = {"hopfield": ("N", "alpha"), "fisher": ("ensemble", "N", "alpha"),
          "gradients": ("phi", "N", "sigma_u"), "saxe": ("tree_depth", "flip_prob"),
          "reservoir": ("phi", "N", "input_scale", "noise"),
          "lsm": ("N", "lam", "input_fraction")}

#: Studies whose merged grid has holes or whose points differ in intrinsic sizes (absent
#: combinations are NaN after an outer join); every other study must tile exactly.
RAGGED = {"fisher", "saxe", "lsm"}

#: Points of the Cartesian grid that exist (the rest are skipped; their grid indices are
#: simply unused, so the seeds of the other points do not move).
VALID = {"fisher": lambda v: v["alpha"] < 1 or v["ensemble"] == "delay_line"}

#: Relative cost of one sweep point (seconds on one core, roughly), used to bundle cheap
#: points into one job. It changes only how points are grouped into files, never the data:
#: every point draws from its own seed.
COST = {"hopfield": lambda v: 0.1 + 12.0 * (v["N"] / 4000) ** 3,
        "fisher": lambda v: 0.3 + 2.0 * (v["N"] / 200) ** 3 + 3.0 * (v["N"] <= 100),
        "gradients": lambda v: 0.5 + 4.0 * (v["N"] / 1000) ** 2,
        "saxe": lambda v: 2.0 + 2 ** v["tree_depth"] / 4,
        "reservoir": lambda v: 3.0 + 3.0 * (v["N"] / 50) ** 2,
        "lsm": lambda v: 10.0 * v["N"] / 135}

#: Target work of one simulate job, in the units of COST.
JOB_SECONDS = 10.0

__all__ = ["ConfigError", "SWEEPS", "validate", "load", "sweep_points", "point_id", "shards"]


class ConfigError(ValueError):
    """A user error in the config; the message is one line naming the key."""


def _with_defaults(cls):
    validate_props = cls.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(key, sub["default"])
        yield from validate_props(validator, properties, instance, schema)

    return jsonschema.validators.extend(cls, {"properties": set_defaults})


_Validator = _with_defaults(jsonschema.Draft202012Validator)


def _path(error: jsonschema.ValidationError) -> str:
    out = ""
    for p in error.absolute_path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _allowed(schema: dict) -> str:
    """Human summary of what a schema node allows."""
    if "description" in schema:
        return schema["description"]
    if "enum" in schema:
        return "one of " + ", ".join(map(repr, schema["enum"]))
    return f"a value of type {schema.get('type', '?')}"


def _message(error: jsonschema.ValidationError) -> str:
    key, v = _path(error), error.validator
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(error.schema.get("properties", {}))
        return f"{key}: unknown key {', '.join(map(repr, extra))} (allowed keys: {allowed})"
    if v == "required":
        return f"{key}: {error.message}"
    node = error.schema
    shown = repr(error.instance)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    reason = {
        "type": f"has the wrong type ({type(error.instance).__name__})",
        "minItems": "is empty",
        "uniqueItems": "has repeated values",
        "enum": "is not allowed",
    }.get(v, "is out of range")
    return f"{key} = {shown} {reason}; allowed: {_allowed(node)}"


def _error_key(error):
    # deepest, most specific error first
    return (-len(error.absolute_path), error.validator in ("anyOf", "oneOf"))


def validate(config: dict, schema_path: str | Path = SCHEMA) -> dict:
    """Validate ``config`` in place (filling defaults) and return it.

    Raises
    ------
    ConfigError
        One line: the offending key, the value, and what is allowed.
    """
    with open(schema_path) as f:
        schema = yaml.safe_load(f)
    if not isinstance(config, dict):
        raise ConfigError("the config must be a mapping of keys to values")
    errors = sorted(_Validator(schema).iter_errors(config), key=_error_key)
    if errors:
        raise ConfigError(_message(errors[0]))
    for study in config["studies"]:
        ids = sweep_points(config, study)  # raises on colliding point names
        if study == "hopfield":
            for pid, pt in ids.items():
                P = round(pt["values"]["alpha"] * pt["values"]["N"])
                if P < 2:
                    raise ConfigError(
                        f"hopfield: N={pt['values']['N']}, alpha={pt['values']['alpha']} "
                        f"stores P = round(alpha*N) = {P} patterns; allowed: alpha*N >= 1.5 "
                        "(at least 2 patterns) for every N and alpha")
        if study == "fisher":
            fc = config["fisher"]
            if max(fc["lags"]) > fc["k_max"]:
                raise ConfigError(f"fisher.lags = {fc['lags']} exceeds k_max = {fc['k_max']}; "
                                  "allowed: lags <= fisher.k_max")
            if any(a >= 1 for a in fc["alpha"]) and "delay_line" not in fc["ensemble"]:
                raise ConfigError("fisher.alpha has values >= 1 but fisher.ensemble has no "
                                  "delay_line; allowed: alpha < 1 (>= 1 only for delay_line)")
        if study == "gradients":
            gc = config["gradients"]
            lo, hi = gc["fit_window"]
            if not 0 <= lo < hi <= gc["q_max"]:
                raise ConfigError(f"gradients.fit_window = {gc['fit_window']}; allowed: "
                                  f"[q_lo, q_hi] with 0 <= q_lo < q_hi <= q_max = {gc['q_max']}")
        if study == "reservoir":
            rc = config["reservoir"]
            usable = (rc["T"] - rc["washout"]) * min(rc["test_fraction"],
                                                     1 - rc["test_fraction"])
            if rc["k_max"] + max(rc["N"]) >= usable:
                raise ConfigError(f"reservoir.k_max = {rc['k_max']} is too large for T = "
                                  f"{rc['T']}; allowed: k_max + max(N) < (T - washout) x "
                                  f"min(test_fraction, 1 - test_fraction) = {usable:g}")
            if "linear" in rc["phi"] and max(rc["rho"]) >= 1:
                raise ConfigError(f"reservoir.rho = {rc['rho']} has values >= 1, where a linear "
                                  "reservoir has no stationary state (and the exact theory "
                                  "does not exist); allowed: rho < 1")
        if study == "lsm":
            lc = config["lsm"]
            if lc["distances"] != sorted(lc["distances"]) or lc["distances"][0] != 0:
                raise ConfigError(f"lsm.distances = {lc['distances']}; allowed: increasing "
                                  "distances starting at 0 (the d = 0 noise floor)")
            if lc["readout_delays_ms"] != sorted(lc["readout_delays_ms"]):
                raise ConfigError(f"lsm.readout_delays_ms = {lc['readout_delays_ms']}; "
                                  "allowed: increasing delays")
            if max(lc["readout_delays_ms"]) * 1e-3 + lc["readout_window"] >= lc["T"]:
                raise ConfigError(f"lsm.readout_delays_ms = {lc['readout_delays_ms']} too long "
                                  f"for T = {lc['T']} s; allowed: max delay + readout_window < T")
            steps = [x / lc["dt"] for x in (0.8e-3, 1.5e-3, 2e-3, 3e-3)]
            if any(abs(s - round(s)) > 1e-6 for s in steps):
                raise ConfigError(f"lsm.dt = {lc['dt']} does not divide the delays (0.8, 1.5 "
                                  "ms) and refractory periods (2, 3 ms); allowed: e.g. 1e-4, "
                                  "5e-5")
    return config


def load(path: str | Path) -> dict:
    """Read and validate a YAML config file."""
    with open(path) as f:
        return validate(yaml.safe_load(f) or {})


def _fmt(v) -> str:
    return str(v) if isinstance(v, int) else f"{v:.6g}"


def point_id(study: str, values: dict) -> str:
    """File-name-safe id of a sweep point, e.g. ``N1000_alpha0.15`` or
    ``gaussian_N100_alpha0.99`` (string values stand alone)."""
    return "_".join(values[k] if isinstance(values[k], str) else f"{k}{_fmt(values[k])}"
                    for k in SWEEPS[study])


def sweep_points(config: dict, study: str) -> dict[str, dict]:
    """All sweep points of ``study``: ``{point_id: {"indices": (...), "values": {...}}}``.

    The grid is the Cartesian product of the study's sweep lists, in ``SWEEPS`` order.
    """
    axes = SWEEPS[study]
    lists = [config[study][a] for a in axes]
    points = {}
    for idx in itertools.product(*(range(len(v)) for v in lists)):
        values = {a: lst[i] for a, lst, i in zip(axes, lists, idx)}
        if not VALID.get(study, lambda v: True)(values):
            continue
        pid = point_id(study, values)
        if pid in points:
            raise ConfigError(f"{study}: sweep values {values} and "
                              f"{points[pid]['values']} give the same point name {pid!r}; "
                              "allowed: values distinct to 6 significant digits")
        points[pid] = {"indices": idx, "values": values}
    return points


def shards(config: dict, study: str) -> dict[str, list[dict]]:
    """Bundle sweep points into shards (one simulate job and file each).

    Points that differ only in the last sweep axis are bundled, consecutive in config order,
    until their estimated cost reaches ``JOB_SECONDS``: cheap points share a job (less
    per-job overhead), expensive ones get a job each. Shard ids name the first and last
    value of the bundled axis, e.g. ``N500_alpha0.02-0.3`` or ``N4000_alpha0.15``.
    """
    axes = SWEEPS[study]
    last = axes[-1]
    out: dict[str, list[dict]] = {}
    block: list[dict] = []

    def close():
        if block:
            first, final = block[0]["values"], block[-1]["values"]
            pid = point_id(study, first)
            if len(block) > 1:
                pid += f"-{_fmt(final[last])}"
            out[pid] = list(block)
            block.clear()

    cost = 0.0
    for pt in sweep_points(config, study).values():
        c = COST[study](pt["values"])
        if block and (pt["indices"][:-1] != block[-1]["indices"][:-1]
                      or cost + c > JOB_SECONDS):
            close()
            cost = 0.0
        block.append(pt)
        cost += c
    close()
    return out
