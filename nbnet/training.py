"""Compiled drivers: one call trains a whole epoch, one call gives L-BFGS its loss and gradient.

Python enters once per epoch (stochastic solvers) or once per function evaluation (L-BFGS);
everything inside — gathering each mini-batch by the caller's permutation, forward,
backward, update — runs compiled, in workspaces allocated once per fit.
"""

from typing import NamedTuple

import numpy as np

from ._jit import jit, subroutine
from .network import backprop, copy_rows, transposed_size, workspace_size
from .optimizers import StochasticOptimizer, adam_learning_rate, adam_step, sgd_step


class Workspace(NamedTuple):
    """Buffers for batches of up to ``capacity`` rows, allocated once per fit.

    inputs : (capacity, n_features) gathered dense rows; (0, n_features) for sparse input.
    targets : (capacity, n_outputs) gathered targets.
    weights : (capacity,) gathered sample weights; empty when there are none.
    activations, deltas : flat per-layer workspaces (see :mod:`nbnet.network`).
    transposed : scratch for one transposed weight matrix
        (:func:`nbnet.network.error_product`).
    """

    inputs: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    activations: np.ndarray
    deltas: np.ndarray
    transposed: np.ndarray


def make_workspace(layout, capacity, dtype, sparse_input=False, weighted=False) -> Workspace:
    """Allocate a :class:`Workspace` for ``layout`` and batches of ``capacity`` rows."""
    n_features, n_outputs = int(layout.sizes[0]), int(layout.sizes[-1])
    size = workspace_size(layout, capacity)
    return Workspace(
        inputs=np.empty((0 if sparse_input else capacity, n_features), dtype=dtype),
        targets=np.empty((capacity, n_outputs), dtype=dtype),
        weights=np.empty(capacity if weighted else 0, dtype=dtype),
        activations=np.empty(size, dtype=dtype),
        deltas=np.empty(size, dtype=dtype),
        transposed=np.empty(transposed_size(layout), dtype=dtype),
    )


@subroutine
def _total_weight(sw, m):
    if sw.shape[0] == 0:
        return float(m)
    total = 0.0
    for i in range(sw.shape[0]):
        total += sw[i]
    return total


@subroutine
def _batch_gradient(theta, grad, layout, hidden, out_kind, X, sparse, Y, sw, rows, work):
    """Gather the batch ``rows`` into ``work`` and put its gradient into ``grad``.

    Returns the batch's loss (see :func:`nbnet.network.backprop`) and its total sample weight.
    """
    m = rows.shape[0]
    A0 = work.inputs[:m]
    if sparse is None:
        copy_rows(X, rows, A0)
    Yb = work.targets[:m]
    copy_rows(Y, rows, Yb)
    swb = work.weights[:m]
    if sw.shape[0] > 0:
        for r in range(m):
            swb[r] = sw[rows[r]]
    total_weight = _total_weight(swb, m)
    loss = backprop(theta, grad, layout, hidden, out_kind, A0, sparse, rows, Yb, swb,
                    total_weight, work.activations, work.deltas, work.transposed,
                    work.targets.shape[0])
    return loss, total_weight


@jit
def sgd_epoch(theta, grad, velocity, layout, hidden, out_kind, X, sparse, Y, sw, permutation,
              batch_size, alpha, learning_rate, momentum, nesterov, work):
    """One epoch of mini-batch SGD with momentum; see :func:`train_epoch`. Returns the loss sum."""
    n_coefs = layout.intercept_offsets[0]
    loss_sum = 0.0
    for start in range(0, permutation.shape[0], batch_size):
        rows = permutation[start : start + batch_size]
        loss, total_weight = _batch_gradient(theta, grad, layout, hidden, out_kind, X, sparse, Y,
                                             sw, rows, work)
        if not np.isfinite(loss):
            return loss
        sq = sgd_step(theta, grad, velocity, n_coefs, alpha / total_weight, learning_rate,
                      momentum, nesterov)
        loss_sum += (loss + 0.5 * alpha * sq / total_weight) * rows.shape[0]
    return loss_sum


