"""memory-dynamics: simulate how recurrent neural networks remember, and check every
simulation against the analytic theory it is supposed to reproduce.

Layers (``sim`` never imports ``analysis``):

* :mod:`memory_dynamics.sim` — simulators and random input generators: pure functions from
  parameters and a seed to arrays or datasets;
* :mod:`memory_dynamics.observables` — estimators applied to simulated states (readouts,
  memory functions), shared by simulators and analysis;
* :mod:`memory_dynamics.analysis` — theory (closed forms, solvers), checks and figures;
* :mod:`memory_dynamics.studies` — one declaration per study and its per-point experiment
  (simulation plus the exact theory of each random draw), read by the workflow through
  :mod:`memory_dynamics.registry`;
* :mod:`memory_dynamics.config` and :mod:`memory_dynamics.io` — workflow plumbing.

The Python API (:mod:`memory_dynamics.api`): ``simulate(study, **keys)`` returns an
``xarray.Dataset`` with simulation and theory, ``checks(ds)`` a ``pandas.DataFrame`` of the
checks, ``figure(ds, name)`` a matplotlib figure; ``compare(ds, variable, theory)`` checks your own
theory of a simulated variable the same way (``plot_compare`` overlays it);
``finish(ds, study, config)`` is the one finishing step (theory, non-finite explanations,
provenance) of the API and the workflow.

The science of every study is written up in the repository's ``docs/`` folder.
"""

__version__ = "0.2.0"

__all__ = ["__version__", "simulate", "finish", "checks", "figure", "compare", "plot_compare"]


def __getattr__(name):
    # the API functions, imported on first use (the workflow imports this package while
    # Snakemake parses it, where only the standard library and yaml may load)
    if name in ("simulate", "finish", "checks", "figure", "compare", "plot_compare"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'memory_dynamics' has no attribute {name!r}")
