"""Theory, comparison with simulation and checks (``memory_dynamics.analysis``).

Its study modules (``memory_dynamics.analysis.hopfield``, ...) hold closed forms and
solvers, ``add_theory`` (theory beside the simulated variables of a merged dataset) and
``make_checks``; each study's figures are in ``memory_dynamics.analysis.figures.<study>``.
Shared plumbing lives once: :mod:`~memory_dynamics.analysis.checks` (``checks.csv``) and
:mod:`~memory_dynamics.analysis.plotting` (figure style, PNG + PDF). ``analysis`` draws no
random numbers of its own (simulations and random inputs come from
:mod:`memory_dynamics.sim`). The science of every study: the repository's ``docs/``.
"""
