"""Compiled entry points (``nbnet.kernels.epochs``): a whole epoch and the full-batch loss/gradient."""

import contextlib

import numba
import numpy as np
import pytest

import naive
from conftest import (HIDDEN, OUTPUT_CASES, OUTPUT_IDS, assert_close, csr_arrays, f64, no_sparse,
                      no_weights, problem, sample_weights)
from nbnet import optimizers, threads
from nbnet.kernels import epochs, network
from nbnet.threads import HalvesHelper

N, N_FEATURES, BATCH = 11, 4, 4  # batches of 4, 4 and a last partial one of 3
LR = {"sgd": 0.1, "adam": 0.01, "adamw": 0.01, "rmsprop": 0.01, "adagrad": 0.05}
# name: (solver, momentum, nesterov, Adam steps before the epoch, optimizer state starts at 0)
SOLVERS = {
    "sgd-momentum": ("sgd", 0.9, False, 0, False),
    "sgd-nesterov": ("sgd", 0.9, True, 0, False),
    "adam-fresh": ("adam", 0.0, False, 0, True),
    "adam-warm": ("adam", 0.0, False, 3, False),
    "adamw-warm": ("adamw", 0.0, False, 3, False),
    "rmsprop-warm": ("rmsprop", 0.0, False, 3, False),
    "adagrad-warm": ("adagrad", 0.0, False, 3, False),
}
BETA_1, BETA_2, EPSILON, RHO, WEIGHT_DECAY = 0.9, 0.999, 1e-8, 0.9, 0.5


@pytest.fixture(autouse=True)
def helpers_start_at_once(monkeypatch):
    """A helper thread takes the first epoch handed to it (not waiting for BLAS's threads)."""
    monkeypatch.setattr(threads, "BLAS_SPIN_SECONDS", 0.0)


def _data(dtype, hidden, out, n_out, weighted, density, seed, hidden_units=(5, 3), n=N):
    units = [N_FEATURES, *hidden_units, n_out]
    rng, layout, theta, X, Y = problem(seed, dtype, units, hidden, out, n, density)
    sw = sample_weights(rng, n, dtype) if weighted else no_weights(dtype)
    return rng, units, layout, theta, X, Y, sw


