"""Where an epoch's time goes: gather, forward, backward and update, timed apart.

The compiled trainer is not instrumented. Each phase runs alone, in a compiled loop over
the batches of one epoch — the same permutation, batch size and workspaces as
:func:`nbnet.kernels.epochs.stochastic_epochs` — calling the trainer's own compiled pieces:

- gather: :func:`nbnet.kernels.network.copy_rows` of the batch's inputs and targets;
- forward: :func:`nbnet.kernels.network.forward` on the already gathered batches;
- backward: :func:`nbnet.kernels.network.backprop` (forward, loss and backward) minus forward;
- update: :func:`nbnet.kernels.updates.update` with Adam's code, once per batch.

Their sum is set beside a real Adam epoch of :func:`nbnet.kernels.epochs.stochastic_epochs` on
the same data.
"""

from functools import partial
from typing import NamedTuple

import numba
import numpy as np

from nbnet.kernels.epochs import (OptimizerState, make_data, make_workspace, one_epoch,
                                 stochastic_epochs)
from nbnet.kernels.network import (Layout, Model, backprop, copy_rows, forward, make_layout,
                                   n_coefficients, n_parameters)
from nbnet.kernels.updates import ADAM, update
from nbnet.optimizers import Adam

from .measure import Stats, alternate, stats, timed
from .workloads import TrainingWorkload

PHASES = ("gather", "forward", "backward", "update")
# scikit-learn's defaults, which P1 and P2 keep
ALPHA, LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-4, 1e-3, 0.9, 0.999, 1e-8

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _gather_epoch(X, Y, permutation, batch_size, inputs, targets):
    n = permutation.shape[0]
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        rows = permutation[start:stop]
        copy_rows(X, rows, inputs[: stop - start])
        copy_rows(Y, rows, targets[: stop - start])


@_jit
def _forward_epoch(theta, layout, X_batches, sparse, permutation, batch_size, activations):
    n = permutation.shape[0]
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        forward(theta, layout, X_batches[start:stop], sparse, permutation[start:stop],
                activations, batch_size, stop - start)


@_jit
def _backprop_epoch(theta, grad, layout, X_batches, Y_batches, sparse, permutation, sw,
                    batch_size, activations, deltas, transposed):
    n = permutation.shape[0]
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        backprop(theta, grad, layout, X_batches[start:stop], sparse,
                 permutation[start:stop], Y_batches[start:stop], sw, float(stop - start),
                 activations, deltas, transposed, batch_size)


@_jit
def _update_epoch(theta, grad, slots, n_coefs, l2, rates, hyper):
    for step in range(rates.shape[0]):
        update(ADAM, theta, grad, slots, n_coefs, l2, rates[step], 0.0, 1.0, hyper)


class PhaseProfile(NamedTuple):
    """Seconds per epoch of each phase and their sum (best of the rounds: noise only adds
    time, and the backward phase is a difference), and a real epoch of the trainer."""

    workload: TrainingWorkload
    phases: dict  # name -> seconds
    total: float
    epoch: Stats


class EpochSetup(NamedTuple):
    """What one epoch of a dense multiclass workload needs, outside the estimators."""

    X: np.ndarray  # C-contiguous training inputs in the workload's dtype
    Y: np.ndarray  # one-hot targets
    batch_size: int
    layout: Layout  # relu hidden layers, softmax output
    theta: np.ndarray  # initial parameters, uniform in ±0.1
    order: np.ndarray  # the epoch's row order, int64


def epoch_setup(workload: TrainingWorkload, rows: int | None = None) -> EpochSetup:
    """The :class:`EpochSetup` of ``workload``, on its first ``rows`` training rows (all by
    default); batch size and hidden layers as the workload sets them, else scikit-learn's
    defaults ('auto': min(200, n); (100,))."""
    split = workload.load()
    dtype = workload.dtype
    X = np.ascontiguousarray(split.X_train[:rows], dtype=dtype)
    labels = np.unique(split.y_train[:rows], return_inverse=True)[1]
    Y = np.eye(labels.max() + 1, dtype=dtype)[labels]
    batch_size = workload.batch_rows(X.shape[0])
    hidden = workload.params.get("hidden_layer_sizes", (100,))
    layout = make_layout([X.shape[1], *hidden, Y.shape[1]], "relu", "softmax")
    theta = np.random.default_rng(0).uniform(-0.1, 0.1, n_parameters(layout)).astype(dtype)
    order = np.random.default_rng(0).permutation(X.shape[0]).astype(np.int64)
    return EpochSetup(X, Y, batch_size, layout, theta, order)


def profile(workload: TrainingWorkload, repeats: int) -> PhaseProfile:
    """Profile one epoch of an Adam workload (P1, P2 or P3) by phase.

    Parameters
    ----------
    workload : TrainingWorkload
        A dense multiclass workload with ``solver='adam'`` and relu hidden layers.
    repeats : int
        Rounds; every phase and the real epoch run once per round, interleaved.

    Returns
    -------
    profile : PhaseProfile
    """
    X, Y, batch_size, layout, theta, permutation = epoch_setup(workload)
    dtype = workload.dtype
    grad = np.zeros_like(theta)
    adam = Adam(theta.size, dtype, learning_rate_init=LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2,
                epsilon=EPSILON)
    work = make_workspace(layout, batch_size, dtype)
    sparse = None  # dense input
    no_weights = np.empty(0, dtype)
    X_batches, Y_batches = X[permutation], Y[permutation]  # what gather produces, batch after batch

    def tasks(order):
        """The phases and a real epoch over the batches of ``order``, as callables."""
        rates = adam.learning_rates(-(-order.shape[0] // batch_size))
        return {
            "gather": lambda: _gather_epoch(X, Y, order, batch_size, work.inputs, work.targets),
            "forward": lambda: _forward_epoch(theta, layout, X_batches, sparse, order, batch_size,
                                              work.activations),
            "backprop": lambda: _backprop_epoch(theta, grad, layout, X_batches, Y_batches, sparse,
                                                order, no_weights, batch_size, work.activations,
                                                work.deltas, work.transposed),
            "update": lambda: _update_epoch(theta.copy(), grad, adam.slots,
                                            n_coefficients(layout), ALPHA / batch_size, rates,
                                            adam.hyper),
            "epoch": lambda: stochastic_epochs(
                Model(theta.copy(), layout), make_data(X, sparse, Y, no_weights), order, batch_size,
                ALPHA, OptimizerState(adam.code, adam.slots, adam.hyper, rates, np.zeros_like(rates),
                                      np.inf), work, None, one_epoch()),
        }

    for task in tasks(permutation[:batch_size]).values():  # compile or load from the cache
        task()
    seconds = alternate({name: partial(timed, task) for name, task in tasks(permutation).items()},
                        repeats)
    best = {name: min(values) for name, values in seconds.items()}
    phases = {"gather": best["gather"], "forward": best["forward"],
              "backward": best["backprop"] - best["forward"], "update": best["update"]}
    return PhaseProfile(workload, phases, sum(phases.values()), stats(seconds["epoch"]))
