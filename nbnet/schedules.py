"""Learning-rate schedules: the rate of each update step of the next epoch, one function each.

Every stochastic optimizer (:mod:`nbnet.optimizers`) asks :func:`rates` for the scheduled
rate ``η_t`` of the steps ``t, t + 1, ...`` (``t`` counts the updates made before a step),
and folds in what is its own (Adam's bias correction). The compiled epoch then takes one rate
per step, so a schedule costs nothing to compile.

scikit-learn's schedules are constant within an epoch: 'constant' keeps the rate, and
'invscaling' (SGD) and 'adaptive' change it between epochs (the optimizer's
``learning_rate``), so all three are :func:`constant` here. nbnet's own follow PyTorch's
``CosineAnnealingLR``, ``StepLR`` and ``ExponentialLR`` per step, with epochs as
``steps_per_epoch`` steps; a linear warm-up may go in front of any of them.
"""

import inspect

import numpy as np


def constant(rate: float, steps: np.ndarray, steps_per_epoch: int, **_) -> np.ndarray:
    """``η_t = η₀``."""
    return np.full(steps.shape[0], rate, dtype=np.float64)


def cosine(rate: float, steps: np.ndarray, steps_per_epoch: int, *, max_iter: int,
           min_learning_rate: float, **_) -> np.ndarray:
    """``η_t = η_min + (η₀ − η_min)(1 + cos(π t / T)) / 2`` with ``T = max_iter ×
    steps_per_epoch``; ``η_min`` from step ``T`` on (``partial_fit`` may go past it)."""
    total = max_iter * steps_per_epoch
    phase = np.minimum(steps, total) / total
    return min_learning_rate + (rate - min_learning_rate) * (1 + np.cos(np.pi * phase)) / 2


def step(rate: float, steps: np.ndarray, steps_per_epoch: int, *, lr_step_size: int,
         lr_gamma: float, **_) -> np.ndarray:
    """``η_t = η₀ γ^⌊epoch / lr_step_size⌋`` with ``epoch = ⌊t / steps_per_epoch⌋``."""
    return rate * lr_gamma ** (steps // steps_per_epoch // lr_step_size)


def exponential(rate: float, steps: np.ndarray, steps_per_epoch: int, *, lr_gamma: float,
                **_) -> np.ndarray:
    """``η_t = η₀ γ^(t / steps_per_epoch)``: a factor γ per epoch, applied per step."""
    return rate * lr_gamma ** (steps / steps_per_epoch)


SCHEDULES = {"constant": constant, "invscaling": constant, "adaptive": constant,
             "cosine": cosine, "step": step, "exponential": exponential}
# The schedules that decay the rate to ``min_learning_rate``, which must then not exceed
# ``learning_rate_init``: those that take it.
DECAYING_TO_MIN = frozenset(name for name, schedule in SCHEDULES.items()
                            if "min_learning_rate" in inspect.signature(schedule).parameters)


def warmup(steps: np.ndarray, steps_per_epoch: int, warmup_epochs: int) -> np.ndarray:
    """The linear warm-up factor ``min(1, (t + 1) / W)``, ``W = warmup_epochs ×
    steps_per_epoch``: from ``1/W`` at the first step to 1 at step ``W`` on."""
    return np.minimum(1.0, (steps + 1) / (warmup_epochs * steps_per_epoch))


def rates(schedule: str, rate: float, t: int, n_steps: int, steps_per_epoch: int, *,
          warmup_epochs: int = 0, **params) -> np.ndarray:
    """The scheduled rates of the ``n_steps`` steps after ``t`` updates (float64).

    Parameters
    ----------
    schedule : a name in :data:`SCHEDULES` (the estimator's ``learning_rate``).
    rate : the base rate ``η₀`` (the optimizer's current ``learning_rate``).
    t : updates made so far.
    n_steps : steps of the coming epoch.
    steps_per_epoch : steps of an epoch, the unit of the epoch-based schedules.
    warmup_epochs : epochs of linear warm-up (0: none).
    **params : the schedule's parameters (``max_iter``, ``min_learning_rate``,
        ``lr_step_size``, ``lr_gamma``).
    """
    steps = np.arange(t, t + n_steps)
    scheduled = SCHEDULES[schedule](rate, steps, steps_per_epoch, **params)
    if warmup_epochs:
        scheduled = scheduled * warmup(steps, steps_per_epoch, warmup_epochs)
    return scheduled
