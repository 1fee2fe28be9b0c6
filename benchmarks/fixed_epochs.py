"""What the optional baselines (PyTorch, JAX) share: scikit-learn's parameters and scoring.

A baseline runs exactly ``max_iter`` epochs of SGD or Adam over shuffled mini-batches (no
stopping rule, no L-BFGS), on the network scikit-learn builds — the hidden activation
(``relu``, ``tanh``, ``logistic`` or ``identity``), softmax and cross-entropy for
classification, half the squared error for regression — initialised as scikit-learn does
(uniform ±√(k / (fan_in + fan_out)) for weights and biases, k = 2 for logistic, else 6). The
L2 penalty ``alpha`` is ``alpha / (2 · batch rows) · Σ W²`` added to each batch's loss (the
weights only), which is scikit-learn's gradient term.
"""

import numpy as np
from sklearn.metrics import accuracy_score, r2_score


class FixedEpochsMLP:
    """scikit-learn's parameter names, so that a workload passes every library the same ones.

    Subclasses implement ``fit`` and ``_outputs(X)`` (the network's outputs as a NumPy array).
    """

    name = "baseline"

    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", solver="adam", alpha=0.0001,
                 batch_size=200, learning_rate_init=0.001, max_iter=200, shuffle=True,
                 random_state=None, momentum=0.9, nesterovs_momentum=True, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, tol=None, n_iter_no_change=None):
        # tol and n_iter_no_change are accepted for a common signature; the loop ignores them.
        if solver not in ("sgd", "adam"):
            raise ValueError(f"The {self.name} baseline supports 'sgd' and 'adam', not {solver!r}.")
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _init_bounds(self, n_in: int, n_out: int) -> list[tuple[int, int, float]]:
        """``(fan_in, fan_out, bound)`` of each layer, scikit-learn's initialisation."""
        factor = 2.0 if self.activation == "logistic" else 6.0
        sizes = [n_in, *self.hidden_layer_sizes, n_out]
        return [(fan_in, fan_out, float(np.sqrt(factor / (fan_in + fan_out))))
                for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]


class FixedEpochsClassifier(FixedEpochsMLP):
    """Softmax classifier trained with cross-entropy: labels, prediction and accuracy."""

    def _labels(self, y) -> np.ndarray:
        """Class codes of ``y`` (int64); sets ``classes_``."""
        self.classes_, codes = np.unique(y, return_inverse=True)
        self._n_outputs = len(self.classes_)
        return codes.astype(np.int64)

    def predict(self, X):
        """Predicted class labels."""
        return self.classes_[self._outputs(X).argmax(axis=1)]

    def score(self, X, y):
        """Accuracy."""
        return accuracy_score(y, self.predict(X))


class FixedEpochsRegressor(FixedEpochsMLP):
    """Single-output regressor trained with half the mean squared error."""

    def _targets(self, y) -> np.ndarray:
        """``y`` as one column."""
        self._n_outputs = 1
        return np.asarray(y).reshape(-1, 1)

    def predict(self, X):
        """Predicted values."""
        return self._outputs(X).ravel()

    def score(self, X, y):
        """R²."""
        return r2_score(y, self.predict(X))
