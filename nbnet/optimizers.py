"""Stochastic optimizers: one small class per update rule, and the table :data:`OPTIMIZERS`.

A class holds what outlives one epoch — its state slots, its step count, its learning rate —
and turns its schedule (:mod:`nbnet.schedules`) into the learning rate of each step of the
next epochs, which the compiled epochs (:func:`nbnet.kernels.epochs.stochastic_epochs`)
apply with the rule's fused loop (:mod:`nbnet.kernels.updates`). SGD and Adam mirror
scikit-learn 1.9's ``SGDOptimizer``/``AdamOptimizer``: the ``invscaling`` rate
(``iteration_ends``, SGD only, as in scikit-learn) and the ``adaptive`` schedule's reaction to
a stall (``trigger_stopping``, every rule, where scikit-learn's Adam ignores it) are applied
between epochs. AdamW, RMSprop and Adagrad follow PyTorch's rules.

Mutable state is only numpy arrays and plain Python scalars, so that a snapshot copies the
arrays into buffers and keeps the scalars: ``slots`` (an ``(n_slots, P)`` array in the
parameters' dtype), ``learning_rate`` (float) and ``t`` (int, updates made so far). The
estimators pickle it as plain data (:func:`optimizer_state`).
Configuration is plain scalars too (``clip`` is None without clipping).

A new rule is a row in :mod:`nbnet.kernels.updates`' ``UPDATES`` (with a fused loop there
unless Adam's loop with other constants is the rule), and a class here with a row in
:data:`OPTIMIZERS`.
"""

import math
from collections.abc import Mapping

import numpy as np

from . import schedules
from .kernels.dropout import Dropout
from .kernels.epochs import (Data, Halves, OptimizerState, Run, Workspace, n_batches,
                             one_epoch, stochastic_epochs)
from .kernels.network import Model
from .kernels.updates import UPDATES, moments
from .threads import HalvesHelper


