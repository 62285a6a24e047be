"""Theory, comparison with simulation, checks and figures for the memory-dynamics studies.

``analysis`` never simulates. Its study modules (``analysis.hopfield``, ...) hold closed
forms and solvers, functions that add theory beside the simulated variables of a merged
dataset, the study's checks and its figures. Shared plumbing lives once: ``analysis.config``
(config validation and sweep grids), ``analysis.io`` (netCDF I/O and provenance),
``analysis.checks`` (``checks.csv``) and ``analysis.plotting`` (figure style).
"""

__version__ = "0.1.0"
