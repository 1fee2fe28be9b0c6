"""Layout, forward pass (``predict``) and ``backprop`` of ``nbnet.network`` against the NumPy twins."""

import numpy as np
import pytest

import naive
from conftest import (HIDDEN, OUTPUT_CASES, OUTPUT_IDS, assert_close, codes, csr_arrays, f64,
                      inputs, no_sparse, no_weights, parameters, sample_weights, targets)
from nbnet import network

N_FEATURES, HIDDEN_UNITS = 4, [5, 3]  # two hidden layers, so δ flows through a hidden GEMM


def test_layout_matches_sklearn_packing():
    """Offsets, sizes and ``unpack`` views follow scikit-learn's order (coefs row-major, then
    intercepts); the views alias the flat vector."""
    units = [3, 4, 2]
    layout = network.make_layout(units)
    assert all(a.dtype == np.int64 for a in layout)
    assert network.n_parameters(layout) == 3 * 4 + 4 * 2 + 4 + 2
    assert network.n_coefficients(layout) == 3 * 4 + 4 * 2
    theta = np.arange(network.n_parameters(layout), dtype=np.float64)
    coefs, intercepts = network.unpack(theta, layout)
    ref_coefs, ref_intercepts = naive.split(theta, units)
    for ours, ref in zip(coefs + intercepts, ref_coefs + ref_intercepts):
        np.testing.assert_array_equal(ours, ref)
    coefs[1][0, 1] = -1.0
    intercepts[0][2] = -2.0
    assert theta[12 + 1] == -1.0 and theta[20 + 2] == -2.0
    assert network.workspace_size(layout, 5) == 5 * (4 + 2)


def _problem(dtype, out, n_out, n=9, seed=0, density=None):
    rng = np.random.default_rng(seed)
    units = [N_FEATURES, *HIDDEN_UNITS, n_out]
    layout = network.make_layout(units)
    theta = parameters(rng, layout, dtype)
    X = inputs(rng, n, N_FEATURES, dtype, density)
    Y = targets(rng, out, n, n_out, dtype)
    return rng, units, layout, theta, X, Y


@pytest.mark.parametrize("chunk", [3, 9, 16])
@pytest.mark.parametrize("out,n_out", OUTPUT_CASES, ids=OUTPUT_IDS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_predict(dtype, hidden, out, n_out, chunk):
    """``predict`` gives the network's outputs A_L for every row, whatever the chunk size
    (smaller than, equal to, larger than the number of rows)."""
    _, units, layout, theta, X, _ = _problem(dtype, out, n_out)
    h, k = codes(hidden, out)
    expected = naive.forward(*naive.split(f64(theta), units), f64(X), hidden, out)[-1]
    result = np.full((X.shape[0], n_out), np.nan, dtype)
    network.predict(theta, layout, h, k, X, no_sparse(dtype), result,
                    np.empty(network.workspace_size(layout, chunk), dtype))
    assert_close(result, expected, dtype)


@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("exp", 2)])
@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_predict_sparse(dtype, hidden, out, n_out):
    """CSR input (with an empty row) gives the same outputs as the same matrix dense."""
    _, units, layout, theta, X, _ = _problem(dtype, out, n_out, density=0.4)
    h, k = codes(hidden, out)
    arrays, M = csr_arrays(X)
    dense = np.empty((X.shape[0], n_out), dtype)
    sparse = np.full((X.shape[0], n_out), np.nan, dtype)
    work = np.empty(network.workspace_size(layout, 4), dtype)
    network.predict(theta, layout, h, k, X, no_sparse(dtype), dense, work)
    network.predict(theta, layout, h, k, np.empty((0, N_FEATURES), dtype), arrays, sparse, work)
    expected = naive.forward(*naive.split(f64(theta), units), f64(M), hidden, out)[-1]
    assert_close(sparse, expected, dtype)
    assert_close(sparse, dense, dtype)


def _backprop(dtype, hidden, out, n_out, weighted, sparse_input, density=None):
    """Run ``backprop`` on a non-contiguous subset of rows, with a workspace larger than the batch.

    Returns (loss, grad, expected loss, expected grad); expectations are float64, alpha = 0.
    """
    rng, units, layout, theta, X, Y = _problem(dtype, out, n_out, n=12, seed=1,
                                               density=density)
    h, k = codes(hidden, out)
    rows = np.array([7, 0, 3, 11, 5, 8, 1], dtype=np.int64)
    m, capacity = len(rows), 10
    sw_all = sample_weights(rng, 12, dtype)
    swb = sw_all[rows] if weighted else no_weights(dtype)
    S = float(swb.sum()) if weighted else float(m)
    Yb = np.ascontiguousarray(Y[rows])
    size = network.workspace_size(layout, capacity)
    acts, deltas = np.empty(size, dtype), np.empty(size, dtype)
    grad = np.full(network.n_parameters(layout), np.nan, dtype)
    if sparse_input:
        arrays, M = csr_arrays(X)
        A0, X_ref = np.empty((0, N_FEATURES), dtype), f64(M)[rows]
    else:
        arrays, A0 = no_sparse(dtype), np.ascontiguousarray(X[rows])
        X_ref = f64(A0)
    value = network.backprop(theta, grad, layout, h, k, A0, arrays, rows, Yb, swb, S,
                             acts, deltas, capacity)
    exp_value, exp_grad = naive.flat_loss_and_grad(
        f64(theta), units, X_ref, f64(Yb), hidden, out, 0.0, f64(swb) if weighted else None,
        eps=np.finfo(dtype).eps)
    return value, grad, exp_value, exp_grad


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("out,n_out", OUTPUT_CASES, ids=OUTPUT_IDS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop(dtype, hidden, out, n_out, weighted):
    """``backprop`` on a gathered batch gives scikit-learn's unpenalised batch loss and the
    gradient of every weight and bias (``grad`` starts as NaN, so every entry is written)."""
    value, grad, exp_value, exp_grad = _backprop(dtype, hidden, out, n_out, weighted, False)
    assert_close(value, exp_value, dtype)
    assert_close(grad, exp_grad, dtype)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("logistic", 3), ("identity", 2)],
                         ids=["softmax", "multilabel", "identity"])
@pytest.mark.parametrize("hidden", ["logistic", "relu"])
def test_backprop_sparse(dtype, hidden, out, n_out, weighted):
    """With CSR input the batch is read through ``rows`` from the whole matrix (never densified),
    and loss and gradient equal the dense computation on the same rows."""
    value, grad, exp_value, exp_grad = _backprop(dtype, hidden, out, n_out, weighted, True, 0.5)
    assert_close(value, exp_value, dtype)
    assert_close(grad, exp_grad, dtype)
    d_value, d_grad, _, _ = _backprop(dtype, hidden, out, n_out, weighted, False, 0.5)
    assert_close(value, d_value, dtype)
    assert_close(grad, d_grad, dtype)