class Optimizer:
    """What every optimizer has: the schedule, gradient clipping and the epoch; subclasses
    set :attr:`name`, :attr:`PARAMETERS` and :attr:`hyper`.

    Parameters
    ----------
    n_params : length of the flat parameter vector.
    dtype : dtype of the parameters (and so of the state slots).
    learning_rate_init : the initial learning rate.
    learning_rate : the schedule, a name in :data:`nbnet.schedules.SCHEDULES`.
    max_iter, min_learning_rate, lr_step_size, lr_gamma, warmup_epochs : the schedules'
        parameters (see :func:`nbnet.schedules.rates`).
    clip_grad_norm : bound on each batch's gradient norm, or None.

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
        The current base rate of the schedule.
    t : int
        Updates made so far.
    clip : float or None
        ``clip_grad_norm``.
    """

    name = ""
    PARAMETERS: tuple = ("learning_rate_init", "learning_rate", "max_iter", "min_learning_rate",
                         "lr_step_size", "lr_gamma", "warmup_epochs", "clip_grad_norm")

    def __init__(self, n_params: int, dtype, learning_rate_init: float = 0.001,
                 learning_rate: str = "constant", max_iter: int = 200,
                 min_learning_rate: float = 0.0, lr_step_size: int = 10,
                 lr_gamma: float | None = None,
                 warmup_epochs: int = 0, clip_grad_norm: float | None = None):
        rule = UPDATES[self.name]
        self.code = rule.code
        self.slots = np.zeros((rule.n_slots, n_params), dtype=dtype)
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.t = 0
        self.schedule = learning_rate
        self.max_iter = int(max_iter)
        self.min_learning_rate = float(min_learning_rate)
        self.lr_step_size = int(lr_step_size)
        self.lr_gamma = None if lr_gamma is None else float(lr_gamma)  # None: derived
        self.warmup_epochs = int(warmup_epochs)
        self.clip = None if clip_grad_norm is None else float(clip_grad_norm)

    def scheduled_rates(self, n_steps: int, steps_per_epoch: int) -> np.ndarray:
        """The schedule's rates ``η_t`` of the next ``n_steps`` updates (steps ``t + 1`` on)."""
        return schedules.rates(
            self.schedule, self.learning_rate, self.t, n_steps, steps_per_epoch,
            warmup_epochs=self.warmup_epochs, max_iter=self.max_iter,
            min_learning_rate=self.min_learning_rate, lr_step_size=self.lr_step_size,
            lr_gamma=self.lr_gamma)

    def step_sizes(self, scheduled: np.ndarray) -> np.ndarray:
        """The step sizes of the updates whose scheduled rates are ``scheduled``."""
        return scheduled

    def decays(self, scheduled: np.ndarray) -> np.ndarray:
        """The decoupled weight decay ``η_t λ`` of each step (none here)."""
        return np.zeros_like(scheduled)

    def learning_rates(self, n_steps: int, steps_per_epoch: int | None = None) -> np.ndarray:
        """The step sizes of the next ``n_steps`` updates, in epochs of ``steps_per_epoch``
        steps (default ``n_steps``)."""
        return self.step_sizes(self.scheduled_rates(n_steps, steps_per_epoch or n_steps))

    def epochs(self, model: Model, data: Data, order: np.ndarray, batch_size: int,
               alpha: float, work: Workspace, run: Run | None = None,
               dropout: Dropout | None = None, halves: Halves | None = None,
               helper: HalvesHelper | None = None) -> tuple[np.ndarray, bool]:
        """Train up to ``run.epochs`` epochs over ``data`` (see
        :func:`nbnet.kernels.epochs.stochastic_epochs`), updating the parameters in place.

        ``run`` (default: one epoch in the order ``order``, no stopping rule) must be one
        epoch unless :attr:`rates_known_ahead`. ``dropout`` (or None) draws the masks of the
        steps ``t + 1`` on (:attr:`t` keys them). ``halves`` (or None) splits each batch in
        two; with ``helper``, its thread computes the second halves (``order`` must then be
        the same array in every epoch of the fit). Returns the loss sum of each epoch run
        (Σ over batches of penalised batch loss × batch rows; non-finite if a batch's loss
        was, the epoch then stopping before that batch's update) and whether the last one
        diverged (its loss sum or the weights after it not finite).
        """
        run = run or one_epoch()
        n_steps = n_batches(order.shape[0], batch_size)
        scheduled = self.scheduled_rates(run.epochs * n_steps, n_steps)
        state = OptimizerState(self.code, self.slots, self.hyper, self.step_sizes(scheduled),
                               self.decays(scheduled),
                               self.clip or np.inf)  # None (or an older pickle's 0.0): no clip
        if dropout is not None:
            dropout = dropout._replace(step=self.t)
        arguments = (model, data, order, batch_size, float(alpha), state, work, dropout, run)
        if helper is not None:
            halves = helper.post(arguments, order.shape[0], self.t)
        epochs, steps, diverged = stochastic_epochs(*arguments, halves, False)
        if helper is not None:
            helper.check()
        self.t += steps
        return run.losses[:epochs], diverged

    @property
    def rates_known_ahead(self) -> bool:
        """Whether the step sizes of several epochs are known before they run: all but
        SGD's 'invscaling', which sets the rate after each epoch (:meth:`iteration_ends`)."""
        return True

    def iteration_ends(self, time_step: int) -> None:
        """Update the schedule after an epoch (``time_step`` samples seen so far)."""

    def trigger_stopping(self, msg: str, verbose: bool) -> bool:
        """Decide whether a stalled run stops; the ``adaptive`` schedule divides the rate by 5
        instead, until it is 1e-6 or less (scikit-learn's rule for SGD, here for every rule)."""
        if self.schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False


class SGD(Optimizer):
    """Mini-batch SGD with momentum (optionally Nesterov's); also scikit-learn's
    ``invscaling`` schedule.

    Parameters
    ----------
    n_params, dtype, **schedule : see :class:`Optimizer`.
    momentum, nesterovs_momentum, power_t : as in scikit-learn's MLP.
    """

    name = "sgd"
    PARAMETERS = Optimizer.PARAMETERS + ("momentum", "nesterovs_momentum", "power_t")

    def __init__(self, n_params: int, dtype, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, power_t: float = 0.5, **schedule):
        super().__init__(n_params, dtype, **schedule)
        self.power_t = float(power_t)
        self.hyper = np.array([momentum, 1.0 if nesterovs_momentum else 0.0], dtype=np.float64)

    @property
    def rates_known_ahead(self) -> bool:
        return self.schedule != "invscaling"

    def iteration_ends(self, time_step: int) -> None:
        """Apply the ``invscaling`` schedule after an epoch (``time_step`` samples seen so far)."""
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t


