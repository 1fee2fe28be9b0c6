"""Callbacks of nbnet's own, on scikit-learn's callback protocol (``sklearn.callback``).

nbnet's estimators report each epoch (and each L-BFGS iteration) as a task of the
callback API that scikit-learn 1.9 introduced, so its ``ProgressBar`` and
``ScoringMonitor`` work on them as on scikit-learn's estimators::

    from sklearn.callback import ProgressBar
    MLPClassifier().set_callbacks(ProgressBar()).fit(X, y)

:class:`EarlyStopping` adds what scikit-learn's MLP lacks: stopping on any of the curves an
nbnet estimator records, with a patience and a minimum improvement.
"""

from numbers import Integral, Real

import numpy as np

# monitor name -> (fitted attribute, whether larger is better)
_MONITORS = {
    "loss": ("loss_curve_", False),
    "validation_loss": ("validation_loss_curve_", False),
    "validation_score": ("validation_scores_", True),
}


class EarlyStopping:
    """Stop training when a curve has not improved for ``patience`` epochs.

    A callback for ``set_callbacks`` of :class:`nbnet.MLPClassifier` and
    :class:`nbnet.MLPRegressor` (stochastic solvers). After each epoch it replays the
    monitored curve of the current fit: an epoch improves on the best so far when it is
    better by more than ``min_delta``; training stops (as a convergence stop does) once
    ``patience`` epochs in a row have not. It keeps no state of its own, so one instance
    may serve several estimators, threads or processes. To also keep the best epoch's
    weights, set the estimator's ``restore_best_weights=True``.

    Parameters
    ----------
    monitor : {'loss', 'validation_loss', 'validation_score'}, default='validation_loss'
        The curve to watch: ``loss_curve_``, ``validation_loss_curve_`` or
        ``validation_scores_``. The validation curves need a validation set
        (``validation_data`` in ``fit``, or ``early_stopping=True``).
    patience : int, default=10
        Epochs without improvement before training stops.
    min_delta : float, default=0.0
        The smallest change that counts as an improvement.

    Examples
    --------
    >>> from nbnet import MLPClassifier
    >>> from nbnet.callbacks import EarlyStopping
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(max_iter=500, random_state=0)
    >>> clf = clf.set_callbacks(EarlyStopping("loss", patience=3, min_delta=1e-3)).fit(X, y)
    >>> clf.n_iter_ < 500
    True
    """

    def __init__(self, monitor: str = "validation_loss", patience: int = 10,
                 min_delta: float = 0.0):
        if monitor not in _MONITORS:
            raise ValueError(f"monitor must be one of {sorted(_MONITORS)}; got {monitor!r}.")
        if not isinstance(patience, Integral) or isinstance(patience, bool) or patience < 1:
            raise ValueError(f"patience must be an integer >= 1; got {patience!r}.")
        if not isinstance(min_delta, Real) or not min_delta >= 0:
            raise ValueError(f"min_delta must be a number >= 0; got {min_delta!r}.")
        self.monitor, self.patience, self.min_delta = monitor, patience, float(min_delta)

    def setup(self, estimator, context) -> None:
        """Check that ``estimator`` records the monitored curve (nothing to set up)."""

    def teardown(self, estimator, context) -> None:
        """Nothing to tear down."""

    def on_fit_task_begin(self, estimator, context, **kwargs) -> None:
        """Nothing to do before a task."""

    def on_fit_task_end(self, estimator, context, **kwargs) -> bool:
        """After an epoch, whether the monitored curve has stalled for ``patience`` epochs."""
        if context.task_name != "epoch":
            return False
        attribute, larger_is_better = _MONITORS[self.monitor]
        curve = getattr(estimator, attribute, None)
        if curve is None:
            raise ValueError(
                f"EarlyStopping(monitor={self.monitor!r}) needs {attribute}, which "
                f"{type(estimator).__name__} records only with a validation set: pass "
                "validation_data to fit, or set early_stopping=True."
            )
        values = np.asarray(curve[len(curve) - estimator.n_iter_:], dtype=np.float64)
        if larger_is_better:
            values = -values
        best, waited = np.inf, 0
        for value in values:
            if value < best - self.min_delta:
                best, waited = value, 0
            else:
                waited += 1
        return waited >= self.patience

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"min_delta={self.min_delta})")
