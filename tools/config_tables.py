"""Write docs/configuration.md: every study's config keys, defaults and what is allowed,
generated from the schemas (the one place defaults live), so the documentation cannot
drift from them. ``python tools/config_tables.py`` rewrites the file;
``python tools/config_tables.py --check`` exits 1 if it is out of date (a test runs it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from memory_dynamics.config import schema
from memory_dynamics.registry import studies

OUT = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def _value(v) -> str:
    text = yaml.safe_dump(v, default_flow_style=True, width=10**6).strip()
    return f"`{text.removesuffix(chr(10) + '...').strip()}`"


def render() -> str:
    full = schema()
    seed = full["properties"]["root_seed"]
    lines = ["# Configuration", "",
             "Generated from the schemas in `workflows/schemas/` by "
             "`python tools/config_tables.py` (do not edit by hand; a test checks it). A key "
             "you leave out takes its default; the presets in `workflows/config/` list only "
             "what they change. Sweep axes are lists: every combination is a sweep point.", "",
             f"Top level: `root_seed` (default {_value(seed['default'])}; "
             f"{seed.get('description', '')}), `studies` (default: every registered study).",
             ""]
    for name, study in studies().items():
        props = full["properties"][name]["properties"]
        lines += [f"## `{name}`: {study.title}", "",
                  f"Sweep axes: {', '.join(f'`{a}`' for a in study.sweeps)}.", "",
                  "| key | default | allowed |", "|---|---|---|"]
        for key, prop in props.items():
            allowed = " ".join(str(prop.get("description", "")).split()).replace("|", "\\|")
            lines.append(f"| `{key}` | {_value(prop.get('default'))} | {allowed} |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = p.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is out of date: run python tools/config_tables.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
