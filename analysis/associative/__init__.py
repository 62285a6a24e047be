r"""Associative memories on one capacity footing: theory and checks (docs/associative.md).

Every model registered in :data:`memory_dynamics.sim.associative.MODELS` has its theory in
:data:`THEORIES`, an object that gives every measure's theory at a load, the capacity at a
criterion and the information per stored number, and adds the checks of its points:

* :mod:`.vector`: vector-symbolic and matrix memories (HRR, FHRR, redundant FHRR,
  correlation matrix memories, tensor product representations), scored by P(correct)
  among M candidates from their exact similarity moments;
* :mod:`.binary`: Willshaw's exact false-positive probability, Kanerva's SDM, the Hopfield
  one-step error and the fast-weight palimpsest;
* :mod:`.theory` puts them on the merged grid (:func:`add_theory`), :mod:`.checks` compares
  (:func:`make_checks`).
"""

from .base import ModelTheory, Params
from .binary import (
    hopfield_field_moments,
    hopfield_one_step,
    palimpsest_capacity,
    palimpsest_error,
    sdm_activation,
    sdm_best_radius,
    sdm_bit_error,
    sdm_intersection,
    sdm_moments,
    willshaw_false_positive,
    willshaw_information,
    willshaw_synapse_fraction,
)
from .checks import KNOWN_DEVIATIONS, NON_FINITE, make_checks, shared_draws
from .models import (
    THEORIES,
    bit_error,
    capacity,
    information_per_number,
    max_items,
    model_size,
    moments,
    p_correct,
    p_correct_frady,
    p_correct_quadrature,
    storage,
    theory_of,
)
from .theory import add_theory
from .vector import EDGE, item_information, p_correct_integral

TITLE = "Associative memories: capacity on one footing"
REFERENCES = ("Plate (1995) IEEE TNN 6:623; Frady, Kleyko & Sommer (2018) Neural Comput "
              "30:1449; Danihelka et al. (2016) ICML; Kohonen (1972) IEEE TC 21:353; "
              "Smolensky (1990) Artif Intell 46:159; Willshaw, Buneman & Longuet-Higgins "
              "(1969) Nature 222:960; Kanerva (1988) Sparse Distributed Memory; Ba et al. "
              "(2016) NeurIPS; Amit, Gutfreund & Sompolinsky (1987) Ann Phys 173:30")

__all__ = ["TITLE", "REFERENCES", "THEORIES", "ModelTheory", "Params", "theory_of",
           "add_theory", "make_checks", "shared_draws", "NON_FINITE", "KNOWN_DEVIATIONS",
           "EDGE", "moments", "p_correct_integral", "p_correct", "p_correct_quadrature",
           "p_correct_frady",
           "max_items", "bit_error", "capacity", "information_per_number",
           "item_information", "model_size", "storage", "willshaw_synapse_fraction",
           "willshaw_false_positive", "willshaw_information", "sdm_activation",
           "sdm_intersection", "sdm_moments", "sdm_bit_error", "sdm_best_radius",
           "hopfield_one_step", "hopfield_field_moments", "palimpsest_error",
           "palimpsest_capacity"]
