"""The study layer: one subpackage per study.

``<study>/__init__.py`` holds the study's declaration ``STUDY`` (a
:class:`memory_dynamics.registry.Study`; standard library only, read at Snakemake parse
time) and ``<study>/experiment.py`` its per-point experiment ``simulate_point`` (simulation
plus the exact theory of each random draw, which needs both :mod:`memory_dynamics.sim` and
:mod:`memory_dynamics.analysis`).
"""
