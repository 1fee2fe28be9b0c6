"""Compiled entry points: one call trains a whole epoch, one call gives L-BFGS its loss and gradient.

Python enters once per epoch (stochastic solvers) or once per function evaluation (L-BFGS);
everything inside — gathering each mini-batch by the caller's permutation, forward,
backward, update — runs compiled, in workspaces allocated once per fit. One compiled epoch
serves every update rule (:mod:`nbnet.kernels.updates`), network depth and activation; the
arguments come bundled in NamedTuples: :class:`nbnet.kernels.network.Model`, :class:`Data`,
:class:`OptimizerState` and :class:`Workspace`.
"""

from typing import NamedTuple

import numpy as np

from ._jit import jit, subroutine
from .network import Layout, backprop, copy_rows, n_parameters, transposed_size, workspace_size
from .updates import gradient_norm, update


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


class OptimizerState(NamedTuple):
    """An update rule and its state, as the compiled epoch takes them (see
    :mod:`nbnet.kernels.updates`).

    code : the rule's code (:data:`nbnet.kernels.updates.UPDATES`).
    slots : (n_slots, P) state in the parameters' dtype, updated in place.
    hyper : float64 hyper-parameters of the rule.
    rates : float64 learning rate of each step of the epoch, one per batch.
    decays : float64 decoupled weight decay ``η_t λ`` of each step (AdamW; zeros otherwise).
    clip : the bound on each batch's gradient norm, or None for no clipping (Numba then
        prunes the norm's pass at typing: an unclipped fit does not compile it).
    """

    code: int
    slots: np.ndarray
    hyper: np.ndarray
    rates: np.ndarray
    decays: np.ndarray
    clip: float | None


class Workspace(NamedTuple):
    """Buffers for batches of up to ``capacity`` rows, allocated once per fit.

    inputs : (capacity, n_features) gathered dense rows; (0, n_features) for sparse input.
    targets : (capacity, n_outputs) gathered targets.
    weights : (capacity,) gathered sample weights; empty when there are none.
    activations, deltas : flat per-layer workspaces (see :mod:`nbnet.kernels.network`).
    transposed : scratch for one transposed weight matrix
        (:func:`nbnet.kernels.network.error_product`).
    gradient : (P,) the gradient of the last batch (of the full batch for L-BFGS).
    """

    inputs: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    activations: np.ndarray
    deltas: np.ndarray
    transposed: np.ndarray
    gradient: np.ndarray


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
    )


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
def _batch_gradient(model, data, rows, work, dropout, batch):
    """Gather the batch ``rows`` into ``work`` and put its gradient into ``work.gradient``.

    Returns the batch's loss (see :func:`nbnet.kernels.network.backprop`) and its total
    sample weight. ``dropout`` (or None) and ``batch``, the batch's index in the epoch, as
    :func:`nbnet.kernels.network.backprop` takes them.
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
    total_weight = _total_weight(swb, m)
    loss = backprop(model.theta, work.gradient, model.layout, A0, data.sparse, rows, Yb, swb,
                    total_weight, work.activations, work.deltas, work.transposed,
                    work.targets.shape[0], dropout, batch)
    return loss, total_weight


@subroutine
def _clip_scale(clip, theta, grad, n_coefs, l2):
    """The factor that scales the batch's gradient (L2 term included) to norm ``clip`` where
    it is longer; 1.0 when ``clip`` is None, a branch Numba prunes at typing (``clip`` must be
    an argument for that, not an attribute)."""
    if clip is None:
        return 1.0
    norm = gradient_norm(theta, grad, n_coefs, l2)
    return clip / norm if norm > clip else 1.0


@jit
def stochastic_epoch(model, data, order, batch_size, alpha, optimizer, work, dropout):
    """One epoch of mini-batch training over ``data`` in the row order ``order``.

    Parameters
    ----------
    model : :class:`nbnet.kernels.network.Model`; its ``theta`` is updated in place.
    data : :class:`Data`.
    order : int64 row order; consecutive slices of ``batch_size`` rows form the batches.
    batch_size : rows per batch (the last batch may have fewer).
    alpha : L2 strength.
    optimizer : :class:`OptimizerState`; its ``slots`` are updated in place, and its
        ``rates`` and ``decays`` hold at least :func:`n_batches` entries. With a ``clip``,
        a batch's gradient (L2 term included) is scaled to that norm where it is longer:
        one more pass over the gradient, only then.
    work : :class:`Workspace` for batches of ``batch_size`` rows.
    dropout : :class:`nbnet.kernels.dropout.Dropout` with masks for batches of ``batch_size``
        rows, or None for no dropout (the dropout branches are then pruned).

    Returns
    -------
    loss_sum : float
        Σ over batches of (penalised batch loss × batch rows), as scikit-learn accumulates.
        Non-finite if a batch's loss was: the epoch then stops before that batch's update.
    steps : int
        Number of updates made.
    """
    theta = model.theta
    n_coefs = model.layout.intercept_offsets[0]
    loss_sum = 0.0
    steps = 0
    for start in range(0, order.shape[0], batch_size):
        rows = order[start : start + batch_size]
        loss, total_weight = _batch_gradient(model, data, rows, work, dropout, steps)
        if not np.isfinite(loss):
            return loss, steps
        l2 = alpha / total_weight
        scale = _clip_scale(optimizer.clip, theta, work.gradient, n_coefs, l2)
        sq = update(optimizer.code, theta, work.gradient, optimizer.slots, n_coefs, l2,
                    optimizer.rates[steps], optimizer.decays[steps], scale, optimizer.hyper)
        steps += 1
        loss_sum += (loss + 0.5 * alpha * sq / total_weight) * rows.shape[0]
    return loss_sum, steps


@jit
def loss_and_gradient(model, data, alpha, work):
    """Full-batch penalised loss, and its gradient into ``work.gradient``, for scipy's L-BFGS-B.

    ``work`` is a :class:`Workspace` sized for all ``n`` rows; dense ``data.X`` is used in place.
    """
    theta, layout = model
    grad = work.gradient
    n = data.Y.shape[0]
    rows = np.arange(n)
    total_weight = _total_weight(data.sw, n)
    loss = backprop(theta, grad, layout, data.X, data.sparse, rows, data.Y, data.sw,
                    total_weight, work.activations, work.deltas, work.transposed, n)
    n_coefs = layout.intercept_offsets[0]
    l2 = theta.dtype.type(alpha / total_weight)
    sq = 0.0
    for i in range(n_coefs):
        w = theta[i]
        sq += w * w
        grad[i] += l2 * w
    return loss + 0.5 * alpha * sq / total_weight
