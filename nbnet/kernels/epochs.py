"""Compiled entry points: one call trains epochs, one call gives L-BFGS its loss and gradient.

Python enters once per run of epochs (stochastic solvers) or once per function evaluation
(L-BFGS); everything inside — shuffling the rows with the fit's RandomState, gathering each
mini-batch by that order, forward, backward, update, scikit-learn's stopping rule on the
training loss — runs compiled, in workspaces allocated once per fit. A run is as many
epochs as make about :data:`CALL_FLOPS` (:func:`epochs_per_call`), or one where Python must
see each epoch (validation, callbacks, ``verbose``, a helper thread). One compiled epoch
(per batch kind: :func:`whole_epochs`, :func:`split_epochs`) serves every update rule
(:mod:`nbnet.kernels.updates`), network depth and activation; the arguments come bundled in
NamedTuples: :class:`nbnet.kernels.network.Model`, :class:`Data`,
:class:`OptimizerState`, :class:`Workspace`, :class:`Run` and :class:`Halves`.

Batches big enough to keep two cores busy (:func:`splits_batches`) are computed as two
halves whose gradients are summed: on one thread, or on two, the second half on a helper
thread (:mod:`nbnet.threads`) that runs the same compiled epoch in its serving role and
meets the caller's thread twice a step (:mod:`nbnet.kernels.atomics`). Both ways do the
same arithmetic, so a fit gives the same weights on one thread or two.
"""

from typing import NamedTuple

import numpy as np

from ._jit import jit, subroutine
from .atomics import ABORT, ARRIVALS, atomic_add, atomic_exchange, atomic_load, meet, wait_until
from .dropout import Dropout
from .elementary import finite
from .network import (COEF_START, Layout, Model, backprop, copy_rows, default_products,
                      n_parameters, read_only, read_only_input, transposed_size,
                      workspace_size)
from .shuffling import NO_SHUFFLE, shuffle
from .updates import gradient_norm, split_point, update


class Data(NamedTuple):
    """Training data as the compiled core takes it.

    X : (n, n_features) dense input, or an empty ``(0, n_features)`` array when ``sparse``
        holds the input.
    sparse : CSR ``(data, indices, indptr)`` of the input, or None for dense input (Numba
        then prunes the sparse branches).
    Y : (n, n_outputs) targets.
    sw : (n,) sample weights, or an empty array for unit weights.
    """

    X: np.ndarray
    sparse: tuple | None
    Y: np.ndarray
    sw: np.ndarray


def make_data(X: np.ndarray, sparse: tuple | None, Y: np.ndarray, sw: np.ndarray) -> Data:
    """:class:`Data` of read-only views of the arrays (no copy), so that every fit shares the
    signatures of the entry points, whether its arrays are writable or not
    (:func:`~nbnet.kernels.network.read_only`)."""
    return Data(*read_only_input(X, sparse), read_only(Y), read_only(sw))


class OptimizerState(NamedTuple):
    """An update rule and its state, as the compiled epoch takes them (see
    :mod:`nbnet.kernels.updates`).

    code : the rule's code (:data:`nbnet.kernels.updates.UPDATES`).
    slots : (n_slots, P) state in the parameters' dtype, updated in place.
    hyper : float64 hyper-parameters of the rule.
    rates : float64 learning rate of each step of the run's epochs, one per batch.
    decays : float64 decoupled weight decay ``η_t λ`` of each step (AdamW; zeros otherwise).
    clip : the bound on each batch's gradient norm, or inf for no clipping: a value, not a
        type, so that clipped and unclipped fits share the compiled epoch (compiling the
        norm's pass into every epoch costs a fit a few percent of its cold compile, a
        signature of its own a whole epoch's).
    """

    code: int
    slots: np.ndarray
    hyper: np.ndarray
    rates: np.ndarray
    decays: np.ndarray
    clip: float


