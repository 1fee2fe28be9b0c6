"""Layout, forward pass (``predict``) and ``backprop`` of ``nbnet.kernels.network`` against the NumPy
twins."""

import numpy as np
import pytest

import naive
from conftest import (HIDDEN, OUTPUT_CASES, OUTPUT_IDS, assert_close, csr_arrays, f64, no_sparse,
                      no_weights, problem, sample_weights)
from nbnet.kernels import activations, losses, network

N_FEATURES, HIDDEN_UNITS = 4, [5, 3]  # two hidden layers, so δ flows through a hidden GEMM


def test_layout_matches_sklearn_packing():
    """Offsets, sizes and ``unpack`` views follow scikit-learn's order (coefs row-major, then
    intercepts); the views alias the flat vector."""
    units = [3, 4, 2]
    layout = network.make_layout(units, "tanh", "softmax")
    # one column per layer; the last column of the offsets ends the weights and the vector
    np.testing.assert_array_equal(layout.table, [[3, 4, 2], [0, 12, 20], [20, 24, 26],
                                                 [activations.TANH, 0, 0]])
    assert layout.table.dtype == np.int64 and layout.table.flags.c_contiguous
    np.testing.assert_array_equal(layout.sizes, units)
    np.testing.assert_array_equal(layout.coef_offsets, [0, 12])
    np.testing.assert_array_equal(layout.intercept_offsets, [20, 24])
    np.testing.assert_array_equal(layout.activations, [activations.TANH])
    assert layout.output == losses.SOFTMAX
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


def _problem(dtype, hidden, out, n_out, n=9, seed=0, density=None):
    units = [N_FEATURES, *HIDDEN_UNITS, n_out]
    return (units, *problem(seed, dtype, units, hidden, out, n, density))


@pytest.mark.parametrize("chunk", [3, 9, 16])
@pytest.mark.parametrize("out,n_out", OUTPUT_CASES, ids=OUTPUT_IDS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_predict(dtype, hidden, out, n_out, chunk):
    """``predict`` gives the network's outputs A_L for every row, whatever the chunk size
    (smaller than, equal to, larger than the number of rows)."""
    units, _, layout, theta, X, _ = _problem(dtype, hidden, out, n_out)
    expected = naive.forward(*naive.split(f64(theta), units), f64(X), hidden, out)[-1]
    result = np.full((X.shape[0], n_out), np.nan, dtype)
    network.predict_outputs(network.Model(theta, layout), X, no_sparse(dtype), result,
                            np.empty(network.workspace_size(layout, chunk), dtype))
    assert_close(result, expected, dtype)


@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("exp", 2)])
@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_predict_sparse(dtype, hidden, out, n_out):
    """CSR input (with an empty row) gives the same outputs as the same matrix dense."""
    units, _, layout, theta, X, _ = _problem(dtype, hidden, out, n_out, density=0.4)
    model = network.Model(theta, layout)
    arrays, M = csr_arrays(X)
    dense = np.empty((X.shape[0], n_out), dtype)
    sparse = np.full((X.shape[0], n_out), np.nan, dtype)
    work = np.empty(network.workspace_size(layout, 4), dtype)
    network.predict_outputs(model, X, no_sparse(dtype), dense, work)
    network.predict_outputs(model, np.empty((0, N_FEATURES), dtype), arrays, sparse, work)
    expected = naive.forward(*naive.split(f64(theta), units), f64(M), hidden, out)[-1]
    assert_close(sparse, expected, dtype)
    assert_close(sparse, dense, dtype)


def _backprop(dtype, hidden, out, n_out, weighted, sparse_input, density=None, m=7,
              products=None):
    """Run ``backprop`` on a non-contiguous subset of ``m`` rows, with a workspace larger than
    the batch (and the table of products made by ``products(layout, m)`` where given).

    Returns (loss, grad, expected loss, expected grad); expectations are float64, alpha = 0.
    """
    n = max(12, m + 5)
    units, rng, layout, theta, X, Y = _problem(dtype, hidden, out, n_out, n=n, seed=1,
                                               density=density)
    rows = (np.array([7, 0, 3, 11, 5, 8, 1], dtype=np.int64) if m == 7
            else rng.permutation(n)[:m].astype(np.int64))
    capacity = m + 3
    sw_all = sample_weights(rng, n, dtype)
    swb = sw_all[rows] if weighted else no_weights(dtype)
    S = float(swb.sum()) if weighted else float(m)
    Yb = np.ascontiguousarray(Y[rows])
    size = network.workspace_size(layout, capacity)
    acts, deltas = np.empty(size, dtype), np.empty(size, dtype)
    transposed = np.empty(network.transposed_size(layout), dtype)
    grad = np.full(network.n_parameters(layout), np.nan, dtype)
    if sparse_input:
        arrays, M = csr_arrays(X)
        A0, X_ref = np.empty((0, N_FEATURES), dtype), f64(M)[rows]
    else:
        arrays, A0 = no_sparse(dtype), np.ascontiguousarray(X[rows])
        X_ref = f64(A0)
    table = None if products is None else products(layout, m)
    value = network.backprop(theta, grad, layout, A0, arrays, rows, Yb, swb, S, acts, deltas,
                             transposed, capacity, None, 0, table)
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


