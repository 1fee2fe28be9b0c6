"""The Python loop around the compiled calls: epochs, L-BFGS, rollback, interrupts, divergence.

The estimators (:mod:`nbnet.mlp`) validate their input and hand a prepared problem, their
:class:`nbnet.training_state.TrainingState` and the :class:`Settings` of the loop to
:func:`fit_stochastic` or :func:`fit_lbfgs`, which run the compiled core and keep the
state's curves, counters and best weights; they never touch the estimator's attributes.
Around every call that trains, a :class:`Rollback` keeps what the call may change of the
state, so that a call that raises leaves it exactly as it was: weights, optimizer state,
curves and counters (the estimator puts back its other attributes itself).

Training that diverges (a non-finite loss or weights) ends one of two ways. With a
validation set or ``restore_best_weights`` the fit stops as a convergence stop does, keeps
the best epoch's weights, records a NaN score (with a validation set) and warns. Without
either it raises :class:`DivergenceError`, whose message diagnoses the likely cause, and the
rollback restores the training state. Each epoch (or L-BFGS iteration) is also a task of
scikit-learn's callback API (:class:`Tasks`), and Ctrl-C stops a fit between epochs
(:func:`interrupt_requests`).

This module knows neither Numba nor scikit-learn's private helpers.
"""

import signal
import threading
import warnings
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from .kernels.epochs import Data, Halves, Run, epochs_per_call, loss_and_gradient
from .kernels.network import Model
from .kernels.shuffling import NO_SHUFFLE, SHUFFLES_COMPILED, generator_of
from .product_choice import choose_products
from .threads import HalvesHelper, note_blas_use
from .training_state import TrainingState

# scikit-learn's message for a fit that produced non-finite weights; nbnet's begins with it.
NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)
# Inputs or targets beyond this magnitude are named as the likely cause of a divergence:
# standardised data is of order 1, and a network's products grow with it.
HUGE_VALUE = 1e6
# L2 strengths beyond this shrink every weight to zero in one step and overflow the penalty.
HUGE_ALPHA = 1e6


class Settings(NamedTuple):
    """The estimator's parameters that steer the loop (see the estimators' docs)."""

    solver: str
    alpha: float
    learning_rate_init: float
    max_iter: int
    max_fun: int
    tol: float
    n_iter_no_change: float
    shuffle: bool
    verbose: bool
    early_stopping: bool
    restore_best_weights: bool


class DivergenceError(ValueError):
    """Raised when training diverges (non-finite loss or weights) without a validation set.

    The message begins with scikit-learn's and names the likely cause; the estimator is left
    exactly as it was before the call.
    """


# ---------------------------------------------------------------------------------- rollback
class Rollback:
    """What a training call may change of a :class:`~nbnet.training_state.TrainingState`,
    kept so that :meth:`restore` can undo the call.

    :meth:`save` keeps a shallow copy of the state's fields (training replaces the best
    weights and the scalars, which the copy still holds), copies of its lists (curves are
    appended to), and, for a call that trains the existing weights in place (warm start,
    ``partial_fit``), the parameter vector and the optimizer's state, copied into buffers that
    are kept from call to call instead of allocated each time.
    """

    def __init__(self):
        self._buffers = {}
        self._state = None
        self._fields = None
        self._saved_arrays = []  # (live array, buffer holding its saved values)
        self._optimizer_attributes = None

    def _buffer(self, key, like):
        buffer = self._buffers.get(key)
        if buffer is None or buffer.shape != like.shape or buffer.dtype != like.dtype:
            buffer = self._buffers[key] = np.empty_like(like)
        return buffer

    def _keep(self, key, array):
        buffer = self._buffer(key, array)
        np.copyto(buffer, array)
        self._saved_arrays.append((array, buffer))

    def save(self, state: TrainingState | None, in_place: bool) -> None:
        """Keep ``state`` (None: there is none yet, nothing to keep); ``in_place``: the call
        may train its weights in place."""
        self.release()
        if state is None:
            return
        self._state = state
        fields = vars(state)
        self._fields = {k: (list(v) if type(v) is list else v) for k, v in fields.items()}
        if not in_place:
            return
        if "theta" in fields:
            self._keep("theta", fields["theta"])
        optimizer = fields.get("optimizer")
        if optimizer is not None:
            self._optimizer_attributes = dict(vars(optimizer))
            for name, value in self._optimizer_attributes.items():
                if isinstance(value, np.ndarray):
                    self._keep(("optimizer", name), value)

    def restore(self) -> None:
        """Put back the state kept by :meth:`save`."""
        for array, buffer in self._saved_arrays:
            np.copyto(array, buffer)
        if self._optimizer_attributes is not None:
            optimizer = self._fields["optimizer"]
            optimizer.__dict__.clear()
            optimizer.__dict__.update(self._optimizer_attributes)
        if self._state is not None:
            self._state.__dict__.clear()
            self._state.__dict__.update(self._fields)
        self.release()

    def release(self) -> None:
        """Drop the references to the state (the buffers are kept)."""
        self._state = None
        self._fields = None
        self._saved_arrays = []
        self._optimizer_attributes = None