class Workspace(NamedTuple):
    """Buffers for batches of up to ``capacity`` rows, allocated once per fit.

    inputs : (capacity, n_features) gathered dense rows; (0, n_features) for sparse input.
    targets : (capacity, n_outputs) gathered targets.
    weights : (capacity,) gathered sample weights; empty when there are none.
    activations, deltas : flat per-layer workspaces (see :mod:`nbnet.kernels.network`).
    transposed : scratch for one transposed weight matrix
        (:func:`nbnet.kernels.network.error_product`).
    gradient : (P,) the gradient of the last batch (of the full batch for L-BFGS).
    products : (3, n_layers) int64, how each product of a step is computed
        (:data:`nbnet.kernels.network.FORWARD`; :mod:`nbnet.product_choice` fills it in);
        unused by L-BFGS, whose products all go to BLAS.
    """

    inputs: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    activations: np.ndarray
    deltas: np.ndarray
    transposed: np.ndarray
    gradient: np.ndarray
    products: np.ndarray


def make_workspace(layout: Layout, capacity: int, dtype, sparse_input: bool = False,
                   weighted: bool = False) -> Workspace:
    """Allocate a :class:`Workspace` for ``layout`` and batches of ``capacity`` rows."""
    n_features, n_outputs = int(layout.sizes[0]), int(layout.sizes[-1])
    return Workspace(
        inputs=np.empty((0 if sparse_input else capacity, n_features), dtype=dtype),
        targets=np.empty((capacity, n_outputs), dtype=dtype),
        weights=np.empty(capacity if weighted else 0, dtype=dtype),
        activations=np.empty(workspace_size(layout, capacity), dtype=dtype),
        deltas=np.empty(workspace_size(layout, capacity, preactivations=False), dtype=dtype),
        transposed=np.empty(transposed_size(layout), dtype=dtype),
        gradient=np.empty(n_parameters(layout), dtype=dtype),
        products=default_products(layout, capacity),
    )


class Run(NamedTuple):
    """What one call of :func:`stochastic_epochs` runs, besides an epoch's arguments.

    epochs : at most this many epochs.
    generator : the addresses of the fit's RandomState's generator
        (:func:`nbnet.kernels.shuffling.generator_of`), which shuffles the row order before
        each epoch; empty
        (:data:`nbnet.kernels.shuffling.NO_SHUFFLE`) to keep the order.
    tol, patience : scikit-learn's stopping rule on the training loss (its ``tol`` and
        ``n_iter_no_change``): the call returns after the epoch whose count of epochs
        without an improvement of ``tol`` exceeds ``patience``; a negative ``patience``
        turns the rule off (early stopping watches the validation score instead).
    progress : float64 ``[best training loss, epochs without improvement]``, updated in place.
    losses : (epochs,) float64, each epoch's loss sum (see :func:`stochastic_epochs`).
    """

    epochs: int
    generator: np.ndarray
    tol: float
    patience: int
    progress: np.ndarray
    losses: np.ndarray


def one_epoch() -> Run:
    """A :class:`Run` of one epoch in the order given, without the stopping rule."""
    return Run(1, NO_SHUFFLE, 0.0, -1, np.zeros(2), np.empty(1))


# The work of one call of several epochs, 6 · rows · parameters flops an epoch: enough for
# Python's cost a call (shuffle, schedule, dispatch, bookkeeping; about 40 µs on a 2-core
# AVX-512 AMD EPYC, 2026-12) to vanish where an epoch takes tens of microseconds, and short
# enough to answer an interrupt at once.
CALL_FLOPS = 1e9