@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("identity", 2)])
@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_backprop_on_a_batch_with_transposed_weights(dtype, hidden, out, n_out):
    """A batch of ``TRANSPOSE_MIN_ROWS`` rows with the default table takes the copied-``Wᵀ``
    path of ``error_product`` at every hidden layer, and loss and gradient stay exact."""
    m = network.TRANSPOSE_MIN_ROWS
    value, grad, exp_value, exp_grad = _backprop(dtype, hidden, out, n_out, True, False, m=m,
                                                 products=network.default_products)
    assert_close(value, exp_value, dtype)
    assert_close(grad, exp_grad, dtype)


@pytest.mark.parametrize("kernel", [None, network.BLAS, network.TRANSPOSED_BLAS,
                                    network.TRANSPOSED_OWN])
@pytest.mark.parametrize("m,n_in,n_out", [(16, 13, 3), (32, 64, 64), (40, 16, 9), (200, 100, 10)])
def test_error_product(dtype, m, n_in, n_out, kernel):
    """``error_product`` is δ·Wᵀ in every way a table may say (none: BLAS with a transpose
    flag); the transposed ways copy Wᵀ into the scratch (13 rows of W: the transpose's
    remainder loop), nbnet's kernel where its output fits it, BLAS on the copy otherwise."""
    rng = np.random.default_rng(3)
    delta = rng.standard_normal((m, n_out)).astype(dtype)
    W = rng.standard_normal((n_in, n_out)).astype(dtype)
    scratch = np.full(n_in * n_out + 5, np.nan, dtype)
    out = np.full((m, n_in), np.nan, dtype)
    table = None if kernel is None else np.full((3, 2), kernel, dtype=np.int64)
    network.error_product(delta, W, scratch, out, table, 1)
    assert_close(out, f64(delta) @ f64(W).T, dtype)
    if kernel in (network.TRANSPOSED_BLAS, network.TRANSPOSED_OWN):
        np.testing.assert_array_equal(scratch[: n_in * n_out].reshape(n_out, n_in), W.T)
        assert np.isnan(scratch[n_in * n_out:]).all()
    else:
        assert np.isnan(scratch).all()


def test_default_products_copy_wt_for_small_products_of_batches_of_16_rows_or_more():
    """Without a measured choice, BLAS everywhere, and error products on a copy of ``Wᵀ`` for
    batches of ``TRANSPOSE_MIN_ROWS`` rows or more and products below
    ``TRANSPOSE_MAX_PRODUCT`` multiply-adds (32·128·128 is not below)."""
    layout = network.make_layout([20, 64, 128, 128, 3], "relu", "softmax")
    copied = network.TRANSPOSED_BLAS
    np.testing.assert_array_equal(network.default_products(layout, 32), [
        [0, 0, 0, 0], [0, 0, 0, 0], [0, copied, 0, copied]])
    assert (network.default_products(layout, 15) == network.BLAS).all()


def test_transposed_size():
    """The scratch holds the largest weight matrix below the first layer (the first never
    gets an error product), capped at what ``error_product`` copies; none without hidden
    layers."""
    cap = network.TRANSPOSE_MAX_PRODUCT // network.TRANSPOSE_MIN_ROWS
    for units, size in ([500, 64, 64, 3], 64 * 64), ([20, 2048, 2048, 3], cap), ([20, 3], 0):
        assert network.transposed_size(network.make_layout(units, "relu", "softmax")) == size


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


@pytest.mark.parametrize("mix", [["relu", "tanh"], ["logistic", "identity"], ["tanh", "relu"],
                                 ["gelu", "silu"], ["relu", "gelu"], ["silu", "elu"],
                                 ["softplus", "leaky_relu"]], ids="-".join)
