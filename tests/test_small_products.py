"""nbnet's register-blocked products against NumPy, in a network's backprop, and the choice
between them and BLAS (``nbnet.product_choice``)."""

import json

import numpy as np
import pytest

import naive
from conftest import assert_close, f64, no_weights, problem
from nbnet import MLPClassifier, product_choice
from nbnet.kernels import _cache, network
from nbnet.kernels._jit import jit
from nbnet.kernels.small_products import LINE_BYTES, ROWS, fits, small_product


@jit
def _small_product(A, B, out, trans_a):
    small_product(A, B, out, trans_a)


def _quarter(dtype):
    return LINE_BYTES // np.dtype(dtype).itemsize // 4


@pytest.mark.parametrize("trans_a", [False, True], ids=["A.B", "At.B"])
@pytest.mark.parametrize("m,k,quarters", [(4, 1, 1), (32, 64, 16), (8, 20, 4), (12, 0, 4),
                                          (100, 64, 25), (4, 3, 7), (200, 10, 5)])
def test_small_product_matches_numpy(dtype, m, k, quarters, trans_a):
    """Every output value, for outputs of whole lines, a half line and a quarter line left
    over (``quarters`` of a line: 7 = one line, a half and a quarter), both forms, ``k`` = 0
    (zeros) included; ``out`` starts as NaN, so every value is written."""
    n = quarters * _quarter(dtype)
    assert fits(m, n, np.dtype(dtype).itemsize)
    rng = np.random.default_rng(m + k + n)
    A = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    B = rng.standard_normal((k, n)).astype(dtype)
    out = np.full((m, n), np.nan, dtype)
    _small_product(A, B, out, trans_a)
    assert_close(out, (f64(A).T if trans_a else f64(A)) @ f64(B), dtype, factor=max(1, k))


def test_fits_needs_whole_blocks_of_rows_and_quarter_lines():
    assert fits(ROWS * 3, 2, 8) and fits(ROWS, 4, 4)
    assert not fits(ROWS + 1, 2, 8) and not fits(ROWS, 3, 8) and not fits(ROWS, 2, 4)


def _backprop_with(dtype, table_of, m=12):
    """Loss and gradient of ``backprop`` on a network whose products fit nbnet's kernel, with
    the table ``table_of(layout)``, and the NumPy twin's."""
    units = [8, 16, 8, 4]
    rng, layout, theta, X, Y = problem(5, dtype, units, "tanh", "softmax", m)
    rows = np.arange(m, dtype=np.int64)
    size = network.workspace_size(layout, m)
    grad = np.full(network.n_parameters(layout), np.nan, dtype)
    loss = network.backprop(theta, grad, layout, X, None, rows, Y, no_weights(dtype), float(m),
                            np.empty(size, dtype), np.empty(size, dtype),
                            np.empty(network.transposed_size(layout), dtype), m, None, 0,
                            table_of(layout))
    expected = naive.flat_loss_and_grad(f64(theta), units, f64(X), f64(Y), "tanh", "softmax",
                                        0.0, None, eps=np.finfo(dtype).eps)
    return loss, grad, expected


@pytest.mark.parametrize("rows", [12, 10], ids=["whole blocks", "last batch: BLAS"])
def test_backprop_with_nbnets_kernel_for_every_product(dtype, rows):
    """Every product by nbnet's kernel (error products on a copy of Wᵀ) gives the twin's loss
    and gradient; a batch whose rows do not fit (an epoch's last) falls back to BLAS."""
    def every_product_own(layout):
        table = np.full((3, len(layout.sizes) - 1), network.OWN, dtype=np.int64)
        table[network.ERRORS] = network.TRANSPOSED_OWN
        return table

    loss, grad, (exp_loss, exp_grad) = _backprop_with(dtype, every_product_own, rows)
    assert_close(loss, exp_loss, dtype)
    assert_close(grad, exp_grad, dtype)


def test_candidates_are_the_small_products_with_the_kernels_that_fit_them():
    """P1's step: every product where there is a choice is timed (not the 3-column output
    layer's forward product and weight gradient, which do not fit nbnet's kernel); sparse
    input leaves the first layer's out, and products above LARGEST are not timed."""
    found = product_choice.candidates([20, 64, 64, 3], 32, np.float64, True, 64 * 64)
    assert [(c.form, c.layer, c.options) for c in found] == [
        (network.FORWARD, 0, (network.BLAS, network.OWN)),
        (network.WEIGHTS, 0, (network.BLAS, network.OWN)),
        (network.FORWARD, 1, (network.BLAS, network.OWN)),
        (network.WEIGHTS, 1, (network.BLAS, network.OWN)),
        (network.ERRORS, 1, (network.BLAS, network.TRANSPOSED_BLAS, network.TRANSPOSED_OWN)),
        (network.ERRORS, 2, (network.BLAS, network.TRANSPOSED_BLAS, network.TRANSPOSED_OWN))]
    assert found[0].key == "A.W 32x20x64 float64" and len({c.key for c in found}) == len(found)
    sparse = product_choice.candidates([20, 64, 16], 32, np.float32, False, 0)
    assert [(c.form, c.layer) for c in sparse] == [(network.FORWARD, 1), (network.WEIGHTS, 1)]
    assert product_choice.candidates([784, 256, 10], 128, np.float32, True, 2560)[0].layer == 1


