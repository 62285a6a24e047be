"""Simulators of memory dynamics in recurrent networks.

Every function here is pure: it maps parameters and a seed (an ``int``, a sequence of
``int``, a :class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`) to arrays
or an :class:`xarray.Dataset`. Nothing in ``sim`` knows about files or Snakemake.
"""

__version__ = "0.1.0"