@jit
def adam_epoch(theta, grad, first_moment, second_moment, layout, hidden, out_kind, X, sparse,
               Y, sw, permutation, batch_size, alpha, learning_rate, beta_1, beta_2, epsilon,
               step, work):
    """One epoch of mini-batch Adam; see :func:`train_epoch`. Returns the loss sum and the step."""
    n_coefs = layout.intercept_offsets[0]
    loss_sum = 0.0
    for start in range(0, permutation.shape[0], batch_size):
        rows = permutation[start : start + batch_size]
        loss, total_weight = _batch_gradient(theta, grad, layout, hidden, out_kind, X, sparse, Y,
                                             sw, rows, work)
        if not np.isfinite(loss):
            return loss, step
        step += 1
        sq = adam_step(theta, grad, first_moment, second_moment, n_coefs, alpha / total_weight,
                       adam_learning_rate(learning_rate, beta_1, beta_2, step), beta_1, beta_2,
                       epsilon)
        loss_sum += (loss + 0.5 * alpha * sq / total_weight) * rows.shape[0]
    return loss_sum, step


def train_epoch(theta: np.ndarray, grad: np.ndarray, optimizer: StochasticOptimizer, layout,
                hidden: int, out_kind: int, X: np.ndarray, sparse, Y: np.ndarray, sw: np.ndarray,
                permutation: np.ndarray, batch_size: int, alpha: float, work: Workspace) -> float:
    """Run one epoch of ``optimizer``'s solver over ``X[permutation]``, updating ``theta``.

    Each solver has a compiled epoch of its own (:func:`sgd_epoch`, :func:`adam_epoch`), so
    that a fit compiles only the update it uses.

    Parameters
    ----------
    theta, grad : flat parameter and gradient vectors.
    optimizer : :class:`nbnet.optimizers.StochasticOptimizer`; its moments and Adam's step
        count are updated.
    layout : :class:`nbnet.network.Layout`.
    hidden, out_kind : activation codes of the hidden and output layers.
    X : (n, n_features) dense input, or an empty array when ``sparse`` holds CSR arrays.
    sparse : CSR ``(data, indices, indptr)`` of the input, or None for dense input.
    Y : (n, n_outputs) targets. sw : (n,) sample weights or empty.
    permutation : int64 row order; consecutive slices of ``batch_size`` form the batches.
    alpha : L2 strength. work : :class:`Workspace` for batches of ``batch_size`` rows.

    Returns
    -------
    loss_sum : float
        Σ over batches of (penalised batch loss × batch rows), as scikit-learn accumulates.
        Non-finite if a batch's loss was: the epoch then stops before that batch's update.
    """
    if optimizer.solver == "sgd":
        return sgd_epoch(theta, grad, optimizer.first_moment, layout, hidden, out_kind, X, sparse,
                         Y, sw, permutation, batch_size, alpha, optimizer.learning_rate,
                         optimizer.momentum, optimizer.nesterov, work)
    loss_sum, optimizer.t = adam_epoch(
        theta, grad, optimizer.first_moment, optimizer.second_moment, layout, hidden, out_kind,
        X, sparse, Y, sw, permutation, batch_size, alpha, optimizer.learning_rate,
        optimizer.beta_1, optimizer.beta_2, optimizer.epsilon, optimizer.t, work)
    return loss_sum


@jit
def loss_and_gradient(theta, grad, layout, hidden, out_kind, X, sparse, Y, sw, alpha, work):
    """Full-batch penalised loss and its gradient (into ``grad``), for scipy's L-BFGS-B.

    ``work`` is a :class:`Workspace` sized for all ``n`` rows; dense ``X`` is used in place.
    """
    n = Y.shape[0]
    rows = np.arange(n)
    total_weight = _total_weight(sw, n)
    loss = backprop(theta, grad, layout, hidden, out_kind, X, sparse, rows, Y, sw,
                    total_weight, work.activations, work.deltas, work.transposed, n)
    n_coefs = layout.intercept_offsets[0]
    l2 = theta.dtype.type(alpha / total_weight)
    sq = 0.0
    for i in range(n_coefs):
        w = theta[i]
        sq += w * w
        grad[i] += l2 * w
    return loss + 0.5 * alpha * sq / total_weight