def _run_epoch(dtype, hidden, out, n_out, solver_name, weighted, sparse_input, density=None,
               alpha=0.3, seed=0, hidden_units=(5, 3), poison_batch=None, clip=None,
               threads=None, n=N):
    """One epoch through ``Optimizer.epochs`` and through the naive loop; returns both results.

    With ``poison_batch``, an inf goes into the first row of that batch and the naive loop
    runs only the batches before it. ``threads`` 1 or 2 splits each batch in two halves
    (:class:`nbnet.kernels.epochs.Halves`), on one thread or with a helper thread; ``n`` rows.
    """
    rng, units, layout, theta, X, Y, sw = _data(dtype, hidden, out, n_out, weighted, density,
                                                seed, hidden_units, n)
    solver, momentum, nesterov, step0, fresh = SOLVERS[solver_name]
    P = network.n_parameters(layout)
    params = dict(learning_rate_init=LR[solver], learning_rate="constant", momentum=momentum,
                  nesterovs_momentum=nesterov, power_t=0.5, beta_1=BETA_1, beta_2=BETA_2,
                  epsilon=EPSILON, rho=RHO, weight_decay=WEIGHT_DECAY, clip_grad_norm=clip)
    opt = optimizers.make_optimizer(solver, P, dtype, params)
    if not fresh:  # optimizer state carried over from earlier epochs
        opt.slots[0] = 0.1 * rng.normal(size=P)
        if solver != "sgd":  # the last slot is v, non-negative
            opt.slots[-1] = rng.uniform(0.01, 0.1, P)
    # the naive loop's state: RMSprop's and Adagrad's is v, the last slot (Adam's loop with
    # β₁ = 0 leaves the last gradient in the first)
    rule_state = slice(-1, None) if solver in ("rmsprop", "adagrad") else slice(None)
    state0 = [f64(slot) for slot in opt.slots[rule_state]]
    permutation = rng.permutation(n).astype(np.int64)
    naive_rows = permutation
    if poison_batch is not None:
        X[permutation[poison_batch * BATCH], 0] = np.inf
        naive_rows = permutation[: poison_batch * BATCH]
    work = epochs.make_workspace(layout, BATCH, dtype, sparse_input=sparse_input,
                                 weighted=weighted)
    if sparse_input:
        arrays, M = csr_arrays(X)
        X_in, X_ref = np.empty((0, N_FEATURES), dtype), f64(M)
    else:
        arrays, X_in, X_ref = no_sparse(dtype), X, f64(X)
    theta0 = f64(theta)
    opt.t = step0
    halves = None if threads is None else epochs.make_halves(
        layout, BATCH, dtype, threads, sparse_input=sparse_input, weighted=weighted)
    with HalvesHelper(halves) if threads == 2 else contextlib.nullcontext() as helper:
        loss_sum = opt.epochs(network.Model(theta, layout), epochs.make_data(X_in, arrays, Y, sw),
                              permutation, BATCH, alpha, work, None, None, halves, helper)[0][0]
    if threads == 2:
        assert halves.sync[epochs.POSTED] == 1  # the helper ran the second halves
    expected = naive.epoch(theta0, units, X_ref, f64(Y), f64(sw) if weighted else None,
                           naive_rows, BATCH, hidden, out, alpha, solver, LR[solver], state0,
                           step0, momentum, nesterov, BETA_1, BETA_2, EPSILON,
                           eps=np.finfo(dtype).eps, rho=RHO, weight_decay=WEIGHT_DECAY, clip=clip)
    return (theta, list(opt.slots[rule_state]), loss_sum, opt.t), expected, layout


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
def test_stochastic_epochs(dtype, out, n_out, solver, weighted):
    """One epoch over a shuffled permutation (last batch partial, L2 on) equals the naive loop:
    same parameters, optimizer state, Adam step count and Σ penalised batch loss × batch rows."""
    result, expected, _ = _run_epoch(dtype, "tanh", out, n_out, solver, weighted, False)
    _check_epoch(result, expected, dtype)


@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_stochastic_epoch_hidden_activations(dtype, hidden, solver):
    """The epoch matches the naive loop for every hidden activation (multiclass, weighted)."""
    result, expected, _ = _run_epoch(dtype, hidden, "softmax", 3, solver, True, False, seed=1)
    _check_epoch(result, expected, dtype)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("identity", 2)],
                         ids=["softmax", "identity"])
def test_stochastic_epoch_sparse(dtype, out, n_out, solver, weighted):
    """CSR input trains exactly like the same matrix dense (and like the naive loop)."""
    sparse, expected, _ = _run_epoch(dtype, "relu", out, n_out, solver, weighted, True, density=0.5)
    _check_epoch(sparse, expected, dtype)
    dense, _, _ = _run_epoch(dtype, "relu", out, n_out, solver, weighted, False, density=0.5)
    _check_epoch(sparse, dense, dtype)


