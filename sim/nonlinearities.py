"""The nonlinearities of every simulator, with their derivatives, defined once.

``tanh``, ``logistic`` (:math:`\\sigma(x) = 1/(1+e^{-x})`) and ``linear``; the theory modules
read the same functions (e.g. the mean-field gradient rate integrates :math:`\varphi'^2`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

__all__ = ["PHIS", "phi_functions"]

#: the nonlinearities offered
PHIS = ("tanh", "logistic", "linear")


def phi_functions(phi: str) -> tuple[Callable[[np.ndarray], np.ndarray],
                                     Callable[[np.ndarray], np.ndarray]]:
    """(phi, phi') of a nonlinearity as vectorised functions."""
    if phi == "tanh":
        return np.tanh, lambda x: 1.0 - np.tanh(x) ** 2
    if phi == "logistic":
        return special.expit, lambda x: special.expit(x) * (1.0 - special.expit(x))
    if phi == "linear":
        return (lambda x: x), (lambda x: np.ones_like(x))
    raise ValueError(f"unknown phi {phi!r}; allowed: tanh, logistic, linear")
