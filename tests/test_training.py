"""Compiled drivers (``nbnet.training``): a whole epoch and the full-batch loss/gradient."""

import numba
import numpy as np
import pytest

import naive
from conftest import (HIDDEN, OUTPUT_CASES, OUTPUT_IDS, assert_close, codes, csr_arrays, f64,
                      inputs, no_sparse, no_weights, parameters, sample_weights, targets)
from nbnet import network, optimizers, training

N, N_FEATURES, BATCH = 11, 4, 4  # batches of 4, 4 and a last partial one of 3
LR = {"sgd": 0.1, "adam": 0.01}
# name: (solver, momentum, nesterov, Adam steps before the epoch, optimizer state starts at 0)
SOLVERS = {
    "sgd-momentum": ("sgd", 0.9, False, 0, False),
    "sgd-nesterov": ("sgd", 0.9, True, 0, False),
    "adam-fresh": ("adam", 0.0, False, 0, True),
    "adam-warm": ("adam", 0.0, False, 3, False),
}
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-8


def _data(dtype, out, n_out, weighted, density, seed, hidden_units=(5, 3)):
    rng = np.random.default_rng(seed)
    units = [N_FEATURES, *hidden_units, n_out]
    layout = network.make_layout(units)
    theta = parameters(rng, layout, dtype)
    X = inputs(rng, N, N_FEATURES, dtype, density)
    Y = targets(rng, out, N, n_out, dtype)
    sw = sample_weights(rng, N, dtype) if weighted else no_weights(dtype)
    return rng, units, layout, theta, X, Y, sw


def _run_epoch(dtype, hidden, out, n_out, solver_name, weighted, sparse_input, density=None,
               alpha=0.3, seed=0, hidden_units=(5, 3), poison_batch=None):
    """One epoch through ``train_epoch`` and through the naive loop; returns both results.

    With ``poison_batch``, an inf goes into the first row of that batch and the naive loop
    runs only the batches before it.
    """
    rng, units, layout, theta, X, Y, sw = _data(dtype, out, n_out, weighted, density, seed,
                                                hidden_units)
    solver, momentum, nesterov, step0, fresh = SOLVERS[solver_name]
    P = network.n_parameters(layout)
    opt = optimizers.StochasticOptimizer(solver, P, dtype, LR[solver], momentum=momentum,
                                         nesterov=nesterov, beta_1=BETA_1, beta_2=BETA_2,
                                         epsilon=EPSILON)
    if not fresh:  # optimizer state carried over from earlier epochs
        opt.first_moment[:] = 0.1 * rng.normal(size=P)
        if solver == "adam":
            opt.second_moment[:] = rng.uniform(0.01, 0.1, P)
    state0 = [f64(opt.first_moment)] + ([f64(opt.second_moment)] if solver == "adam" else [])
    permutation = rng.permutation(N).astype(np.int64)
    naive_rows = permutation
    if poison_batch is not None:
        X[permutation[poison_batch * BATCH], 0] = np.inf
        naive_rows = permutation[: poison_batch * BATCH]
    h, k = codes(hidden, out)
    work = training.make_workspace(layout, BATCH, dtype, sparse_input=sparse_input,
                                   weighted=weighted)
    if sparse_input:
        arrays, M = csr_arrays(X)
        X_in, X_ref = np.empty((0, N_FEATURES), dtype), f64(M)
    else:
        arrays, X_in, X_ref = no_sparse(dtype), X, f64(X)
    theta0 = f64(theta)
    grad = np.empty(P, dtype)
    opt.t = step0
    loss_sum = training.train_epoch(theta, grad, opt, layout, h, k, X_in, arrays, Y, sw,
                                    permutation, BATCH, alpha, work)
    step = opt.t
    expected = naive.epoch(theta0, units, X_ref, f64(Y), f64(sw) if weighted else None,
                           naive_rows, BATCH, hidden, out, alpha, solver, LR[solver], state0,
                           step0, momentum, nesterov, BETA_1, BETA_2, EPSILON,
                           eps=np.finfo(dtype).eps)
    state = [opt.first_moment] + ([opt.second_moment] if solver == "adam" else [])
    return (theta, state, loss_sum, step), expected, layout


def _check_epoch(result, expected, dtype):
    (theta, state, loss_sum, step), (e_theta, e_state, e_loss_sum, e_step) = result, expected
    assert step == e_step
    assert_close(loss_sum, e_loss_sum, dtype)
    assert_close(theta, e_theta, dtype)
    assert_close(state[0], e_state[0], dtype)
    if len(state) == 2:
        # float32: v ∝ g² doubles g's error, and A − Y cancels for confident outputs (seen: 4.5e-5)
        assert_close(state[1], e_state[1], dtype, factor=5 if dtype == np.float32 else 1)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("out,n_out", OUTPUT_CASES, ids=OUTPUT_IDS)