# -------------------------------------------------------------------------------- interrupts
class _InterruptRequest:
    requested = False


@contextmanager
def interrupt_requests():
    """Turn the first Ctrl-C during a fit into a request that the fit answers between epochs.

    Python delivers SIGINT between bytecodes, so a KeyboardInterrupt raised inside the epoch
    loop could land between an epoch's update and its bookkeeping. While the fit runs in the
    main thread under Python's default handler, the first SIGINT only sets ``requested``; the
    loop stops at the next epoch boundary with its curves and counters in agreement, and a
    second SIGINT raises KeyboardInterrupt as usual. Elsewhere (another thread, a handler of
    the user's) nothing is installed, and an interrupt is a failed call that is rolled back.
    The previous handler is restored on exit.
    """
    request = _InterruptRequest()
    installed = (threading.current_thread() is threading.main_thread()
                 and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if not installed:
        yield request
        return

    def handler(signum, frame):
        if request.requested:
            raise KeyboardInterrupt
        request.requested = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield request
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _warn_interrupted():
    warnings.warn("Training interrupted by user.")


# -------------------------------------------------------------------------------- divergence
def _batch_with_zero_weight(sw, order, batch_size):
    """Index of the first mini-batch of ``order`` whose sample weights sum to zero, or None."""
    if sw.shape[0] == 0:
        return None
    sums = np.add.reduceat(sw[order].astype(np.float64), np.arange(0, order.shape[0], batch_size))
    zero = np.flatnonzero(sums == 0)
    return int(zero[0]) if zero.size else None


def _largest_magnitude(values: np.ndarray) -> float:
    return float(np.max(np.abs(values), initial=0.0))


def divergence_message(settings: Settings, data: Data, order=None, batch_size=None,
                       epoch: int = 1) -> str:
    """scikit-learn's message for non-finite weights, then the likely cause, from what is known.

    The causes are tried in turn: a mini-batch (or, for L-BFGS, the whole set) whose sample
    weights sum to zero, non-finite or huge inputs or targets, an L2 strength too large, and
    otherwise the learning rate (the scaling of the problem for L-BFGS).
    """
    solver = settings.solver
    where = f"Solver '{solver}' diverged in {'iteration' if solver == 'lbfgs' else 'epoch'} {epoch}"
    largest_x = _largest_magnitude(data.X if data.sparse is None else data.sparse[0])
    largest_y = _largest_magnitude(data.Y)
    alpha = float(settings.alpha)
    zero_batch = None
    if order is not None:
        zero_batch = _batch_with_zero_weight(data.sw, order, batch_size)
    if zero_batch is not None:
        rows = order[zero_batch * batch_size : (zero_batch + 1) * batch_size]
        shown = ", ".join(map(str, rows[:5])) + (", ..." if rows.size > 5 else "")
        cause = (f"mini-batch {zero_batch + 1} of the epoch (rows {shown}) has sample weights "
                 "that sum to zero, so its mean loss is 0/0: drop zero-weight samples or use "
                 "larger batches")
    elif data.sw.shape[0] and float(data.sw.sum()) == 0:
        cause = "the sample weights sum to zero"
    elif not np.isfinite(largest_x):
        cause = "the input X contains non-finite values"
    elif not np.isfinite(largest_y):
        cause = "the targets y contain non-finite values"
    elif largest_x > HUGE_VALUE:
        cause = (f"the input X has values up to {largest_x:.3g} in magnitude: scale it, e.g. "
                 "with sklearn.preprocessing.StandardScaler")
    elif largest_y > HUGE_VALUE:
        cause = (f"the targets y have values up to {largest_y:.3g} in magnitude: scale them, "
                 "e.g. with sklearn.compose.TransformedTargetRegressor")
    elif alpha > HUGE_ALPHA or (
            solver == "sgd" and alpha * settings.learning_rate_init / batch_size >= 2):
        cause = f"the L2 penalty alpha={alpha:g} is too large: lower it"
    elif solver == "lbfgs":
        cause = ("the loss or its gradient overflowed: scale the inputs and targets, e.g. with "
                 "sklearn.preprocessing.StandardScaler")
    else:
        cause = (f"the learning rate may be too high (learning_rate_init="
                 f"{settings.learning_rate_init}): lower it, or scale the inputs")
    return (f"{NON_FINITE_MESSAGE} {where}: {cause}. The model was left as it was before "
            "this call.")


# -------------------------------------------------------------------------------- callbacks
class Tasks:
    """A fit's epochs (or L-BFGS iterations) as tasks of scikit-learn's callback API.

    ``context`` is the fit's root ``sklearn.callback.CallbackContext``, or None when the
    estimator has no callbacks: then nothing is created or called. ``fitted_attributes``
    returns the attributes that make a copy of the estimator predict as the current weights
    do; it is called only when a callback asks for a ``fitted_estimator``. ``estimator`` is
    passed on to the callbacks, unread.
    """

    def __init__(self, estimator, context, fitted_attributes, **arguments):
        self._context = context
        self._hook_arguments = dict(arguments, estimator=estimator,
                                    reconstruction_attributes=fitted_attributes)
        self._task = None

    def begin(self, name: str) -> None:
        """Start the next task (a subtask of the fit), called ``name``."""
        if self._context is not None:
            self._task = self._context.subcontext(task_name=name)
            self._task.call_on_fit_task_begin(**self._hook_arguments)

    def end(self, empty: bool = False) -> bool:
        """End the current task; True if a callback asks to stop. ``empty``: it never ran."""
        if self._task is None:
            return False
        task, self._task = self._task, None
        arguments = self._hook_arguments
        if empty:
            arguments = {"estimator": arguments["estimator"]}
        return bool(task.call_on_fit_task_end(**arguments))

    @property
    def active(self) -> bool:
        """Whether there are callbacks to report to."""
        return self._context is not None


# -------------------------------------------------------------------------------- stochastic
def fit_stochastic(state: TrainingState, model: Model, settings: Settings, data: Data,
                   batch_size: int, incremental: bool, work, random_state,
                   validate=None, tasks: Tasks | None = None, dropout=None,
                   halves: Halves | None = None) -> None:
    """Run the epochs of a stochastic solver's fit (or one epoch of ``partial_fit``) in place.

    ``state`` holds the optimizer and the curves and counters that this updates; ``model``
    is its parameters (``state.theta``) with the layout and activations, as the compiled core
    takes them; ``settings`` the parameters that steer the loop. ``random_state`` (a
    ``numpy.random.RandomState``) shuffles the samples. ``validate`` returns the validation
    score and loss of the current weights (a validation set: early stopping's or
    ``validation_data``), or is None. ``work`` is the compiled core's workspace;
    ``tasks`` reports each epoch to scikit-learn's callbacks, any of which may stop the fit;
    ``dropout`` is the compiled core's :class:`nbnet.kernels.dropout.Dropout`, or None;
    ``halves`` its :class:`nbnet.kernels.epochs.Halves` for split batches, or None (with two
    threads, a :class:`nbnet.threads.HalvesHelper` runs for the duration of the call).

    The best epoch (best validation score, else lowest training loss) is tracked where there
    is a validation set or ``restore_best_weights``; its weights are restored at the end of
    a fit with early stopping or ``restore_best_weights`` (not of a ``partial_fit``), and on
    a divergence; where no validation score was finite there is none, and the last weights
    stay, with a warning. Without either, a divergence raises :class:`DivergenceError`.
    """
    theta, layout = model
    optimizer = state.optimizer
    n_samples = data.Y.shape[0]
    alpha = float(settings.alpha)
    order = np.arange(n_samples, dtype=np.int64)
    restores_best = not incremental and (settings.early_stopping
                                         or settings.restore_best_weights)
    keeps_best = validate is not None or restores_best
    tasks = tasks or Tasks(None, None, None)
    diverged = False
    choose_products(model, data, batch_size, alpha, work, dropout, halves)
    helper = HalvesHelper(halves) if halves is not None and halves.threads == 2 else None
    # Many epochs a call, unless Python acts after each one.
    each_epoch = (incremental or keeps_best or settings.verbose or tasks.active
                  or helper is not None or not optimizer.rates_known_ahead
                  or (settings.shuffle and not SHUFFLES_COMPILED))
    most = 1 if each_epoch else epochs_per_call(layout, n_samples)
    # The compiled epochs shuffle with the RandomState's own generator; a helper thread reads
    # the order as soon as an epoch is posted, so its fits shuffle here before posting, as do
    # all fits where NumPy's generator is out of reach (nbnet.kernels._numpy_compat).
    shuffles_compiled = settings.shuffle and helper is None and SHUFFLES_COMPILED
    generator, lock = (generator_of(random_state) if shuffles_compiled
                       else (NO_SHUFFLE, nullcontext()))
    # an int64 even for n_iter_no_change=np.inf (never stop) or past int64: a float would be
    # an epoch signature of its own (which `python -m nbnet compile` does not make), a larger
    # int overflows
    patience = (-1 if settings.early_stopping
                else int(min(settings.n_iter_no_change, np.iinfo(np.int64).max)))
    with interrupt_requests() as interrupt, helper or nullcontext():
        state.n_iter = 0
        while state.n_iter < settings.max_iter:
            if interrupt.requested:
                _warn_interrupted()
                break
            tasks.begin("epoch")
            if settings.shuffle and not shuffles_compiled:
                random_state.shuffle(order)
            run = _next_run(state, settings, most, generator, patience)
            with lock:
                losses, diverged = optimizer.epochs(model, data, order, batch_size, alpha, work,
                                                    run, dropout, halves, helper)
            if diverged and not keeps_best:
                raise DivergenceError(divergence_message(settings, data, order, batch_size,
                                                         state.n_iter + len(losses)))
            for loss_sum in losses.tolist():
                state.n_iter += 1
                state.loss = loss_sum / n_samples
                state.t += n_samples
                state.loss_curve.append(state.loss)
                if settings.verbose:
                    print("Iteration %d, loss = %.8f" % (state.n_iter, state.loss))
            if diverged:
                _stop_diverged(state, settings, validate is not None)
                tasks.end()
                break
            loss_improved = patience >= 0 and run.progress[0] < _best_loss(state)
            if patience >= 0:
                state.best_loss = float(run.progress[0])
                state.no_improvement_count = int(run.progress[1])
            _update_validation_and_best(state, settings, validate, keeps_best, loss_improved)
            optimizer.iteration_ends(state.t)
            if tasks.end():
                break  # a callback asked to stop: a convergence stop
            if state.no_improvement_count > settings.n_iter_no_change:
                watched = "Validation score" if settings.early_stopping else "Training loss"
                msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (
                    watched, settings.tol, settings.n_iter_no_change)
                if optimizer.trigger_stopping(msg, settings.verbose):
                    break
                state.no_improvement_count = 0
            if incremental:
                break
            if state.n_iter == settings.max_iter:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                    "optimization hasn't converged yet." % settings.max_iter,
                    ConvergenceWarning,
                )
    if (restores_best and not diverged and validate is not None
            and state.best_validation_score == -np.inf):
        _warn_no_finite_score(state)  # no best epoch: the last weights stay
    elif restores_best or diverged:
        theta[:] = state.best_theta
    note_blas_use()


