"""Dropout (``nbnet.kernels.dropout``) against its NumPy twin: the masks bit for bit, the masked
forward and backward pass, a whole epoch, and the gradient by central differences."""

import contextlib

import numpy as np
import pytest

import naive
from conftest import HIDDEN, assert_close, f64, no_sparse, problem, sample_weights
from nbnet import optimizers, threads as nbnet_threads
from nbnet.kernels import dropout, epochs, network
from nbnet.threads import HalvesHelper

N_FEATURES, HIDDEN_UNITS = 4, [37, 9]  # widths with vector remainders
RATES, SEED = [0.3, 0.5], 2**63 + 12345  # a seed above int64's range: uint64 throughout


def _backprop(dtype, hidden, out, n_out, rates, step, batch, theta=None, parameter=0.0, m=7):
    """``backprop`` with dropout on ``m`` non-contiguous rows of 12, sample weights, the loss's
    ``parameter``; returns (loss, grad, masks as drawn, units, theta, the batch's inputs,
    targets, weights and data rows)."""
    units = [N_FEATURES, *HIDDEN_UNITS, n_out]
    rng, layout, theta0, X, Y = problem(3, dtype, units, hidden, out, 12)
    layout = layout._replace(output_parameter=parameter)
    theta = theta0 if theta is None else theta
    rows = np.array([7, 0, 3, 11, 5, 8, 1], dtype=np.int64)[:m]
    capacity = m + 2
    swb = sample_weights(rng, 12, dtype)[rows]
    S = float(swb.sum())
    A0, Yb = np.ascontiguousarray(X[rows]), np.ascontiguousarray(Y[rows])
    size = network.workspace_size(layout, capacity)
    drop = dropout.make_dropout(rates, SEED, size, dtype)._replace(step=step)
    drop.masks[:] = np.nan
    grad = np.full(network.n_parameters(layout), np.nan, dtype)
    value = network.backprop(theta, grad, layout, A0, no_sparse(dtype), rows, Yb, swb, S,
                             np.empty(size, dtype), np.empty(size, dtype),
                             np.empty(network.transposed_size(layout), dtype), capacity, drop,
                             batch)
    masks = [network.layer_block(drop.masks, layout, capacity, i, m) for i in range(2)]
    return value, grad, masks, units, theta, A0, Yb, swb, rows


def test_masks_match_twin(dtype):
    """The kernel's masks are the twin's hash bit for bit: batch 2 of an epoch after 5 steps
    draws step 7's masks, keyed by the data rows; factors 0 or 1/(1 − rate) in the dtype."""
    *_, masks, units, _, _, _, _, rows = _backprop(dtype, "relu", "softmax", 3, RATES, 5, 2)
    expected = naive.dropout_masks(SEED, 7, rows, units[1:-1], RATES, dtype)
    for mask, twin in zip(masks, expected):
        np.testing.assert_array_equal(mask, twin)
        assert 0 < (mask == 0).mean() < 1


@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("identity", 2), ("huber", 2)])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_with_dropout(dtype, hidden, out, n_out):
    """Loss and gradient with dropout equal the twin's with the same masks: masked outputs
    forward, masked errors backward, the activations' derivatives of the unmasked outputs."""
    value, grad, masks, units, theta, A0, Yb, swb, rows = _backprop(
        dtype, hidden, out, n_out, RATES, 0, 4, parameter=0.8)
    e_value, e_grad = naive.flat_loss_and_grad(
        f64(theta), units, f64(A0), f64(Yb), hidden, out, 0.0, f64(swb),
        eps=np.finfo(dtype).eps, parameter=0.8, masks=[f64(mask) for mask in masks])
    assert_close(value, e_value, dtype)
    # float32: restoring f(Z) from the masked output costs up to two roundings per value
    assert_close(grad, e_grad, dtype, factor=2)


def test_rate_zero_layer_is_not_masked(dtype):
    """A layer of rate 0 is skipped: the network is the undropped one there."""
    *_, masks, units, _, _, _, _, rows = _backprop(dtype, "tanh", "softmax", 3, [0.0, 0.5], 0, 0)
    expected = naive.dropout_masks(SEED, 0, rows, units[1:-1], [0.0, 0.5], dtype)
    np.testing.assert_array_equal(expected[0], 1)
    np.testing.assert_array_equal(masks[1], expected[1])


