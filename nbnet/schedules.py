"""Learning-rate schedules: the rate of each update step of the next epoch, one function each.

Every stochastic optimizer (:mod:`nbnet.optimizers`) asks :func:`rates` for the scheduled
rate ``η_t`` of the steps ``t, t + 1, ...`` (``t`` counts the updates made before a step),
and folds in what is its own (Adam's bias correction). The compiled epoch then takes one rate
per step, so a schedule costs nothing to compile.

scikit-learn's schedules are constant within an epoch: 'constant' keeps the rate, and
'invscaling' (SGD) and 'adaptive' change it between epochs (the optimizer's
``learning_rate``), so all three are :func:`constant` here. nbnet's own follow PyTorch's
``CosineAnnealingLR``, ``StepLR`` and ``ExponentialLR`` per step, with epochs as
``steps_per_epoch`` steps; a linear warm-up may go in front of any of them. Where
``lr_gamma`` is None, 'step' and 'exponential' take the factor that brings the rate down to
:func:`final_rate` by the end of ``max_iter`` epochs (:func:`gamma`), as 'cosine' reaches
``min_learning_rate`` there: PyTorch's ``ExponentialLR`` has no default factor, and a fixed
one suits only one length of fit.
"""

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


# Where min_learning_rate is 0, the derived factors bring the rate down to this fraction of
# the initial rate: one order of magnitude over the fit. Deeper decays cost short fits
# accuracy (a hundredth lost up to 1.6 points against 'constant' on digits in 60 epochs of
# batches of 32, measured 2026-12).
FINAL_FRACTION = 0.1


def final_rate(rate: float, min_learning_rate: float) -> float:
    """The rate that a derived factor reaches at the end of the fit: ``min_learning_rate``,
    or :data:`FINAL_FRACTION` of ``rate`` where that is 0."""
    return min_learning_rate if min_learning_rate > 0 else FINAL_FRACTION * rate


def gamma(schedule: str, rate: float, *, lr_gamma: float | None, max_iter: int,
          min_learning_rate: float, lr_step_size: int, **_) -> float:
    """The factor of 'step' (per ``lr_step_size`` epochs) or 'exponential' (per epoch):
    ``lr_gamma``, or where it is None the one that takes ``rate`` to :func:`final_rate` in
    ``max_iter`` epochs: ``(η_end / η₀)^(1 / n)`` with ``n = max_iter`` for 'exponential'
    (``η_end`` at the end of the last epoch) and ``n = ⌊(max_iter − 1) / lr_step_size⌋``,
    the decays within ``max_iter`` epochs, for 'step' (``η_end`` in the last epoch; 1 where
    there is none)."""
    if lr_gamma is not None:
        return lr_gamma
    n = max_iter if schedule == "exponential" else (max_iter - 1) // lr_step_size
    return (final_rate(rate, min_learning_rate) / rate) ** (1 / n) if n else 1.0


def _decayed(schedule: str, rate: float, exponent: np.ndarray, params: dict) -> np.ndarray:
    """``η₀ γ^exponent`` with ``γ`` from :func:`gamma`; a derived ``γ`` stops at
    :func:`final_rate` after ``max_iter`` epochs, as 'cosine' stays at its floor."""
    decayed = rate * gamma(schedule, rate, **params) ** exponent
    if params["lr_gamma"] is None:
        decayed = np.maximum(decayed, final_rate(rate, params["min_learning_rate"]))
    return decayed


def step(rate: float, steps: np.ndarray, steps_per_epoch: int, **params) -> np.ndarray:
    """``η_t = η₀ γ^⌊epoch / lr_step_size⌋`` with ``epoch = ⌊t / steps_per_epoch⌋`` (see
    :func:`_decayed`)."""
    # any integer is a valid step size: one past int64 never ends a step, as int64's largest
    size = min(params["lr_step_size"], np.iinfo(np.int64).max)
    return _decayed("step", rate, steps // steps_per_epoch // size, params)


def exponential(rate: float, steps: np.ndarray, steps_per_epoch: int, **params) -> np.ndarray:
    """``η_t = η₀ γ^(t / steps_per_epoch)``: a factor ``γ`` per epoch, applied per step (see
    :func:`_decayed`)."""
    return _decayed("exponential", rate, steps / steps_per_epoch, params)


SCHEDULES = {"constant": constant, "invscaling": constant, "adaptive": constant,
             "cosine": cosine, "step": step, "exponential": exponential}


def decays_to_min(schedule: str, lr_gamma: float | None) -> bool:
    """Whether ``schedule`` takes the rate down to ``min_learning_rate``, which must then not
    exceed ``learning_rate_init``: 'cosine', and 'step' and 'exponential' with a derived
    factor (``lr_gamma`` None)."""
    return schedule == "cosine" or (schedule in ("step", "exponential") and lr_gamma is None)


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
        ``lr_step_size``, ``lr_gamma``; ``lr_gamma`` None derives it, see :func:`gamma`).
    """
    steps = np.arange(t, t + n_steps)
    scheduled = SCHEDULES[schedule](rate, steps, steps_per_epoch, **params)
    if warmup_epochs:
        scheduled = scheduled * warmup(steps, steps_per_epoch, warmup_epochs)
    return scheduled
