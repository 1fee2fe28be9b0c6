"""nbnet: scikit-learn's multi-layer perceptrons on a Numba-compiled core.

Importing nbnet compiles nothing and changes no global state (threads, warnings).
"""

from ._cache import kernel_cache_stats
from .mlp import DivergenceError, MLPClassifier, MLPRegressor

__all__ = ["DivergenceError", "MLPClassifier", "MLPRegressor", "kernel_cache_stats"]
__version__ = "0.1.0"
