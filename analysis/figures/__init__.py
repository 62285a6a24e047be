"""Figures of every study: ``FIGURES = {name: draw(ds, plt) -> Figure}`` per study module,
drawn by :func:`memory_dynamics.analysis.plotting.draw` (theory overlaid on simulation)."""
