"""Simulators of memory dynamics in recurrent networks (``memory_dynamics.sim``).

Every function here is pure: it maps parameters and a seed (an ``int``, a sequence of
``int``, a :class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`) to arrays
or an :class:`xarray.Dataset`. Random input and data generators live here too. Nothing in
``sim`` knows about files or Snakemake, and nothing imports :mod:`memory_dynamics.analysis`.
"""