def test_train_epoch(dtype, out, n_out, solver, weighted):
    """One epoch over a shuffled permutation (last batch partial, L2 on) equals the naive loop:
    same parameters, optimizer state, Adam step count and Σ penalised batch loss × batch rows."""
    result, expected, _ = _run_epoch(dtype, "tanh", out, n_out, solver, weighted, False)
    _check_epoch(result, expected, dtype)


@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_train_epoch_hidden_activations(dtype, hidden, solver):
    """The epoch matches the naive loop for every hidden activation (multiclass, weighted)."""
    result, expected, _ = _run_epoch(dtype, hidden, "softmax", 3, solver, True, False, seed=1)
    _check_epoch(result, expected, dtype)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("identity", 2)],
                         ids=["softmax", "identity"])
def test_train_epoch_sparse(dtype, out, n_out, solver, weighted):
    """CSR input trains exactly like the same matrix dense (and like the naive loop)."""
    sparse, expected, _ = _run_epoch(dtype, "relu", out, n_out, solver, weighted, True, density=0.5)
    _check_epoch(sparse, expected, dtype)
    dense, _, _ = _run_epoch(dtype, "relu", out, n_out, solver, weighted, False, density=0.5)
    _check_epoch(sparse, dense, dtype)


@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam-warm"])
def test_train_epoch_stops_on_non_finite_loss(dtype, solver):
    """A batch whose loss is not finite (an inf input) ends the epoch before its update: the
    parameters, moments and step count are those after the earlier batches, the loss non-finite."""
    (theta, state, loss_sum, step), expected, _ = _run_epoch(
        dtype, "identity", "identity", 2, solver, False, False, poison_batch=1)
    assert not np.isfinite(loss_sum)
    assert step == expected[3]
    assert_close(theta, expected[0], dtype)
    assert_close(state[0], expected[1][0], dtype)


@pytest.mark.parametrize("sparse_input", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("out,n_out", OUTPUT_CASES, ids=OUTPUT_IDS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_loss_and_gradient(dtype, hidden, out, n_out, weighted, alpha, sparse_input):
    """The full-batch penalised loss and gradient (L-BFGS's objective) equal the naive ones:
    loss + ½α Σ‖W‖²/S and (Aᵀδ + αW)/S, Σδ/S; ``grad`` starts as NaN."""
    rng, units, layout, theta, X, Y, sw = _data(dtype, out, n_out, weighted,
                                                0.5 if sparse_input else None, seed=2)
    h, k = codes(hidden, out)
    work = training.make_workspace(layout, N, dtype, sparse_input=sparse_input, weighted=weighted)
    if sparse_input:
        arrays, M = csr_arrays(X)
        X_in, X_ref = np.empty((0, N_FEATURES), dtype), f64(M)
    else:
        arrays, X_in, X_ref = no_sparse(dtype), X, f64(X)
    grad = np.full(network.n_parameters(layout), np.nan, dtype)
    value = training.loss_and_gradient(theta, grad, layout, h, k, X_in, arrays, Y, sw, alpha, work)
    e_value, e_grad = naive.flat_loss_and_grad(f64(theta), units, X_ref, f64(Y), hidden, out,
                                               alpha, f64(sw) if weighted else None,
                                               eps=np.finfo(dtype).eps)
    assert_close(value, e_value, dtype)
    assert_close(grad, e_grad, dtype)


def test_train_epoch_compiles_once_per_dtype():
    """Networks of 1, 2 and 3 hidden layers share one compiled Adam epoch per dtype: the
    Layout's Numba type does not depend on depth, and no call after the first of a dtype adds
    a signature."""
    layout_types = {numba.typeof(network.make_layout([4, *h, 2])) for h in ([5], [5, 4], [5, 4, 3])}
    assert len(layout_types) == 1
    for dtype in (np.float64, np.float32):
        before = len(training.adam_epoch.signatures)
        counts = []
        for hidden_units in ([5], [5, 4], [5, 4, 3]):
            _run_epoch(dtype, "tanh", "identity", 2, "adam-warm", True, False,
                       hidden_units=hidden_units)
            counts.append(len(training.adam_epoch.signatures))
        assert counts[0] <= before + 1, "more than one new signature for one dtype"
        assert counts == [counts[0]] * 3, f"signatures grew with depth: {counts}"
    assert len(training.adam_epoch.nopython_signatures) == len(training.adam_epoch.signatures)