def _best_loss(state: TrainingState) -> float:
    """``best_loss``, or inf where there is none (None after a warm-started fit with early
    stopping: the training-loss rule then starts afresh)."""
    return np.inf if state.best_loss is None else state.best_loss


def _next_run(state: TrainingState, settings: Settings, most: int, generator: np.ndarray,
              patience: int) -> Run:
    """The :class:`nbnet.kernels.epochs.Run` of the next call: at most ``most`` epochs and
    the fit's remaining ones; scikit-learn's training-loss rule where ``patience`` ≥ 0, from
    the state's best loss and counter."""
    return Run(min(most, settings.max_iter - state.n_iter), generator,
               float(settings.tol), patience,
               np.array([_best_loss(state), state.no_improvement_count], dtype=float),
               np.empty(most))


def _stop_diverged(state: TrainingState, settings: Settings, validated: bool) -> None:
    """Record the diverged epoch's NaN validation figures and warn; the caller restores the
    best epoch's weights."""
    if validated:
        state.validation_scores.append(np.nan)
        state.validation_loss_curve.append(np.nan)
        figures, best, what = state.validation_scores, np.nanargmax, "validation score"
    else:
        figures, best, what = state.loss_curve, np.nanargmin, "training loss"
    figures = np.asarray(figures, dtype=np.float64)
    epoch = int(best(figures)) + 1 if np.isfinite(figures).any() else 0
    kept = f"epoch {epoch}'s weights (the best {what})" if epoch else "the initial weights"
    warnings.warn(
        f"{NON_FINITE_MESSAGE} The training loss became non-finite in epoch "
        f"{state.n_iter} of solver '{settings.solver}'; training stopped and "
        f"{kept} were kept.",
        ConvergenceWarning,
    )


