"""nbnet: scikit-learn's multi-layer perceptrons on a Numba-compiled core.

Importing nbnet compiles nothing and changes no global state (threads, warnings).
"""

from .mlp import DivergenceError, MLPClassifier, MLPRegressor

__all__ = ["DivergenceError", "MLPClassifier", "MLPRegressor"]
__version__ = "0.1.0"
