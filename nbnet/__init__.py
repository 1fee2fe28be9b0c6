"""nbnet: scikit-learn's multi-layer perceptrons on a Numba-compiled core.

Importing nbnet compiles nothing and changes no global state (threads, warnings).
"""

from .fitting import DivergenceError
from .mlp import MLPClassifier, MLPRegressor, SingleClassWarning

__all__ = ["DivergenceError", "MLPClassifier", "MLPRegressor", "SingleClassWarning"]
__version__ = "0.1.0"