def _warn_no_finite_score(state: TrainingState) -> None:
    """Warn that no epoch had a finite validation score, so there was no best epoch to restore."""
    warnings.warn(
        "No epoch had a finite validation score (R² is undefined on one validation sample, "
        "non-finite predictions score NaN), so there is no best epoch to restore: the last "
        f"epoch's weights (epoch {state.n_iter}) were kept.",
        ConvergenceWarning,
    )


def _update_validation_and_best(state: TrainingState, settings: Settings, validate,
                                keeps_best: bool, loss_improved: bool) -> None:
    """After an epoch: the validation curves, early stopping's counter, and the best epoch's
    weights (``loss_improved``: the epoch lowered the best training loss).

    scikit-learn's counter (``_update_no_improvement_count``) watches the validation score
    with early stopping, kept here, and the training loss otherwise, kept by the compiled
    epochs (:class:`nbnet.kernels.epochs.Run`). The best epoch is the best validation score
    where there is a validation set, else the lowest training loss.
    """
    improved = loss_improved and validate is None
    if validate is not None:
        score, loss = validate()
        state.validation_scores.append(score)
        state.validation_loss_curve.append(loss)
        if settings.verbose:
            print("Validation score: %f" % score)
        if settings.early_stopping:
            if score < state.best_validation_score + settings.tol:
                state.no_improvement_count += 1
            else:
                state.no_improvement_count = 0
        improved = score > state.best_validation_score
        if improved:
            state.best_validation_score = score
    if improved and keeps_best:
        state.best_theta = state.theta.copy()


