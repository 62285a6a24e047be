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
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import jsonschema
import yaml

from .registry import WORKFLOW_DIR, studies

#: The top-level schema (root seed, studies); each study's section comes from its own block.
SCHEMA = WORKFLOW_DIR / "schemas" / "config.schema.yaml"

#: Target work of one simulate job, in the units of a study's ``cost``.
JOB_SECONDS = 10.0

__all__ = ["ConfigError", "SCHEMA", "PRESETS", "schema", "validate", "load", "read_yaml",
           "parse_override", "merge", "resolve", "retype_overrides", "sweep_points",
           "point_id", "shards"]

#: The presets shipped with the package: quick (minutes, tests and CI), default, large.
PRESETS = ("quick", "default", "large")


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


def _strict_types(cls):
    """Integers are ``int`` (YAML ``4.0`` is a float, and a float where an integer belongs
    is a user error, not a silent cast); NaN and -inf are never numbers here, and +inf only
    where the schema node says ``x-allow-inf: true`` (a forget-gate bias of +inf)."""
    checker = cls.TYPE_CHECKER.redefine(
        "integer", lambda _, x: isinstance(x, int) and not isinstance(x, bool))
    validate_type = cls.VALIDATORS["type"]

    def finite_type(validator, types, instance, schema):
        yield from validate_type(validator, types, instance, schema)
        if isinstance(instance, float) and not math.isfinite(instance) and not (
                instance > 0 and schema.get("x-allow-inf")):
            yield jsonschema.ValidationError("non-finite", validator="finite")

    return jsonschema.validators.extend(cls, {"type": finite_type}, type_checker=checker)


_Validator = _with_defaults(_strict_types(jsonschema.Draft202012Validator))


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
    n = error.schema.get("minItems", 0)
    reason = {
        "type": f"has the wrong type ({type(error.instance).__name__})",
        "minItems": ("is empty" if n <= 1 or not error.instance else
                     f"has {len(error.instance)} value(s), fewer than {n}"),
        "uniqueItems": "has repeated values",
        "enum": "is not allowed",
        "finite": "is not a finite number",
    }.get(v, "is out of range")
    hint = ""
    if v == "type" and isinstance(error.instance, str) and _looks_numeric(error.instance):
        # YAML 1.1 reads 1e-2 (no dot, no signed exponent) as text
        hint = (f" (YAML reads {error.instance} as text: write it with a dot, e.g. "
                f"{_yaml_number(error.instance)})")
    return f"{key} = {shown} {reason}{hint}; allowed: {_allowed(node)}"


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _yaml_number(text: str) -> str:
    mantissa, _, exponent = text.lower().partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent and exponent[0] not in "+-":
        exponent = "+" + exponent
    return f"{mantissa}e{exponent} or {float(text):g}" if exponent else f"{float(text):g}"


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
    _no_cycles(config, "")
    errors = sorted(_Validator(schema(schema_path)).iter_errors(config), key=_error_key)
    if errors:
        raise ConfigError(_message(errors[0]))
    for name in config["studies"]:
        sweep_points(config, name)  # raises on colliding point names
        try:
            studies()[name].check_config(config)
        except ConfigError:
            raise
        except Exception as e:  # a rule that trips over a value the schema let through
            raise ConfigError(f"{name}: the cross-field rules of this section failed on its "
                              f"values ({type(e).__name__}: {e}); allowed: the values "
                              f"described in {studies()[name].schema.name}") from None
    return config


def _no_cycles(obj, where: str, seen: frozenset = frozenset()) -> None:
    """A YAML anchor that refers to itself makes a recursive structure: reject it."""
    if isinstance(obj, dict | list):
        if id(obj) in seen:
            raise ConfigError(f"{where}: refers to itself (a recursive YAML anchor); allowed: "
                              "plain values, lists and mappings")
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for k, v in items:
            key = f"{where}[{k}]" if isinstance(k, int) else (f"{where}.{k}" if where
                                                               else str(k))
            _no_cycles(v, key, seen | {id(obj)})


