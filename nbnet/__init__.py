"""nbnet: scikit-learn's multi-layer perceptrons on a Numba-compiled core.

Importing nbnet compiles nothing and changes no global state (threads, warnings).
"""

from .kernels._cache import kernel_cache_stats
from .kernels._warnings import CompatibilityWarning, NoKernelCacheWarning
from .fitting import DivergenceError
from .mlp import (InconsistentVersionWarning, MLPClassifier, MLPRegressor,
                  NonFinitePredictionWarning, SingleClassWarning)

__all__ = ["CompatibilityWarning", "DivergenceError", "InconsistentVersionWarning",
           "MLPClassifier", "MLPRegressor", "NoKernelCacheWarning", "NonFinitePredictionWarning",
           "SingleClassWarning", "kernel_cache_stats"]
__version__ = "0.1.0"