class Adam(Optimizer):
    """Adam, with scikit-learn's bias correction multiplying each step's scheduled rate.

    As in scikit-learn, 'invscaling' leaves Adam's rate constant; unlike scikit-learn's Adam,
    which ignores it, 'adaptive' divides the rate by 5 on a stall, as for SGD.

    Parameters
    ----------
    n_params, dtype, **schedule : see :class:`Optimizer`.
    beta_1, beta_2, epsilon : as in scikit-learn's MLP.
    """

    name = "adam"
    PARAMETERS = Optimizer.PARAMETERS + ("beta_1", "beta_2", "epsilon")

    def __init__(self, n_params: int, dtype, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, **schedule):
        super().__init__(n_params, dtype, **schedule)
        self.hyper = moments(beta_1, beta_2, epsilon)

    def step_sizes(self, scheduled: np.ndarray) -> np.ndarray:
        """``η_t √(1 − β₂ᵗ) / (1 − β₁ᵗ)`` for the steps ``t + 1`` on.

        Python's ``float ** int`` and ``math.sqrt``, as scikit-learn computes it, per step
        (NumPy's vectorised power may differ in the last bit).
        """
        beta_1, beta_2 = float(self.hyper[0]), float(self.hyper[2])
        return np.array([float(lr) * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                         for t, lr in enumerate(scheduled, start=self.t + 1)])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, as PyTorch's ``AdamW``):
    besides Adam's step, each step shrinks the weights (not the biases) by ``η_t λ θ``.

    ``alpha`` keeps its meaning, the L2 term coupled into the gradient.

    Parameters
    ----------
    n_params, dtype, beta_1, beta_2, epsilon, **schedule : see :class:`Adam`.
    weight_decay : the decoupled decay ``λ``.
    """

    name = "adamw"
    PARAMETERS = Adam.PARAMETERS + ("weight_decay",)

    def __init__(self, n_params: int, dtype, weight_decay: float = 0.01, **adam):
        super().__init__(n_params, dtype, **adam)
        self.weight_decay = float(weight_decay)

    def decays(self, scheduled: np.ndarray) -> np.ndarray:
        """``η_t λ``: the scheduled rate, without the bias correction, times the decay."""
        return scheduled * self.weight_decay


class RMSprop(Optimizer):
    """RMSprop as PyTorch's: ``v ← ρ v + (1 − ρ) g²``; ``θ ← θ − η g / (√v + ε)`` (Adam's
    compiled loop with ``β₁ = 0``: ``slots[0]`` holds the last gradient, ``slots[1]`` ``v``).

    Parameters
    ----------
    n_params, dtype, **schedule : see :class:`Optimizer`.
    rho : the decay ``ρ`` of the average of squared gradients.
    epsilon : the constant ``ε``.
    """

    name = "rmsprop"
    PARAMETERS = Optimizer.PARAMETERS + ("rho", "epsilon")

    def __init__(self, n_params: int, dtype, rho: float = 0.99, epsilon: float = 1e-8,
                 **schedule):
        super().__init__(n_params, dtype, **schedule)
        self.hyper = moments(0.0, rho, epsilon)


class Adagrad(Optimizer):
    """Adagrad as PyTorch's: ``G ← G + g²``; ``θ ← θ − η g / (√G + ε)`` (Adam's compiled
    loop with ``β₁ = 0``, ``β₂ = 1`` and gain 1: ``slots[0]`` holds the last gradient,
    ``slots[1]`` ``G``).

    Parameters
    ----------
    n_params, dtype, **schedule : see :class:`Optimizer`.
    epsilon : the constant ``ε``.
    """

    name = "adagrad"
    PARAMETERS = Optimizer.PARAMETERS + ("epsilon",)

    def __init__(self, n_params: int, dtype, epsilon: float = 1e-8, **schedule):
        super().__init__(n_params, dtype, **schedule)
        self.hyper = moments(0.0, 1.0, epsilon, gain_2=1.0)


OPTIMIZERS = {optimizer.name: optimizer for optimizer in (SGD, Adam, AdamW, RMSprop, Adagrad)}


def optimizer_state(optimizer: Optimizer) -> dict:
    """``optimizer`` as plain data (its rule's name, arrays and scalars), for pickling: a
    pickle then names no nbnet class besides the estimator's (see :func:`restore_optimizer`)."""
    return {"name": optimizer.name, **vars(optimizer)}


def restore_optimizer(state: Mapping) -> Optimizer:
    """The optimizer that :func:`optimizer_state` gave ``state``, exactly as it was."""
    state = dict(state)
    optimizer = object.__new__(OPTIMIZERS[state.pop("name")])
    optimizer.__dict__.update(state)
    return optimizer


def make_optimizer(solver: str, n_params: int, dtype, params: Mapping) -> Optimizer:
    """The optimizer of ``solver`` for ``n_params`` parameters of ``dtype``, configured by the
    estimator parameters ``params`` (e.g. ``estimator.get_params()``; a parameter missing
    from it takes the optimizer's default)."""
    optimizer = OPTIMIZERS[solver]
    return optimizer(n_params, dtype, **{name: params[name] for name in optimizer.PARAMETERS
                                         if name in params})
