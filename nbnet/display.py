"""Learning curves of a fitted estimator, in scikit-learn's Display convention.

Needs matplotlib (nbnet's ``plot`` extra); importing this module does not import it.
"""

import numpy as np


class LossCurveDisplay:
    """Training (and validation) loss per epoch of a fitted nbnet estimator.

    Build it with :meth:`from_estimator`, or from the curves and then call :meth:`plot`.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss per epoch (the estimator's ``loss_curve_``).
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Validation loss per epoch (``validation_loss_curve_``), if there was a validation set.
    estimator_name : str, default=None
        Name shown in the title.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The training curve, then the validation curve if there is one.
    ax_ : matplotlib Axes
        The axes of the plot.
    figure_ : matplotlib Figure
        The figure of the plot.

    Examples
    --------
    >>> from nbnet import MLPClassifier
    >>> from nbnet.display import LossCurveDisplay
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(early_stopping=True, random_state=0).fit(X / 16, y)
    >>> display = LossCurveDisplay.from_estimator(clf)  # doctest: +SKIP
    """

    def __init__(self, *, loss_curve, validation_loss_curve=None, estimator_name=None):
        self.loss_curve = np.asarray(loss_curve, dtype=np.float64)
        self.validation_loss_curve = (None if validation_loss_curve is None
                                      else np.asarray(validation_loss_curve, dtype=np.float64))
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, log_scale: bool = False, **kwargs) -> "LossCurveDisplay":
        """Plot the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure's when None.
        log_scale : bool, default=False
            Whether the loss axis is logarithmic.
        **kwargs : dict
            Passed to matplotlib's ``plot`` for both curves.

        Returns
        -------
        display : LossCurveDisplay
            This object, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError("LossCurveDisplay needs matplotlib: pip install 'nbnet[plot]'"
                              ) from error
        if ax is None:
            _, ax = plt.subplots()
        epochs = np.arange(1, self.loss_curve.size + 1)
        self.lines_ = ax.plot(epochs, self.loss_curve, label="training loss", **kwargs)
        if self.validation_loss_curve is not None:
            self.lines_ += ax.plot(epochs[: self.validation_loss_curve.size],
                                   self.validation_loss_curve, label="validation loss",
                                   **kwargs)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if log_scale:
            ax.set_yscale("log")
        if self.estimator_name:
            ax.set_title(self.estimator_name)
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, log_scale: bool = False,
                       **kwargs) -> "LossCurveDisplay":
        """Plot the loss curves of a fitted estimator trained by 'sgd' or 'adam'.

        Parameters
        ----------
        estimator : nbnet.MLPClassifier or nbnet.MLPRegressor
            Fitted with a stochastic solver ('lbfgs' records no curve).
        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure's when None.
        log_scale : bool, default=False
            Whether the loss axis is logarithmic.
        **kwargs : dict
            Passed to matplotlib's ``plot``.

        Returns
        -------
        display : LossCurveDisplay
        """
        curve = getattr(estimator, "loss_curve_", None)
        if curve is None:
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_: fit it first, with solver "
                "'sgd' or 'adam' ('lbfgs' records no curve)."
            )
        display = cls(loss_curve=curve,
                      validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
                      estimator_name=type(estimator).__name__)
        return display.plot(ax=ax, log_scale=log_scale, **kwargs)