def test_make_dropout_without_rates_is_none():
    """Rates of 0 everywhere give None: the epoch compiled without dropout, exactly."""
    assert dropout.make_dropout([0.0, 0.0], 1, 10, np.float64) is None
    assert dropout.thresholds([0.0, 0.5, 1 - 2.0**-53]).tolist() == [0, 2**52, 2**53 - 1]


def test_twin_masks_are_uniform_and_independent():
    """The hash (the twin, equal to the kernel bit for bit above) drops the stated fraction,
    and masks of other steps, layers and rows are uncorrelated with each other."""
    rows = np.arange(400)
    for rate in (0.1, 0.5, 0.9):
        mask = naive.dropout_masks(7, 0, rows, [500], [rate])[0]
        assert abs((mask == 0).mean() - rate) < 4 * np.sqrt(rate * (1 - rate) / mask.size)
    base = naive.dropout_masks(7, 0, rows, [500, 500], [0.5, 0.5])
    others = [naive.dropout_masks(7, 1, rows, [500], [0.5])[0], base[1],
              naive.dropout_masks(7, 0, rows + 400, [500], [0.5])[0],
              naive.dropout_masks(8, 0, rows, [500], [0.5])[0]]
    for other in others:  # step, layer, rows, seed: 2e5 pairs, |r| < 0.01 is 4.5 σ
        assert abs(np.corrcoef(base[0].ravel(), other.ravel())[0, 1]) < 0.01


@pytest.mark.parametrize("threads", [None, 1, 2], ids=["whole", "halves", "helper"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_epoch_with_dropout(dtype, solver, threads, monkeypatch):
    """A whole epoch with dropout equals the twin's loop: batch b after t earlier updates draws
    the masks of step t + b, keyed by the data rows of the shuffled batch; also with batches
    split in halves (``threads`` 1 or 2), whose masks are keyed alike."""
    units = [N_FEATURES, *HIDDEN_UNITS, 3]
    rng, layout, theta, X, Y = problem(4, dtype, units, "relu", "softmax", 11)
    sw = sample_weights(rng, 11, dtype)
    order = rng.permutation(11).astype(np.int64)
    opt = optimizers.make_optimizer(solver, theta.size, dtype, {"learning_rate_init": 0.05})
    opt.t = 3
    theta0 = f64(theta)
    work = epochs.make_workspace(layout, 4, dtype, weighted=True)
    drop = dropout.make_dropout(RATES, SEED, network.workspace_size(layout, 4), dtype)
    halves = None if threads is None else epochs.make_halves(layout, 4, dtype, threads,
                                                             weighted=True, dropout=drop)
    monkeypatch.setattr(nbnet_threads, "BLAS_SPIN_SECONDS", 0.0)  # the helper starts at once
    with HalvesHelper(halves) if threads == 2 else contextlib.nullcontext() as helper:
        loss_sum = opt.epochs(network.Model(theta, layout),
                              epochs.make_data(X, no_sparse(dtype), Y, sw), order, 4, 0.1, work,
                              None, drop, halves, helper)[0][0]
    assert threads != 2 or halves.sync[epochs.POSTED] == 1
    e_theta, _, e_loss_sum, e_t = naive.epoch(
        theta0, units, f64(X), f64(Y), f64(sw), order, 4, "relu", "softmax", 0.1, solver, 0.05,
        [np.zeros_like(theta0)] * (1 if solver == "sgd" else 2), t=3, eps=np.finfo(dtype).eps,
        dropout=(RATES, SEED))
    assert opt.t == e_t == 6
    assert_close(loss_sum, e_loss_sum, dtype)
    assert_close(theta, e_theta, dtype, factor=2)


def test_gradient_with_a_fixed_mask_matches_central_differences():
    """With its masks fixed (same seed, step and rows), the dropped network's loss is smooth in
    the weights, and backprop's gradient is its derivative (float64, sample weights, tanh)."""
    units = [N_FEATURES, *HIDDEN_UNITS, 3]
    theta = problem(3, np.float64, units, "tanh", "softmax", 12)[2]

    def loss_grad(t):
        return _backprop(np.float64, "tanh", "softmax", 3, RATES, 2, 1, theta=t)[:2]

    grad = loss_grad(theta)[1]
    step = 1e-5
    fd = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = step
        fd[i] = (loss_grad(theta + e)[0] - loss_grad(theta - e)[0]) / (2 * step)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max())
