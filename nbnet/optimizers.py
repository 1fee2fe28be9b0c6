"""Stochastic optimizers: one small class per update rule, and the table :data:`OPTIMIZERS`.

A class holds what outlives one epoch — its state slots, its step count, its learning rate —
and turns its schedule into the learning rate of each step of the next epoch, which the one
compiled epoch (:func:`nbnet.kernels.epochs.stochastic_epoch`) applies with the rule's fused
loop (:mod:`nbnet.kernels.updates`). The schedules mirror scikit-learn 1.9's
``SGDOptimizer``/``AdamOptimizer``: the ``invscaling`` rate (``iteration_ends``) and the
``adaptive`` schedule's reaction to a stall (``trigger_stopping``) are applied between epochs.

Mutable state is only numpy arrays and plain Python scalars, so that a snapshot copies the
arrays into buffers and keeps the scalars: ``slots`` (an ``(n_slots, P)`` array in the
parameters' dtype), ``learning_rate`` (float) and ``t`` (int, updates made so far).

A new rule is a fused loop in :mod:`nbnet.kernels.updates` with a row in its ``UPDATES``, and
a class here with a row in :data:`OPTIMIZERS`.
"""

import math
from collections.abc import Mapping

import numpy as np

from .kernels.epochs import Data, OptimizerState, Workspace, n_batches, stochastic_epoch
from .kernels.network import Model
from .kernels.updates import UPDATES


class Optimizer:
    """What every optimizer has; subclasses set :attr:`name`, :attr:`PARAMETERS`,
    :attr:`hyper` and :meth:`learning_rates`.

    Parameters
    ----------
    n_params : length of the flat parameter vector.
    dtype : dtype of the parameters (and so of the state slots).
    learning_rate_init : the initial learning rate.

    Attributes
    ----------
    name : str
        The rule's name in ``nbnet.kernels.updates.UPDATES`` (a class attribute).
    PARAMETERS : tuple of str
        The estimator parameters that the constructor takes, by the estimator's names.
    code : int
        The rule's code, for the compiled epoch.
    slots : ndarray of shape (n_slots, n_params)
        The rule's state, updated in place by each epoch.
    hyper : ndarray of float64
        The rule's hyper-parameters, in the order of its ``UPDATES`` row.
    learning_rate : float
        The current learning rate of the schedule.
    t : int
        Updates made so far.
    """

    name = ""
    PARAMETERS: tuple = ()

    def __init__(self, n_params: int, dtype, learning_rate_init: float):
        rule = UPDATES[self.name]
        self.code = rule.code
        self.slots = np.zeros((rule.n_slots, n_params), dtype=dtype)
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.t = 0

    def learning_rates(self, n_steps: int) -> np.ndarray:
        """The learning rates of the next ``n_steps`` updates (steps ``t + 1`` on)."""
        raise NotImplementedError

    def epoch(self, model: Model, data: Data, order: np.ndarray, batch_size: int, alpha: float,
              work: Workspace) -> float:
        """Train one epoch over ``data`` in the row order ``order`` (see
        :func:`nbnet.kernels.epochs.stochastic_epoch`), updating the parameters in place.

        Returns Σ over batches of (penalised batch loss × batch rows); non-finite if a batch's
        loss was, the epoch then stopping before that batch's update.
        """
        rates = self.learning_rates(n_batches(order.shape[0], batch_size))
        state = OptimizerState(self.code, self.slots, self.hyper, rates)
        loss_sum, steps = stochastic_epoch(model, data, order, batch_size, float(alpha), state,
                                           work)
        self.t += steps
        return loss_sum

    def iteration_ends(self, time_step: int) -> None:
        """Update the schedule after an epoch (``time_step`` samples seen so far)."""

    def trigger_stopping(self, msg: str, verbose: bool) -> bool:
        """Decide whether a stalled run stops (here: always)."""
        if verbose:
            print(msg + " Stopping.")
        return True


class SGD(Optimizer):
    """Mini-batch SGD with momentum (optionally Nesterov's) and scikit-learn's schedules.

    Parameters
    ----------
    n_params, dtype, learning_rate_init : see :class:`Optimizer`.
    learning_rate : {'constant', 'invscaling', 'adaptive'}
        The schedule (kept as :attr:`schedule`).
    momentum, nesterovs_momentum, power_t : as in scikit-learn's MLP.
    """

    name = "sgd"
    PARAMETERS = ("learning_rate_init", "learning_rate", "momentum", "nesterovs_momentum",
                  "power_t")

    def __init__(self, n_params: int, dtype, learning_rate_init: float = 0.001,
                 learning_rate: str = "constant", momentum: float = 0.9,
                 nesterovs_momentum: bool = True, power_t: float = 0.5):
        super().__init__(n_params, dtype, learning_rate_init)
        self.schedule = learning_rate
        self.power_t = float(power_t)
        self.hyper = np.array([momentum, 1.0 if nesterovs_momentum else 0.0], dtype=np.float64)

    def learning_rates(self, n_steps: int) -> np.ndarray:
        """The current rate for every step: the schedules change it between epochs only."""
        return np.full(n_steps, self.learning_rate)

    def iteration_ends(self, time_step: int) -> None:
        """Apply the ``invscaling`` schedule after an epoch (``time_step`` samples seen so far)."""
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg: str, verbose: bool) -> bool:
        """Decide whether a stalled run stops; the ``adaptive`` schedule divides the rate by 5 instead."""
        if self.schedule != "adaptive":
            return super().trigger_stopping(msg, verbose)
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False


class Adam(Optimizer):
    """Adam, with scikit-learn's bias correction folded into each step's learning rate.

    Parameters
    ----------
    n_params, dtype, learning_rate_init : see :class:`Optimizer`.
    beta_1, beta_2, epsilon : as in scikit-learn's MLP.
    """

    name = "adam"
    PARAMETERS = ("learning_rate_init", "beta_1", "beta_2", "epsilon")

    def __init__(self, n_params: int, dtype, learning_rate_init: float = 0.001,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8):
        super().__init__(n_params, dtype, learning_rate_init)
        self.hyper = np.array([beta_1, beta_2, epsilon], dtype=np.float64)

    def learning_rates(self, n_steps: int) -> np.ndarray:
        """``η √(1 − β₂ᵗ) / (1 − β₁ᵗ)`` for the steps ``t + 1`` on.

        Python's ``float ** int`` and ``math.sqrt``, as scikit-learn computes it, per step
        (NumPy's vectorised power may differ in the last bit).
        """
        lr, beta_1, beta_2 = self.learning_rate_init, float(self.hyper[0]), float(self.hyper[1])
        return np.array([lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                         for t in range(self.t + 1, self.t + n_steps + 1)])


OPTIMIZERS = {optimizer.name: optimizer for optimizer in (SGD, Adam)}


def make_optimizer(solver: str, n_params: int, dtype, params: Mapping) -> Optimizer:
    """The optimizer of ``solver`` for ``n_params`` parameters of ``dtype``, configured by the
    estimator parameters ``params`` (e.g. ``estimator.get_params()``)."""
    optimizer = OPTIMIZERS[solver]
    return optimizer(n_params, dtype, **{name: params[name] for name in optimizer.PARAMETERS})