@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam-warm"])
def test_stochastic_epoch_stops_on_non_finite_loss(dtype, solver):
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
    loss + ½α Σ‖W‖²/S and (Aᵀδ + αW)/S, Σδ/S; the gradient starts as NaN."""
    rng, units, layout, theta, X, Y, sw = _data(dtype, hidden, out, n_out, weighted,
                                                0.5 if sparse_input else None, seed=2)
    work = epochs.make_workspace(layout, N, dtype, sparse_input=sparse_input, weighted=weighted)
    if sparse_input:
        arrays, M = csr_arrays(X)
        X_in, X_ref = np.empty((0, N_FEATURES), dtype), f64(M)
    else:
        arrays, X_in, X_ref = no_sparse(dtype), X, f64(X)
    work.gradient[:] = np.nan
    value = epochs.loss_and_gradient(network.Model(theta, layout),
                                     epochs.make_data(X_in, arrays, Y, sw), alpha, work,
                                     np.arange(N))
    e_value, e_grad = naive.flat_loss_and_grad(f64(theta), units, X_ref, f64(Y), hidden, out,
                                               alpha, f64(sw) if weighted else None,
                                               eps=np.finfo(dtype).eps)
    assert_close(value, e_value, dtype)
    assert_close(work.gradient, e_grad, dtype)


# depths and per-layer activation mixes that one compiled function serves: one family of
# scikit-learn's activations, and one with nbnet's own (Layout.extended True)
NETWORKS = {
    None: [([5], ["tanh"]), ([5, 4], ["relu", "logistic"]), ([5, 4, 3], ["identity", "tanh", "relu"])],
    True: [([5, 4], ["gelu", "silu"]), ([5, 4, 3], ["leaky_relu", "elu", "softplus"]),
           ([5, 4], ["relu", "gelu"])],
}


def test_entry_points_compile_once_per_dtype_and_family():
    """Networks of 1, 2 and 3 hidden layers with different activation mixes, trained by SGD and
    by Adam and then predicted, share one compiled epoch and one compiled predict per dtype
    within each family: the Layout's Numba type depends on neither depth nor activations, nor
    the rule on its code, only on whether the network uses nbnet's own activations."""
    entry_points = (epochs.whole_epochs, network.predict)
    layout_types = set()
    for extended, networks in NETWORKS.items():
        layouts = [network.make_layout([4, *h, 2], mix, "identity") for h, mix in networks]
        assert {layout.extended for layout in layouts} == {extended}
        assert len({numba.typeof(layout) for layout in layouts}) == 1
        layout_types.add(numba.typeof(layouts[0]))
        for dtype in (np.float64, np.float32):
            before = [len(f.signatures) for f in entry_points]
            counts = []
            for (hidden_units, mix), layout in zip(networks, layouts):
                for solver in ("sgd-nesterov", "adam-warm"):
                    _run_epoch(dtype, mix, "identity", 2, solver, True, False,
                               hidden_units=hidden_units)
                theta = np.zeros(network.n_parameters(layout), dtype)
                network.predict_outputs(network.Model(theta, layout), np.ones((3, 4), dtype),
                                        no_sparse(dtype), np.empty((3, 2), dtype),
                                        np.empty(network.workspace_size(layout, 3), dtype))
                counts.append([len(f.signatures) for f in entry_points])
            assert all(c <= b + 1 for c, b in zip(counts[0], before)), "more than one new signature"
            assert counts == [counts[0]] * len(networks), f"signatures grew: {counts}"
    assert len(layout_types) == 2
    for f in entry_points:
        assert len(f.nopython_signatures) == len(f.signatures)


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_stochastic_epoch_with_gradient_clipping(dtype, solver):
    """A bound below the batches' gradient norms: the epoch equals the naive loop that scales
    each batch's penalised gradient to that norm."""
    result, expected, _ = _run_epoch(dtype, "tanh", "softmax", 3, solver, True, False, clip=0.05)
    _check_epoch(result, expected, dtype)


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_gradient_clipping_far_above_the_gradients_changes_nothing(dtype, solver):
    """A bound no gradient reaches leaves every step bit for bit as without clipping."""
    clipped, _, _ = _run_epoch(dtype, "tanh", "softmax", 3, solver, True, False, clip=1e30)
    plain, _, _ = _run_epoch(dtype, "tanh", "softmax", 3, solver, True, False)
    np.testing.assert_array_equal(clipped[0], plain[0])
    for a, b in zip(clipped[1], plain[1]):
        np.testing.assert_array_equal(a, b)
    assert clipped[2] == plain[2]


