"""The training state: what a fit changes and a later fit goes on from, in one object.

An estimator (:mod:`nbnet.mlp`) owns one :class:`TrainingState` from its first fit on and
hands it to the loop (:mod:`nbnet.fitting`), which reads and writes nothing else of the
estimator. scikit-learn's fitted attributes that belong to training (``n_iter_``,
``loss_curve_``, ...) read and write its fields, ``coefs_`` and ``intercepts_`` are views of
its parameter vector, and a failed call is undone by restoring this one object
(:class:`nbnet.fitting.Rollback`). A field that a new feature adds is then kept, rolled back
and pickled with the others.

A pickle holds the fields under the estimator's attribute names (:data:`ATTRIBUTE_NAMES`),
as the estimators held them before the state had one home, so that pickles of every version
have one layout and name no nbnet class besides the estimator's.
"""

from collections.abc import MutableMapping

import numpy as np

from .optimizers import Optimizer, optimizer_state, restore_optimizer

# Each field's estimator attribute: scikit-learn's names (``_no_improvement_count`` too),
# and nbnet's own for the best epoch's weights and the optimizer.
ATTRIBUTE_NAMES = {
    "best_theta": "_best_theta",
    "optimizer": "_optimizer",
    "n_iter": "n_iter_",
    "t": "t_",
    "loss": "loss_",
    "loss_curve": "loss_curve_",
    "best_loss": "best_loss_",
    "no_improvement_count": "_no_improvement_count",
    "validation_scores": "validation_scores_",
    "validation_loss_curve": "validation_loss_curve_",
    "best_validation_score": "best_validation_score_",
}


class TrainingState:
    """The parameters, optimizer, curves and counters of a model in training.

    A field that a model has not got is absent, as scikit-learn's estimators lack the
    attribute: ``loss`` until a call ends, the stochastic solvers' fields after an L-BFGS fit
    from scratch. A state made bare (``TrainingState()``) gets its fields one by one, as
    ``from_sklearn`` sets the attributes of scikit-learn's model. Training replaces fields
    rather than changing them in place, but for ``theta`` and the optimizer's arrays (trained
    in place) and the curves (appended to), which :class:`nbnet.fitting.Rollback` copies: a
    new field changed in place needs a copy there too.

    Attributes
    ----------
    theta : ndarray of shape (n_parameters,)
        The flat parameters, updated in place by training.
    best_theta : ndarray of shape (n_parameters,)
        The best epoch's parameters (the initial ones until an epoch improves).
    n_iter : int
        Epochs (or L-BFGS iterations) of the last call.
    t : int
        Training samples seen by a stochastic solver since the fit from scratch.
    loss : float
        The last epoch's (or the L-BFGS minimum's) penalised loss.
    optimizer : nbnet.optimizers.Optimizer
        The stochastic solver's rule, with its state slots and step count.
    loss_curve : list of float
        The training loss of each epoch since the fit from scratch.
    best_loss : float or None
        The lowest training loss (None with early stopping, which watches the validation
        score instead).
    no_improvement_count : int
        Epochs in a row without improvement, scikit-learn's stopping counter.
    validation_scores, validation_loss_curve : list of float, or None
        The validation score and loss of each epoch; None until a fit has a validation set.
    best_validation_score : float or None
        The best validation score; None until a fit has a validation set.
    """

    @classmethod
    def initial(cls, theta: np.ndarray, stochastic: bool, early_stopping: bool
                ) -> "TrainingState":
        """The state of a fit from scratch with initial weights ``theta``: no epoch yet, and
        for a stochastic solver empty curves (scikit-learn's ``_initialize``)."""
        state = cls()
        state.theta, state.best_theta = theta, theta.copy()
        state.n_iter = state.t = 0
        if stochastic:
            state.loss_curve = []
            state.no_improvement_count = 0
            state.best_loss = None if early_stopping else np.inf
            state.validation_scores = state.validation_loss_curve = None
            state.best_validation_score = None
        return state

    def start_validation_curves(self) -> None:
        """Validation curves from the first fit with a validation set on (warm starts keep
        them)."""
        if self.validation_scores is None:
            self.validation_scores, self.validation_loss_curve = [], []
            self.best_validation_score = -np.inf

    def as_attributes(self) -> dict:
        """The fields as pickled: under the estimator's names, the optimizer as plain data;
        not ``theta``, which the estimator's ``coefs_`` and ``intercepts_`` carry."""
        attributes = {ATTRIBUTE_NAMES[field]: value for field, value in vars(self).items()
                      if field in ATTRIBUTE_NAMES}
        if isinstance(attributes.get("_optimizer"), Optimizer):
            attributes["_optimizer"] = optimizer_state(attributes["_optimizer"])
        return attributes

    @classmethod
    def from_attributes(cls, attributes: MutableMapping) -> "TrainingState":
        """The state that :meth:`as_attributes` (or an estimator of an earlier version) left
        in ``attributes``, taking its entries out; without ``theta``."""
        state = cls()
        for field, name in ATTRIBUTE_NAMES.items():
            if name in attributes:
                setattr(state, field, attributes.pop(name))
        if isinstance(getattr(state, "optimizer", None), dict):
            state.optimizer = restore_optimizer(state.optimizer)
        return state
