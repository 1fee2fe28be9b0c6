"""The losses of the validation set, in NumPy: those nbnet adds to scikit-learn's MLP, and
scikit-learn's own (:data:`SKLEARN_LOSSES`).

Each takes ``(y_true, y_pred, sample_weight, parameter)`` and returns what the compiled core
reports as the training loss (:mod:`nbnet.kernels.losses`): the weighted mean over samples of
the loss, averaged over the outputs, as scikit-learn's ``squared_loss`` averages it.
Training follows the gradient of the sum over outputs, as scikit-learn's squared error does.
"""

import numpy as np
from scipy.special import xlogy


def huber_loss(y_true, y_pred, sample_weight=None, delta=1.0):
    """Huber loss: ``r²/2`` where ``|r| ≤ delta``, else ``delta (|r| − delta/2)``, r = y − p."""
    r = np.abs(y_true - y_pred)
    values = np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))
    return np.average(values, weights=sample_weight, axis=0).mean()


def absolute_loss(y_true, y_pred, sample_weight=None, parameter=None):
    """Absolute error ``|y − p|`` (``parameter`` is not used)."""
    return np.average(np.abs(y_true - y_pred), weights=sample_weight, axis=0).mean()


def quantile_loss(y_true, y_pred, sample_weight=None, quantile=0.5):
    """Pinball loss of the quantile ``q``: ``q (y − p)`` where ``y ≥ p``, else ``(1 − q)(p − y)``
    (scikit-learn's ``mean_pinball_loss`` with ``alpha=q``)."""
    diff = y_true - y_pred
    values = np.where(diff >= 0, quantile * diff, (quantile - 1) * diff)
    return np.average(values, weights=sample_weight, axis=0).mean()


# MLPRegressor's loss names beyond scikit-learn's, to their validation losses.
ROBUST_LOSSES = {"huber": huber_loss, "absolute_error": absolute_loss, "quantile": quantile_loss}


# scikit-learn's losses as its MLP computes them (sklearn.neural_network._base, the same
# arithmetic), written here because scikit-learn keeps them private.
def _squared_loss(y_true, y_pred, sample_weight=None):
    return 0.5 * np.average((y_true - y_pred) ** 2, weights=sample_weight, axis=0).mean()


def _poisson_loss(y_true, y_pred, sample_weight=None):
    return np.average(xlogy(y_true, y_true / y_pred) - y_true + y_pred, weights=sample_weight,
                      axis=0).sum()


def _log_loss(y_true, y_prob, sample_weight=None):
    eps = np.finfo(y_prob.dtype).eps
    y_prob = np.clip(y_prob, eps, 1 - eps)
    if y_prob.shape[1] == 1:
        y_prob = np.append(1 - y_prob, y_prob, axis=1)
    if y_true.shape[1] == 1:
        y_true = np.append(1 - y_true, y_true, axis=1)
    return -np.average(xlogy(y_true, y_prob), weights=sample_weight, axis=0).sum()


def _binary_log_loss(y_true, y_prob, sample_weight=None):
    eps = np.finfo(y_prob.dtype).eps
    y_prob = np.clip(y_prob, eps, 1 - eps)
    return -np.average(xlogy(y_true, y_prob) + xlogy(1 - y_true, 1 - y_prob),
                       weights=sample_weight, axis=0).sum()


SKLEARN_LOSSES = {"squared_error": _squared_loss, "poisson": _poisson_loss,
                  "log_loss": _log_loss, "binary_log_loss": _binary_log_loss}