def test_backprop_and_predict_with_one_activation_per_layer(dtype, mix):
    """Each hidden layer applies its own activation from ``Layout.activations``, forward and
    backward, as the naive network with the same per-layer names does."""
    units = [N_FEATURES, *HIDDEN_UNITS, 3]
    _, layout, theta, X, Y = problem(4, dtype, units, mix, "softmax", 6)
    size = network.workspace_size(layout, 6)
    grad = np.full(network.n_parameters(layout), np.nan, dtype)
    value = network.backprop(theta, grad, layout, X, no_sparse(dtype), np.arange(6), Y,
                             no_weights(dtype), 6.0, np.empty(size, dtype), np.empty(size, dtype),
                             np.empty(network.transposed_size(layout), dtype), 6)
    e_value, e_grad = naive.flat_loss_and_grad(f64(theta), units, f64(X), f64(Y), mix, "softmax",
                                               eps=np.finfo(dtype).eps)
    assert_close(value, e_value, dtype)
    assert_close(grad, e_grad, dtype)
    result = np.full((6, 3), np.nan, dtype)
    network.predict_outputs(network.Model(theta, layout), X, no_sparse(dtype), result,
                            np.empty(size, dtype))
    assert_close(result, naive.forward(*naive.split(f64(theta), units), f64(X), mix, "softmax")[-1],
                 dtype)


def test_workspace_holds_the_preactivations_backprop_needs():
    """The activation workspace has every layer's outputs, then one block per gelu or silu
    layer (their pre-activations); without those, and for the errors, the outputs only."""
    units = [3, 4, 5, 6, 2]
    for mix, kept in ((["relu", "tanh", "elu"], 0), (["gelu", "relu", "silu"], 4 + 6),
                      (["relu", "silu", "relu"], 5)):
        layout = network.make_layout(units, mix, "softmax")
        assert network.workspace_size(layout, 7) == 7 * (4 + 5 + 6 + 2 + kept)
        assert network.workspace_size(layout, 7, preactivations=False) == 7 * (4 + 5 + 6 + 2)


@pytest.mark.parametrize("chunk", [2, 6])
def test_preactivation_blocks_do_not_overlap(chunk):
    """Forward passes with gelu and silu fill the pre-activation blocks with ``Z + b`` of
    their layers, one after another after all the outputs, up to the workspace's end."""
    units = [N_FEATURES, 5, 4, 3, 2]
    mix = ["gelu", "relu", "silu"]
    _, layout, theta, X, _ = problem(5, np.float64, units, mix, "softmax", 6)
    work = np.full(network.workspace_size(layout, chunk), np.nan)
    network.predict_outputs(network.Model(theta, layout), X, no_sparse(np.float64),
                            np.empty((6, 2)), work)
    _, Zs = naive.forward(*naive.split(theta, units), X, mix, "softmax", preactivations=True)
    last = 6 - (6 - 1) % chunk - 1  # first row of the last chunk
    m = 6 - last
    start = chunk * (5 + 4 + 3 + 2)
    for Z, n in ((Zs[0], 5), (Zs[2], 3)):
        np.testing.assert_allclose(work[start : start + m * n].reshape(m, n), Z[last:], rtol=1e-12)
        start += chunk * n
    assert start == work.size


def test_make_layout_rejects_unknown_names():
    """Names outside the tables, or a list of the wrong length, are errors, not a fall-through."""
    with pytest.raises(ValueError, match="Unknown activation"):
        network.make_layout([3, 4, 2], "swish", "softmax")
    with pytest.raises(ValueError, match="Unknown activation"):
        network.make_layout([3, 4, 2], "relu", "tanh")  # hidden-only name as the output
    with pytest.raises(ValueError, match="2 activations given for 1 hidden layers"):
        network.make_layout([3, 4, 2], ["relu", "tanh"], "softmax")


def test_unknown_codes_raise_in_compiled_code():
    """A code outside the tables raises ValueError inside the compiled kernels."""
    layout = network.make_layout([3, 4, 2], "relu", "softmax")
    theta = np.zeros(network.n_parameters(layout))
    X, out, work = np.ones((2, 3)), np.empty((2, 2)), np.empty(network.workspace_size(layout, 2))
    table = layout.table.copy()
    table[network.HIDDEN_ACTIVATION, 0] = 99
    with pytest.raises(ValueError, match="unknown activation code"):
        network.predict_outputs(network.Model(theta, layout._replace(table=table)), X, None,
                                out, work)
    with pytest.raises(ValueError, match="unknown output code"):
        network.predict_outputs(network.Model(theta, layout._replace(output=9)), X, None, out,
                                work)
