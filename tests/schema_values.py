"""Config values generated from the schemas (not listed by hand), for the tests that run
every setting off its default: the API-equals-pipeline test and the property-based test."""

from __future__ import annotations

import math

from memory_dynamics.config import ConfigError, resolve, schema, validate
from memory_dynamics.registry import get, studies


def section_schema(study: str) -> dict:
    return schema()["properties"][study]["properties"]


def _bounds(prop: dict) -> tuple[float, float, bool, bool]:
    lo = prop.get("minimum", prop.get("exclusiveMinimum", -math.inf))
    hi = prop.get("maximum", prop.get("exclusiveMaximum", math.inf))
    return lo, hi, "exclusiveMinimum" in prop, "exclusiveMaximum" in prop


def _inside(x, prop) -> bool:
    lo, hi, xlo, xhi = _bounds(prop)
    return (x > lo if xlo else x >= lo) and (x < hi if xhi else x <= hi)


def alternatives(prop: dict, value) -> list:
    """Values of a schema property other than ``value``, nearest (and cheapest) first:
    an integer one less (or more), a number 10 % smaller (or larger, or the midpoint of
    its range), the other boolean, the other enum options, null where allowed, a list
    without its last (or first) element or with an element changed."""
    types = prop.get("type")
    types = types if isinstance(types, list) else [types]
    out: list = []
    if "enum" in prop:
        out += [v for v in prop["enum"] if v != value]
    if value is None:
        out += [max(1, int(prop.get("minimum", 1)))] if "integer" in types else []
    elif isinstance(value, bool):
        out.append(not value)
    elif isinstance(value, int) and "integer" in types:
        out += [v for v in (value - 1, value + 1) if _inside(v, prop)]
        if "null" in types:
            out.append(None)
    elif isinstance(value, (int, float)) and "number" in types:
        lo, hi, _, _ = _bounds(prop)
        cands = ([value * 0.9, value * 1.1, value / 2, value * 2] if value
                 else [0.5 * min(hi, 1.0)])
        if math.isfinite(lo) and math.isfinite(hi):
            cands.append((lo + hi) / 2)
        out += [v for v in cands if math.isfinite(v) and v != value and _inside(v, prop)]
    elif isinstance(value, list):
        items = prop.get("items", {})
        if len(value) > prop.get("minItems", 0):
            out += [value[:-1], value[1:]]
        for i in (len(value) - 1, 0):
            for alt in alternatives(items, value[i]) if value else []:
                new = [*value[:i], alt, *value[i + 1:]]
                if alt not in value or not prop.get("uniqueItems"):
                    out.append(new)
    return out


def off_default(study: str, base: dict | None = None) -> tuple[dict, dict]:
    """The study's section of the quick preset (or ``base``) with every setting (every key
    but the sweep axes) moved to a valid value that is neither the schema default nor the
    base value. Returns ``(section, unchanged)``: ``unchanged`` maps each key no valid
    other value was found for to the reason."""
    props = section_schema(study)
    section = dict(base if base is not None else resolve("quick")[study])
    defaults = {k: p.get("default") for k, p in props.items()}
    unchanged = {}
    for key in props:
        if key in get(study).sweeps:
            continue
        for alt in alternatives(props[key], section[key]):
            if alt == defaults[key]:
                continue
            trial = {**section, key: alt}
            try:
                validate({"studies": [study], study: trial})
            except ConfigError as e:
                unchanged[key] = str(e)
                continue
            section = trial
            unchanged.pop(key, None)
            break
        else:
            unchanged.setdefault(key, "no alternative value in the schema")
    return section, unchanged


def settings_keys(study: str) -> list[str]:
    return [k for k in section_schema(study) if k not in get(study).sweeps]


ALL = list(studies())