def test_clipped_sgd_steps_are_at_most_the_rate_times_the_bound(dtype):
    """Plain SGD (no momentum) moves the parameters by η·g: with clipping, no step is longer
    than η × the bound, while unclipped the first step is."""
    rng, units, layout, theta, X, Y, sw = _data(dtype, "tanh", "softmax", 3, False, None, 3)
    P, lr, bound = network.n_parameters(layout), 0.1, 0.05
    params = dict(learning_rate_init=lr, momentum=0.0, clip_grad_norm=bound)
    opt = optimizers.make_optimizer("sgd", P, dtype, params)
    work = epochs.make_workspace(layout, BATCH, dtype)
    data = epochs.make_data(X, no_sparse(dtype), Y, sw)
    steps = []
    for start in range(0, N, BATCH):  # one batch per epoch: every step seen
        before = f64(theta)
        opt.epochs(network.Model(theta, layout), data, np.arange(start, min(start + BATCH, N)),
                   BATCH, 0.3, work)
        steps.append(np.linalg.norm(f64(theta) - before))
    assert max(steps) <= lr * bound * (1 + 1e-5)
    theta = f64(theta)
    _, g = naive.flat_loss_and_grad(theta, units, f64(X[:BATCH]), f64(Y[:BATCH]), "tanh",
                                    "softmax", 0.3)
    assert np.linalg.norm(g) > bound  # the bound binds


# Halves (nbnet.kernels.epochs.Halves): 11 rows in batches of 4, 4 and 3 (halves of 2 + 2 and
# 2 + 1), or 9 rows (a last batch of one row: no second half); (80, 60) hidden units make the
# update's split point fall inside the weights (5,300 parameters, split at 4,096).
HALVES_CASES = {"11 rows": dict(n=11), "one-row batch": dict(n=9),
                "wide": dict(n=11, hidden_units=(80, 60))}


@pytest.mark.parametrize("case", list(HALVES_CASES))
@pytest.mark.parametrize("sparse_input", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam-warm", "adamw-warm"])
@pytest.mark.parametrize("threads", [1, 2])
def test_halves_epoch(dtype, threads, solver, sparse_input, case):
    """Batches computed as two halves whose gradients are summed, on one thread or with a
    helper thread, equal the naive loop (weighted, L2 on)."""
    result, expected, _ = _run_epoch(dtype, "relu", "softmax", 3, solver, True, sparse_input,
                                     density=0.5 if sparse_input else None, threads=threads,
                                     **HALVES_CASES[case])
    _check_epoch(result, expected, dtype)


@pytest.mark.parametrize("clip", [None, 0.05], ids=["unclipped", "clipped"])
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam-warm"])
def test_halves_are_bit_identical_on_one_thread_and_two(dtype, solver, clip):
    """The helper thread changes who computes, not what: parameters, state and loss sum are
    the same bit for bit (and clipping, which needs the whole gradient, matches the naive loop)."""
    results = []
    for threads in (1, 2):
        result, expected, _ = _run_epoch(dtype, "tanh", "softmax", 3, solver, True, False,
                                         clip=clip, threads=threads, hidden_units=(80, 60))
        _check_epoch(result, expected, dtype)
        results.append(result)
    (theta, state, loss_sum, step), (theta2, state2, loss_sum2, step2) = results
    np.testing.assert_array_equal(theta, theta2)
    for a, b in zip(state, state2):
        np.testing.assert_array_equal(a, b)
    assert (loss_sum, step) == (loss_sum2, step2)


@pytest.mark.parametrize("threads", [1, 2])
def test_clipped_halves_with_a_one_row_batch_match_the_naive_loop(dtype, threads):
    """Clipping with a last batch of one row, whose second half is empty and not summed,
    equals the naive loop on one thread and on two."""
    result, expected, _ = _run_epoch(dtype, "relu", "softmax", 3, "adam-warm", True, False,
                                     clip=0.05, threads=threads, **HALVES_CASES["one-row batch"])
    _check_epoch(result, expected, dtype)


@pytest.mark.parametrize("threads", [1, 2])
def test_halves_epoch_stops_on_non_finite_loss(dtype, threads):
    """A non-finite batch ends a split epoch before its update, on both threads."""
    (theta, state, loss_sum, step), expected, _ = _run_epoch(
        dtype, "identity", "identity", 2, "adam-warm", False, False, poison_batch=1,
        threads=threads)
    assert not np.isfinite(loss_sum)
    assert step == expected[3]
    assert_close(theta, expected[0], dtype)
