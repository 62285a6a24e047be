"""Shared plumbing of the benchmarks: peers in their own virtual environments, child runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VENVS = Path(__file__).resolve().parent / ".venvs"

#: source of ``peak_mb()`` for a child: peak resident memory of its process image (VmHWM
#: starts afresh at exec; ru_maxrss would carry the parent's peak over)
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
"""


def peer_python(package: str, *extra: str) -> Path:
    """Python of ``benchmarks/.venvs/<package>``, created with ``pip install <package> *extra``."""
    py = VENVS / package / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENVS / package)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", package, *extra],
                       check=True)
    return py


def run_child(python, code: str, *args: str) -> dict:
    """Run ``code`` in a child interpreter; return the JSON object of its last output line."""
    out = subprocess.run([str(python), "-c", code, *map(str, args)], capture_output=True,
                         text=True)
    if out.returncode:
        tail = "\n".join(out.stderr.strip().splitlines()[-40:])
        raise RuntimeError(f"child {python} failed (exit {out.returncode}):\n{tail}")
    return json.loads(out.stdout.strip().splitlines()[-1])
