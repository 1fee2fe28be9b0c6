"""Initial weights: scikit-learn's uniform draws, with the bound of Glorot, He or LeCun.

Every initialiser draws exactly as scikit-learn's MLP does (the same calls on the same
``RandomState``, in the same order: per layer the weights, then the biases, uniform in
``±bound``); only the bound differs, so ``'glorot'`` gives scikit-learn's weights bit for bit.
"""

import numpy as np


def glorot(fan_in: int, fan_out: int, factor: float) -> float:
    """scikit-learn's Glorot bound ``√(c / (fan_in + fan_out))``, ``c`` the factor of the
    activation the layer feeds (2 for logistic, else 6)."""
    return np.sqrt(factor / (fan_in + fan_out))


def he(fan_in: int, fan_out: int, factor: float) -> float:
    """He's bound for uniform weights, ``√(6 / fan_in)`` (variance 2 / fan_in)."""
    return np.sqrt(6 / fan_in)


def lecun(fan_in: int, fan_out: int, factor: float) -> float:
    """LeCun's bound for uniform weights, ``√(3 / fan_in)`` (variance 1 / fan_in)."""
    return np.sqrt(3 / fan_in)


INITIALIZERS = {"glorot": glorot, "he": he, "lecun": lecun}


def draw(coefs: list, intercepts: list, init: str, factors: list,
         random_state: np.random.RandomState) -> None:
    """Fill ``coefs`` and ``intercepts`` (arrays, in place) with initial values.

    Parameters
    ----------
    coefs, intercepts : each layer's weight matrix ``(fan_in, fan_out)`` and bias vector.
    init : a key of :data:`INITIALIZERS`.
    factors : Glorot's ``c`` for each layer (unused by the other initialisers).
    random_state : the stream to draw from.
    """
    bound_of = INITIALIZERS[init]
    for coef, intercept, factor in zip(coefs, intercepts, factors):
        fan_in, fan_out = coef.shape
        bound = bound_of(fan_in, fan_out, factor)
        coef[:] = random_state.uniform(-bound, bound, (fan_in, fan_out))
        intercept[:] = random_state.uniform(-bound, bound, fan_out)
