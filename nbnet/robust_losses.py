"""The regression losses nbnet adds to scikit-learn's MLP, in NumPy, for the validation loss.

Each takes ``(y_true, y_pred, sample_weight, parameter)`` and returns what the compiled core
reports as the training loss (:mod:`nbnet.kernels.losses`): the weighted mean over samples of
the loss, averaged over the outputs, as scikit-learn's ``squared_loss`` averages it.
Training follows the gradient of the sum over outputs, as scikit-learn's squared error does.
"""

import numpy as np


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