class _StrictLoader(yaml.SafeLoader):
    """YAML safe loading that rejects a key given twice in one mapping (PyYAML silently
    keeps the last)."""

    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                mark = key_node.start_mark
                raise ConfigError(f"{mark.name}, line {mark.line + 1}: the key {key!r} is not "
                                  "a plain value; allowed: names such as n_networks") from None
            if key in keys:
                mark = key_node.start_mark
                raise ConfigError(f"{mark.name}, line {mark.line + 1}: key {key!r} is given "
                                  "twice in one mapping; allowed: each key once")
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> dict:
    """Read one YAML config file, without validating it.

    Every way a file can be unusable (missing, a directory, unreadable, not UTF-8, a YAML
    syntax error, empty, not a mapping at the top level, a duplicated key) raises
    :class:`ConfigError` with one line naming the file (and the line, for YAML errors).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; allowed: the path of a YAML config file"
                          ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory; allowed: the path of a YAML config file"
                          ) from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot be read (permission denied)") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: is not UTF-8 text (byte 0x{e.object[e.start]:02x} at "
                          f"offset {e.start}); allowed: a UTF-8 YAML file") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: YAML syntax error: {e.problem or e.context}; "
                          "allowed: a YAML mapping, e.g. 'hopfield: {n_networks: 3}'") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: YAML error: {str(e).splitlines()[0]}") from None
    except ConfigError as e:
        raise ConfigError(str(e).replace("<unicode string>", str(path))) from None
    except RecursionError:
        raise ConfigError(f"{path}: nesting too deep or a recursive YAML anchor") from None
    if data is None:
        raise ConfigError(f"{path}: the file is empty; allowed: a YAML mapping of config keys, "
                          "e.g. 'hopfield: {n_networks: 3}'")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level is a {type(data).__name__}, not a mapping; "
                          "allowed: a mapping of config keys (root_seed, studies, "
                          + ", ".join(studies()) + ")")
    try:
        _no_cycles(data, "")
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
    return data


def merge(base: dict, over: Mapping) -> dict:
    """``base`` updated by ``over`` in place, recursively for mappings (as Snakemake merges
    config files); lists are replaced, not concatenated."""
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


def parse_override(text: str) -> dict:
    """``"hopfield.n_networks=3"`` -> ``{"hopfield": {"n_networks": 3}}``.

    The value is YAML, so it keeps its type (``3`` an integer, ``0.1`` a float, ``[1, 2]``
    a list, ``true`` a boolean); Snakemake's own ``--config`` passes nested values as strings.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"override {text!r} is not KEY=VALUE; allowed: e.g. "
                          "hopfield.n_networks=3 or 'hopfield.alpha=[0.1, 0.2]'")
    parts = key.split(".")
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) for p in parts):
        raise ConfigError(f"override {text!r}: {key!r} is not a dotted config key; allowed: "
                          "e.g. root_seed, studies or hopfield.n_networks")
    if not value.strip():
        raise ConfigError(f"override {text!r}: no value; allowed: e.g. {key}=3 ({key}=null "
                          "for an explicit null)")
    try:
        parsed = yaml.load(value, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, ConfigError) as e:
        raise ConfigError(f"override {text!r}: the value is not valid YAML "
                          f"({str(e).splitlines()[0]}); allowed: e.g. 3, 0.1, true, [1, 2]"
                          ) from None
    out: dict = {}
    node = out
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = parsed
    return out


def retype_overrides(config: dict, overrides: Mapping) -> dict:
    """Snakemake's ``--config`` overrides with their YAML types restored.

    Snakemake parses nested ``--config`` values with YAML's BaseLoader, so
    ``hopfield={n_networks: 3}`` arrives as ``{"n_networks": "3"}``. Every string leaf of
    the overrides is parsed again as YAML and merged back into ``config``.
    """
    def retype(v):
        if isinstance(v, Mapping):
            return {k: retype(x) for k, x in v.items()}
        if isinstance(v, list):
            return [retype(x) for x in v]
        if isinstance(v, str):
            try:
                return yaml.safe_load(v)
            except yaml.YAMLError:
                return v
        return v

    nested = {k: retype(v) for k, v in overrides.items() if isinstance(v, Mapping | list)}
    return merge(config, nested)


def _defaults_file(preset: str) -> Path:
    if preset not in PRESETS:
        raise ConfigError(f"preset = {preset!r} is not allowed; allowed: one of "
                          + ", ".join(PRESETS))
    return WORKFLOW_DIR / "config" / f"{preset}.yaml"


def resolve(preset: str = "default", configfiles: Iterable[str | Path] = (),
            overrides: Iterable[str] = (), studies_: Iterable[str] = ()) -> dict:
    """The validated config of a run: a preset, then the user's files in order, then
    ``KEY=VALUE`` overrides, then the studies to run (if any are named).

    Raises
    ------
    ConfigError
        One line naming the file, line or key and what is allowed.
    """
    config = read_yaml(_defaults_file(preset))
    for f in configfiles:
        merge(config, read_yaml(f))
    for o in overrides:
        merge(config, parse_override(o))
    chosen = list(studies_)
    if chosen:
        config["studies"] = chosen
    return validate(config)


def load(path: str | Path) -> dict:
    """Read and validate a YAML config file (missing keys take the schema defaults)."""
    return validate(read_yaml(path))


def _fmt(v) -> str:
    return str(v) if isinstance(v, int) else f"{v:.6g}"


def point_id(study: str, values: dict) -> str:
    """File-name-safe id of a sweep point, e.g. ``N1000_alpha0.15`` or
    ``gaussian_N100_alpha0.99`` (string values stand alone)."""
    return "_".join(values[k] if isinstance(values[k], str) else f"{k}{_fmt(values[k])}"
                    for k in studies()[study].sweeps)


def settings_of(config: dict, study: str) -> dict:
    """The study's settings: its config section minus its sweep lists (what every sweep
    point shares; recorded on each dataset by :func:`memory_dynamics.io.record_settings`)."""
    sweeps = studies()[study].sweeps
    return {k: v for k, v in config[study].items() if k not in sweeps}


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
