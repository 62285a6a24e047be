"""The layers: sim never imports analysis; every study declaration is cheap and complete."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from memory_dynamics.registry import studies


def _imports(path: Path, package: str):
    """Absolute names imported by a module of ``package`` (relative imports resolved)."""
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.append(".".join([*base, node.module] if node.module else base))
            else:
                names.append(node.module)
    return names


@pytest.mark.parametrize("path", sorted((REPO / "sim").glob("*.py")), ids=lambda p: p.name)
def test_sim_never_imports_analysis(path):
    for name in _imports(path, "memory_dynamics.sim"):
        assert not name.startswith(("memory_dynamics.analysis", "analysis")), (path, name)
        assert not name.startswith("memory_dynamics.studies"), (path, name)


def test_importing_every_simulator_loads_no_analysis():
    code = ("import sys, pkgutil, importlib, memory_dynamics.sim as s\n"
            "for m in pkgutil.iter_modules(s.__path__): "
            "importlib.import_module('memory_dynamics.sim.' + m.name)\n"
            "print(sorted(k for k in sys.modules if k.startswith('memory_dynamics')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "memory_dynamics.analysis" not in out and "memory_dynamics.sim.hopfield" in out


def test_declarations_are_cheap_to_import():
    """Snakemake parses the workflow in every job: the registry must not pull in numpy."""
    code = ("import sys\nfrom memory_dynamics.config import validate\n"
            "validate({})\n"
            "print(sorted(m for m in ('numpy', 'xarray', 'scipy', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", out


@pytest.mark.parametrize("name", list(studies()))
def test_declaration_is_complete(name):
    study = studies()[name]
    assert study.schema.exists() and (study.captions / "checks.rst").exists()
    for fig in study.figures:
        assert (study.captions / f"{fig}.rst").exists(), fig
    assert list(study.figure_makers()) == list(study.figures)  # raises on a mismatch
    analysis = study.analysis_module()
    for attr in ("TITLE", "REFERENCES", "add_theory", "make_checks"):
        assert hasattr(analysis, attr), (name, attr)
    assert callable(study.simulate_point())
    doc = (REPO / "docs" / f"{name}.md")
    assert doc.exists(), f"science notes of {name} missing: {doc}"