def epochs_per_call(layout: Layout, n_rows: int) -> int:
    """Epochs a call of :func:`stochastic_epochs` may run on ``n_rows`` rows (at least one)."""
    return max(1, int(CALL_FLOPS // (6.0 * n_rows * n_parameters(layout))))


# A step's work, 6 · batch rows · parameters flops, from which batches are split in two:
# below it the gain is small or none, and the meetings' cost on other CPUs is unmeasured
# (above it, float64 Adam fits gained up to 1.42× on a 2-core AVX-512 AMD EPYC, 2026-12;
# series in docs/dev/performance_kernels.rst).
SPLIT_FLOPS = 8e6
# The slots of Halves.sync after nbnet.kernels.atomics' ARRIVALS and ABORT: epochs posted to
# the helper and taken by it, the posted epoch's rows and first step, the meetings before
# it, and whether the helper has gone to sleep in Python.
POSTED, TAKEN, ROWS, STEP, BASE, SLEEPING = 2, 3, 4, 5, 6, 7
SYNC_SLOTS = 8
FIRST_LOSS, SECOND_LOSS, SECOND_SQ, RATE, DECAY = 0, 1, 2, 3, 4  # the slots of Halves.shared
SHARED_SLOTS = 5
PATIENCE = 20_000  # core yields (about 10–40 ms) a helper waits for an epoch before it sleeps
SLEEP, STOP = 1, 0  # what a serving call returns


class Halves(NamedTuple):
    """The second halves of split batches (see :func:`splits_batches`).

    threads : 1, the caller's thread computes both halves; 2, a helper thread running
        :func:`stochastic_epochs` in its serving role computes the second halves.
    work : :class:`Workspace` for the second halves.
    masks : dropout masks for the second halves (the first use the fit's
        :class:`nbnet.kernels.dropout.Dropout`); empty without dropout.
    shared : (:data:`SHARED_SLOTS`,) float64 values of the current step that the threads
        hand each other: each half's loss, the second update range's ``Σ θ²``, the step's
        learning rate and decay.
    sync : (:data:`SYNC_SLOTS`,) int64 counters the two threads meet on.
    """

    threads: int
    work: Workspace
    masks: np.ndarray
    shared: np.ndarray
    sync: np.ndarray


def splits_batches(layout: Layout, batch_size: int) -> bool:
    """Whether a fit computes each batch of ``batch_size`` rows as two halves: when a step
    does at least :data:`SPLIT_FLOPS`. A matter of shapes only, so that the arithmetic of a
    fit does not depend on how many threads run it."""
    return batch_size >= 2 and 6.0 * batch_size * n_parameters(layout) >= SPLIT_FLOPS


def make_halves(layout: Layout, batch_size: int, dtype, threads: int, sparse_input: bool = False,
                weighted: bool = False, dropout: Dropout | None = None) -> Halves:
    """Allocate :class:`Halves` for batches of ``batch_size`` rows (``threads``: 1 or 2)."""
    capacity = (batch_size + 1) // 2
    masks_size = workspace_size(layout, capacity, preactivations=False) if dropout else 0
    return Halves(threads, make_workspace(layout, capacity, dtype, sparse_input, weighted),
                  np.empty(masks_size, dtype=dtype), np.zeros(SHARED_SLOTS),
                  np.zeros(SYNC_SLOTS, np.int64))


@jit
def post_epoch(sync, rows, step):
    """Hand the helper thread an epoch over the first ``rows`` rows of the shared order,
    whose first step is ``step``; True if the helper sleeps and must be woken."""
    sync[ROWS] = rows
    sync[STEP] = step
    sync[BASE] = atomic_load(sync, ARRIVALS) // 2
    atomic_add(sync, POSTED, 1)
    return atomic_exchange(sync, SLEEPING, 0) != 0


def n_batches(n_rows: int, batch_size: int) -> int:
    """Number of batches (and so of update steps) in an epoch over ``n_rows`` rows."""
    return -(-n_rows // batch_size)


@subroutine
def _total_weight(sw, m):
    if sw.shape[0] == 0:
        return float(m)
    total = 0.0
    for i in range(sw.shape[0]):
        total += sw[i]
    return total


@subroutine
def _rows_weight(sw, rows):
    """The total sample weight of data rows ``rows`` (their number without weights)."""
    if sw.shape[0] == 0:
        return float(rows.shape[0])
    total = 0.0
    for r in range(rows.shape[0]):
        total += sw[rows[r]]
    return total


@subroutine
def _batch_gradient(model, data, rows, work, dropout, batch, total_weight=-1.0):
    """Gather the batch ``rows`` into ``work`` and put its gradient into ``work.gradient``.

    Returns the batch's loss (see :func:`nbnet.kernels.network.backprop`) and its total
    sample weight. ``dropout`` (or None) and ``batch``, the batch's index in the epoch, as
    :func:`nbnet.kernels.network.backprop` takes them. ``rows`` may be half a batch whose
    ``total_weight`` is given: the loss and gradient are then that half's terms of the
    batch's mean.
    """
    m = rows.shape[0]
    A0 = work.inputs[:m]
    if data.sparse is None:
        copy_rows(data.X, rows, A0)
    Yb = work.targets[:m]
    copy_rows(data.Y, rows, Yb)
    swb = work.weights[:m]
    if data.sw.shape[0] > 0:
        for r in range(m):
            swb[r] = data.sw[rows[r]]
    if total_weight < 0.0:
        total_weight = _total_weight(swb, m)
    loss = backprop(model.theta, work.gradient, model.layout, A0, data.sparse, rows, Yb, swb,
                    total_weight, work.activations, work.deltas, work.transposed,
                    work.targets.shape[0], dropout, batch, work.products)
    return loss, total_weight


@subroutine
def _second_dropout(dropout, masks, step=-1):
    """The fit's dropout with the masks ``masks``, from ``step`` on (from the fit's step
    where ``step`` is negative)."""
    if dropout is None:
        return None
    return Dropout(dropout.rates, dropout.thresholds, dropout.seed,
                   dropout.step if step < 0 else step, masks)


@subroutine
def _half_gradient(model, data, rows, which, work, dropout, batch, total_weight, halves):
    """Half ``which`` (0 or 1) of the batch ``rows``: its loss, and its gradient into
    ``work.gradient`` (the first half) or ``halves.work.gradient`` (the second; 0 and
    nothing for a one-row batch)."""
    half = (rows.shape[0] + 1) // 2
    mine = rows[:half] if which == 0 else rows[half:]
    if mine.shape[0] == 0:
        return 0.0
    own_work = work if which == 0 else halves.work
    own_dropout = dropout if which == 0 else _second_dropout(dropout, halves.masks)
    return _batch_gradient(model, data, mine, own_work, own_dropout, batch, total_weight)[0]


@subroutine
def _halves_finite(shared):
    """Whether both halves' losses are finite."""
    return finite(shared[FIRST_LOSS]) and finite(shared[SECOND_LOSS])


@subroutine(inline=True)
def _clips(clip):
    """Whether ``clip`` (:class:`OptimizerState`'s) bounds the gradient's norm."""
    return clip < np.inf


@subroutine
def _clip_scale(clip, theta, grad, n_coefs, l2):
    """The factor that scales the batch's gradient (L2 term included) to norm ``clip`` where
    it is longer; 1.0 without clipping (``clip`` inf), without the norm's pass."""
    if not _clips(clip):
        return 1.0
    norm = gradient_norm(theta, grad, n_coefs, l2)
    return clip / norm if norm > clip else 1.0


@subroutine(inline=True)
def _add_range(grad, other, begin, end):
    """``grad[begin:end] += other[begin:end]``."""
    mine, theirs = grad[begin:end], other[begin:end]
    for i in range(mine.shape[0]):
        mine[i] += theirs[i]


@subroutine
def _halves_update(optimizer, theta, grad, halves, n_coefs, l2, summed, part):
    """Sum the halves' gradients and update: what thread ``part`` (0 the fit's, 1 the helper)
    does of a split batch's step. Returns its ``Σ θ_w²`` (the first range's, for the fit's
    thread; the second range's goes to ``halves.shared``).

    The parameters are two ranges split at :func:`nbnet.kernels.updates.split_point`, one a
    thread (both on one thread). With clipping the norm needs the whole gradient: the fit's
    thread sums all of it and updates both ranges while the helper waits.
    """
    other = halves.work.gradient
    n = theta.shape[0]
    clipping = _clips(optimizer.clip)
    if clipping and part == 1:
        return 0.0
    scale = 1.0
    if clipping:
        if summed:
            _add_range(grad, other, 0, n)
        scale = _clip_scale(optimizer.clip, theta, grad, n_coefs, l2)
    rate, decay = halves.shared[RATE], halves.shared[DECAY]
    split = split_point(n_coefs, n)
    last = 1 if part == 1 or halves.threads == 1 or clipping else 0
    sq = 0.0
    for which in range(part, last + 1):
        begin, end = (0, split) if which == 0 else (split, n)
        if summed and not clipping:
            _add_range(grad, other, begin, end)
        range_sq = update(optimizer.code, theta, grad, optimizer.slots, n_coefs, l2, rate,
                          decay, scale, optimizer.hyper, begin, end)
        if which == 0:
            sq = range_sq
        else:
            halves.shared[SECOND_SQ] = range_sq
    return sq


@subroutine
def _halves_epoch(model, data, order, batch_size, alpha, optimizer, work, dropout, halves,
                  part, count, first):
    """One epoch of split batches, as thread ``part`` computes it (0 the fit's, 1 the helper;
    on one thread the fit's does everything). ``count``: the meetings before the epoch;
    ``first``: the epoch's first step in the run (:func:`_whole_epoch`).

    Each step: the halves' gradients; meeting; both threads stop if a half's loss is not
    finite; the update; meeting. Returns the fit's thread's loss sum and the run's steps
    after it as :func:`_whole_epoch` (NaN if the other thread was stopped).
    """
    theta = model.theta
    n_coefs = model.layout.table[COEF_START, -1]
    two = halves.threads == 2
    last = 1 if part == 1 or not two else 0
    loss_sum = 0.0
    steps = first
    for start in range(0, order.shape[0], batch_size):
        rows = order[start : start + batch_size]
        total_weight = _rows_weight(data.sw, rows)
        if part == 0:
            halves.shared[RATE] = optimizer.rates[steps]
            halves.shared[DECAY] = optimizer.decays[steps]
        for which in range(part, last + 1):
            halves.shared[FIRST_LOSS + which] = _half_gradient(
                model, data, rows, which, work, dropout, steps, total_weight, halves)
        if two and not meet(halves.sync, count + 1):
            return np.nan, steps
        loss = halves.shared[FIRST_LOSS] + halves.shared[SECOND_LOSS]
        if not _halves_finite(halves.shared):
            return loss, steps
        l2 = alpha / total_weight
        summed = rows.shape[0] > (rows.shape[0] + 1) // 2
        sq = _halves_update(optimizer, theta, work.gradient, halves, n_coefs, l2, summed, part)
        if two and not meet(halves.sync, count + 2):
            return np.nan, steps
        if part == 0:
            sq += halves.shared[SECOND_SQ]
        count += 2
        steps += 1
        loss_sum += (loss + 0.5 * alpha * sq / total_weight) * rows.shape[0]
    return loss_sum, steps


@subroutine
def _wait_for_epoch(sync):
    """The helper's wait for the next posted epoch: True to run it, False when stopped
    (``sync[ABORT]``) or idle for :data:`PATIENCE` yields (``sync[SLEEPING]`` then set)."""
    taken = sync[TAKEN]
    while not wait_until(sync, POSTED, taken + 1, PATIENCE):
        if atomic_load(sync, ABORT) != 0:
            return False
        atomic_exchange(sync, SLEEPING, 1)
        if atomic_load(sync, POSTED) == taken:
            return False
        atomic_exchange(sync, SLEEPING, 0)  # posted meanwhile
    sync[TAKEN] = taken + 1
    return True


@subroutine
def _halves_epochs(model, data, order, batch_size, alpha, optimizer, work, dropout, halves,
                   serving, first):
    """An epoch of :func:`stochastic_epochs` with split batches, in either role: the fit's
    thread runs its epoch (its first step ``first`` in the run); the helper runs the second
    part of each posted epoch until stopped or idle. One call of :func:`_halves_epoch` serves
    both, so that it is compiled (and inlined) once."""
    sync = halves.sync
    while True:
        rows = order.shape[0]
        epoch_dropout = dropout
        if serving:
            if not _wait_for_epoch(sync):
                return (STOP if atomic_load(sync, ABORT) != 0 else SLEEP), 0
            rows = sync[ROWS]
            epoch_dropout = _second_dropout(dropout, halves.masks, sync[STEP])
        result = _halves_epoch(model, data, order[:rows], batch_size, alpha, optimizer, work,
                               epoch_dropout, halves, 1 if serving else 0, sync[BASE], first)
        if not serving:
            return result


@subroutine(inline=True)  # called once, in the loop over a run's epochs
def _whole_epoch(model, data, order, batch_size, alpha, optimizer, work, dropout, first):
    """One epoch of whole batches whose first step is step ``first`` of the run (the index of
    its rate, decay and dropout masks); returns its loss sum (as :func:`stochastic_epochs`)
    and the run's steps after it, fewer than a whole epoch's if a batch's loss was not finite."""
    theta = model.theta
    n_coefs = model.layout.table[COEF_START, -1]
    loss_sum = 0.0
    steps = first
    for start in range(0, order.shape[0], batch_size):
        rows = order[start : start + batch_size]
        loss, total_weight = _batch_gradient(model, data, rows, work, dropout, steps)
        if not finite(loss):
            return loss, steps
        l2 = alpha / total_weight
        scale = _clip_scale(optimizer.clip, theta, work.gradient, n_coefs, l2)
        sq = update(optimizer.code, theta, work.gradient, optimizer.slots, n_coefs, l2,
                    optimizer.rates[steps], optimizer.decays[steps], scale, optimizer.hyper)
        steps += 1
        loss_sum += (loss + 0.5 * alpha * sq / total_weight) * rows.shape[0]
    return loss_sum, steps


@subroutine
def _all_finite(theta):
    """Whether every weight is finite (a step can overflow them with a finite loss)."""
    for i in range(theta.shape[0]):
        if not finite(theta[i]):
            return False
    return True


# Without fast-math: the comparisons must be scikit-learn's, to the last bit.
@subroutine(fastmath=frozenset())
def _stalls(run, loss_sum, rows):
    """scikit-learn's stopping rule on the training loss after an epoch over ``rows`` rows
    (``_update_no_improvement_count``): count the epochs not ``tol`` below the best loss,
    keep the best; True when the count exceeds ``patience`` (never if it is negative)."""
    if run.patience < 0:
        return False
    loss = loss_sum / rows
    progress = run.progress
    if loss > progress[0] - run.tol:
        progress[1] += 1
    else:
        progress[1] = 0
    if loss < progress[0]:
        progress[0] = loss
    return progress[1] > run.patience


@subroutine(inline=True)
def _ends_epoch(run, epoch, loss_sum, theta, rows):
    """Keep epoch ``epoch``'s loss sum (over ``rows`` rows) in ``run.losses``; whether it
    diverged (its loss sum or the weights after it not finite), and whether the run ends
    there (diverged, or stalled by :func:`_stalls`)."""
    run.losses[epoch] = loss_sum
    diverged = not (finite(loss_sum) and _all_finite(theta))
    return diverged, diverged or _stalls(run, loss_sum, rows)


def stochastic_epochs(model: Model, data: Data, order: np.ndarray, batch_size: int,
                      alpha: float, optimizer: OptimizerState, work: Workspace,
                      dropout: Dropout | None, run: Run, halves: Halves | None = None,
                      serving: bool = False) -> tuple[int, int, bool]:
    """Up to ``run.epochs`` epochs of mini-batch training over ``data``, each in the row
    order ``order`` after shuffling it with ``run.generator``.

    Parameters
    ----------
    model : :class:`nbnet.kernels.network.Model`; its ``theta`` is updated in place.
    data : :class:`Data`.
    order : int64 row order, shuffled in place before each epoch (see :class:`Run`);
        consecutive slices of ``batch_size`` rows form an epoch's batches.
    batch_size : rows per batch (the last batch may have fewer).
    alpha : L2 strength.
    optimizer : :class:`OptimizerState`; its ``slots`` are updated in place, and its
        ``rates`` and ``decays`` hold an entry for every step of the run's epochs
        (:func:`n_batches` an epoch). With a finite ``clip``, a batch's gradient (L2 term
        included) is scaled to that norm where it is longer: one more pass over the
        gradient, only then.
    work : :class:`Workspace` for batches of ``batch_size`` rows.
    dropout : :class:`nbnet.kernels.dropout.Dropout` with masks for batches of ``batch_size``
        rows, or None for no dropout (the dropout branches are then pruned).
    run : :class:`Run`: how many epochs, the shuffle, the stopping rule, the losses.
    halves : :class:`Halves` to compute each batch as two halves (compiled as
        :func:`split_epochs`), or None for whole batches (:func:`whole_epochs`). With
        ``halves.threads`` 2, the run must be one epoch, posted to a serving helper
        (:func:`post_epoch`) over ``order``'s array after the caller shuffled it (the helper
        reads the order as soon as it is posted).
    serving : run as the helper thread instead (``order`` is then the array the epochs are
        posted over, ``run`` the fit's first, of one epoch without shuffling, ``work`` is
        unused, and ``optimizer`` the fit's first: its rule, state and clipping bound must
        stay the fit's, its rates come through ``halves.shared``): returns
        ``(SLEEP, 0, False)`` when idle too long, ``(STOP, 0, False)`` when stopped through
        ``halves.sync[ABORT]``.

    Returns
    -------
    epochs : int
        Epochs run: fewer than ``run.epochs`` when one diverged or stalled. Their loss sums
        are ``run.losses[:epochs]``: Σ over batches of (penalised batch loss × batch rows),
        as scikit-learn accumulates; non-finite if a batch's loss was (the epoch then stops
        before that batch's update), NaN also if the helper thread was stopped midway.
    steps : int
        Number of updates made.
    diverged : bool
        Whether the last epoch's loss sum or the weights after it are not finite.
    """
    if halves is None:
        return whole_epochs(model, data, order, batch_size, alpha, optimizer, work, dropout,
                            run)
    return split_epochs(model, data, order, batch_size, alpha, optimizer, work, dropout, run,
                        halves, serving)


# Whole and split batches are two entry points, not one with a branch on ``halves is None``:
# Numba prunes such a branch only where the argument is None, so a fit with split batches
# compiled the whole-batch epoch too.
@jit
def whole_epochs(model, data, order, batch_size, alpha, optimizer, work, dropout, run):
    """:func:`stochastic_epochs` with whole batches."""
    steps, diverged = 0, False
    for epoch in range(run.epochs):
        shuffle(order, run.generator)
        loss_sum, steps = _whole_epoch(model, data, order, batch_size, alpha, optimizer, work,
                                       dropout, steps)
        diverged, ends = _ends_epoch(run, epoch, loss_sum, model.theta, order.shape[0])
        if ends:
            return epoch + 1, steps, diverged
    return run.epochs, steps, diverged


@jit
def split_epochs(model, data, order, batch_size, alpha, optimizer, work, dropout, run, halves,
                 serving):
    """:func:`stochastic_epochs` with batches split in ``halves``, in either role."""
    steps, diverged = 0, False
    for epoch in range(run.epochs):
        shuffle(order, run.generator)
        loss_sum, steps = _halves_epochs(model, data, order, batch_size, alpha, optimizer,
                                         work, dropout, halves, serving, steps)
        if serving:  # the helper stopped or fell asleep: loss_sum is SLEEP or STOP
            return int(loss_sum), 0, False
        diverged, ends = _ends_epoch(run, epoch, loss_sum, model.theta, order.shape[0])
        if ends:
            return epoch + 1, steps, diverged
    return run.epochs, steps, diverged


@jit
def loss_and_gradient(model, data, alpha, work, rows):
    """Full-batch penalised loss, and its gradient into ``work.gradient``, for scipy's L-BFGS-B.

    ``work`` is a :class:`Workspace` sized for all ``n`` rows; dense ``data.X`` is used in place.
    ``rows`` is ``np.arange(n)``, the batch's rows, made by the caller as for
    :func:`nbnet.kernels.network.predict`.
    """
    theta, layout = model
    grad = work.gradient
    n = data.Y.shape[0]
    total_weight = _total_weight(data.sw, n)
    loss = backprop(theta, grad, layout, data.X, data.sparse, rows, data.Y, data.sw,
                    total_weight, work.activations, work.deltas, work.transposed, n)
    n_coefs = layout.table[COEF_START, -1]
    l2 = theta.dtype.type(alpha / total_weight)
    sq = 0.0
    for i in range(n_coefs):
        w = theta[i]
        sq += w * w
        grad[i] += l2 * w
    return loss + 0.5 * alpha * sq / total_weight