@pytest.fixture
def fresh_choices(tmp_path, monkeypatch):
    """No choices in this process, and a cache folder of their own."""
    monkeypatch.setattr(product_choice, "_chosen", {})
    monkeypatch.setattr(_cache, "cache_folder", lambda: tmp_path)
    return tmp_path


def _no_timing(*args):
    raise AssertionError("timed again")


def _fit(dtype=np.float64, **params):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 20)).astype(dtype)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    return MLPClassifier((64, 64), batch_size=32, max_iter=2, random_state=0, **params).fit(X, y)


def test_choices_are_timed_once_per_machine_and_kept_in_the_cache_folder(fresh_choices,
                                                                         monkeypatch):
    first = _fit()
    stored = json.loads((fresh_choices / product_choice.FILE).read_text())
    choices = stored[product_choice.machine()]
    timed = product_choice.candidates([20, 64, 64, 3], 32, np.float64, True, 64 * 64)
    assert set(choices) == {c.key for c in timed}
    assert all(choices[c.key] in c.options for c in timed)

    monkeypatch.setattr(product_choice, "_time", _no_timing)
    again = _fit()  # this process's choices
    monkeypatch.setattr(product_choice, "_chosen", {})
    from_file = _fit()  # another process's, from the folder
    for model in (again, from_file):
        for ours, theirs in zip(model.coefs_, first.coefs_):
            np.testing.assert_array_equal(ours, theirs)


def test_nearby_batch_sizes_share_one_timing(fresh_choices, monkeypatch):
    assert [product_choice.rows_key(rows) for rows in (7, 32, 39, 40, 100, 110, 200)] == [
        7, 32, 32, 40, 96, 96, 192]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((110, 20))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    MLPClassifier((64, 64), max_iter=1, random_state=0).fit(X[:100], y[:100])  # batches of 100
    stored = json.loads((fresh_choices / product_choice.FILE).read_text())
    assert all(" 96x" in key or "x96x" in key for key in stored[product_choice.machine()])

    monkeypatch.setattr(product_choice, "_time", _no_timing)
    MLPClassifier((64, 64), max_iter=1, random_state=0).fit(X, y)  # batches of 110
    monkeypatch.setattr(product_choice, "_chosen", {})  # another process's, from the file
    MLPClassifier((64, 64), random_state=0).partial_fit(X[:104], y[:104], classes=[0, 1, 2])


def test_choices_off_leave_every_product_to_blas(fresh_choices, monkeypatch):
    monkeypatch.setenv(product_choice.VARIABLE, "off")
    off = _fit()
    assert not (fresh_choices / product_choice.FILE).exists() and not product_choice._chosen
    monkeypatch.delenv(product_choice.VARIABLE)
    on = _fit()
    for ours, theirs in zip(on.coefs_, off.coefs_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)  # round-off only


def test_choices_without_a_cache_folder_hold_for_the_process(monkeypatch):
    monkeypatch.setattr(product_choice, "_chosen", {})
    monkeypatch.setattr(_cache, "cache_folder", lambda: None)
    _fit(np.float32)
    assert product_choice._chosen


# Two timed products, BLAS now: OWN at the forward product is 10% faster, at the weights'
# only 0.5% (step times by the table's two codes).
_TIMED = [product_choice.Candidate(network.FORWARD, 1, "a", (network.BLAS, network.OWN)),
          product_choice.Candidate(network.WEIGHTS, 1, "b", (network.BLAS, network.OWN))]
_COSTS = {(network.OWN, network.BLAS): 0.9, (network.BLAS, network.OWN): 0.995,
          (network.OWN, network.OWN): 0.895, (network.BLAS, network.BLAS): 1.0}


def _timing(speed_up=1.0):
    """The tables being timed, and a timed run of them on a machine whose every run is
    ``speed_up`` times as fast as the one before."""
    tables = [np.zeros((3, 2), dtype=np.int64)]
    calls = []

    def run():
        calls.append(None)
        cost = _COSTS[tables[0][network.FORWARD, 1], tables[0][network.WEIGHTS, 1]]
        return cost / speed_up ** len(calls)

    return tables, run


def test_a_slow_alternative_is_not_chosen_and_a_fast_one_is():
    """The timing keeps the current code unless an option saves more than MARGIN."""
    tables, run = _timing()
    assert product_choice._time(_TIMED, tables, run) == {"a": network.OWN, "b": network.BLAS}
    assert tables[0][network.FORWARD, 1] == network.OWN and tables[0][network.WEIGHTS, 1] == 0


def test_a_steady_drift_of_the_machine_does_not_decide():
    """A machine speeding up by 4% with every timed run is taken for neither option's
    speed: of options within 0.5% the current stays, a 10% faster one is chosen."""
    tables, run = _timing(speed_up=1 / 0.96)
    assert product_choice._time(_TIMED, tables, run) == {"a": network.OWN, "b": network.BLAS}
