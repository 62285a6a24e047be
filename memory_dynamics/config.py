"""Config validation and sweep grids.

The config is checked against the JSON Schema composed by :func:`schema` (the top-level
``workflows/schemas/config.schema.yaml`` plus each registered study's block, with defaults
filled in), then against each configured study's cross-field rules (its declaration's
``check_config``). Any problem
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

from .registry import WORKFLOW_DIR, studies

#: The top-level schema (root seed, studies); each study's section comes from its own block.
SCHEMA = WORKFLOW_DIR / "schemas" / "config.schema.yaml"

#: Target work of one simulate job, in the units of a study's ``cost``.
JOB_SECONDS = 10.0

__all__ = ["ConfigError", "SCHEMA", "schema", "validate", "load", "sweep_points", "point_id",
           "shards"]


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


def schema(schema_path: str | Path = SCHEMA) -> dict:
    """The full config schema: the top-level schema, the registered studies as the allowed
    (and default) ``studies``, and each registered study's block as its section."""
    with open(schema_path) as f:
        out = yaml.safe_load(f)
    registered = studies()
    names = list(registered)
    out["properties"]["studies"]["items"] = {"enum": names}
    out["properties"]["studies"]["default"] = names
    out["properties"]["studies"]["description"] = (
        "a non-empty list of distinct study names from: " + ", ".join(names))
    for name, study in registered.items():
        with open(study.schema) as f:
            out["properties"][name] = yaml.safe_load(f)
    return out


def validate(config: dict, schema_path: str | Path = SCHEMA) -> dict:
    """Validate ``config`` in place (filling defaults) and return it.

    The schema checks every key; then, for every configured study, the sweep points are
    built (distinct names) and the study's own cross-field rules run (``check_config``).

    Raises
    ------
    ConfigError
        One line: the offending key, the value, and what is allowed.
    """
    if not isinstance(config, dict):
        raise ConfigError("the config must be a mapping of keys to values")
    errors = sorted(_Validator(schema(schema_path)).iter_errors(config), key=_error_key)
    if errors:
        raise ConfigError(_message(errors[0]))
    for name in config["studies"]:
        sweep_points(config, name)  # raises on colliding point names
        studies()[name].check_config(config)
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
                    for k in studies()[study].sweeps)


def sweep_points(config: dict, study: str) -> dict[str, dict]:
    """All sweep points of ``study``: ``{point_id: {"indices": (...), "values": {...}}}``.

    The grid is the Cartesian product of the study's sweep lists, in the order of its
    declared ``sweeps``; points its ``valid`` rejects are skipped (their grid indices are
    simply unused, so the seeds of the other points do not move).
    """
    declared = studies()[study]
    axes = declared.sweeps
    lists = [config[study][a] for a in axes]
    points = {}
    for idx in itertools.product(*(range(len(v)) for v in lists)):
        values = {a: lst[i] for a, lst, i in zip(axes, lists, idx)}
        if not declared.valid(values):
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
    declared = studies()[study]
    last = declared.sweeps[-1]
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
        c = declared.cost(pt["values"])
        if block and (pt["indices"][:-1] != block[-1]["indices"][:-1]
                      or cost + c > JOB_SECONDS):
            close()
            cost = 0.0
        block.append(pt)
        cost += c
    close()
    return out