# -------------------------------------------------------------------------------- L-BFGS
def fit_lbfgs(model: Model, settings: Settings, data: Data, work, tasks: Tasks | None = None
              ) -> tuple[scipy.optimize.OptimizeResult, bool]:
    """Minimise the full-batch loss with scipy's L-BFGS-B, the weights updated in place.

    ``model`` is the state's parameters with the layout and activations, as the compiled core
    takes them; ``settings`` the parameters that steer the search. Each iteration is a task of
    ``tasks`` (scikit-learn's callbacks), any of which may stop the fit. Returns scipy's
    result and whether an interrupt or a callback stopped it; the weights are then the last
    accepted iterate and the result's ``nit`` and ``fun`` are that iterate's. Raises
    :class:`DivergenceError` if the loss or the weights end non-finite.
    """
    theta, _ = model
    alpha = float(settings.alpha)
    tasks = tasks or Tasks(None, None, None)

    rows = np.arange(data.Y.shape[0])

    def loss_grad(x):
        theta[:] = x
        loss = loss_and_gradient(model, data, alpha, work, rows)
        return loss, work.gradient.astype(np.float64)  # a copy: scipy keeps what it gets

    accepted = []  # (iteration, x, loss) of the last accepted iterate
    stop = []  # why the fit was stopped early, if it was

    with interrupt_requests() as interrupt:
        def iteration_done(intermediate_result):
            accepted[:] = [(accepted[0] if accepted else 0) + 1, intermediate_result.x,
                           intermediate_result.fun]
            if settings.verbose:
                print("Iteration %d, loss = %.8f" % (accepted[0], intermediate_result.fun))
            theta[:] = intermediate_result.x  # the weights a callback's fitted copy sees
            if tasks.end():
                stop.append("callback")
            if interrupt.requested:
                stop.append("interrupt")
            if stop:
                raise StopIteration  # scipy returns at once
            tasks.begin("iteration")

        tasks.begin("iteration")
        result = scipy.optimize.minimize(
            loss_grad, theta.astype(np.float64), method="L-BFGS-B", jac=True,
            callback=iteration_done,
            options={"maxfun": settings.max_fun, "maxiter": settings.max_iter,
                     "gtol": settings.tol},
        )
        tasks.end(empty=True)  # the iteration that scipy did not run
    if "interrupt" in stop:
        _warn_interrupted()
    if stop:
        result.nit, result.x, result.fun = accepted
    if not (np.isfinite(result.fun) and np.isfinite(result.x).all()):
        raise DivergenceError(divergence_message(settings, data, epoch=result.nit + 1))
    theta[:] = result.x
    note_blas_use()
    return result, bool(stop)
