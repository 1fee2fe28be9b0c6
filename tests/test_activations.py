"""Hidden-layer kernels (``nbnet.kernels.activations``) against their NumPy twins."""

import numpy as np
import pytest

import naive
from conftest import HIDDEN, assert_close, f64
from nbnet.kernels import activations


def _keeps(hidden):
    return activations.ACTIVATIONS[hidden].needs_preactivation


def _own(hidden):
    """Whether ``hidden`` is one of nbnet's own activations (no branch with ``extended`` None)."""
    return activations.ACTIVATIONS[hidden].code >= activations.LEAKY_RELU


# The kernels' ``extended`` argument: True compiles every branch, None scikit-learn's only.
EXTENDED = [True, None]


@pytest.mark.parametrize("extended", EXTENDED)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_bias_activation(dtype, hidden, extended):
    """``bias_activation`` writes ``f(Z + b)`` in place, for every activation and both dtypes,
    and ``Z + b`` into the flat ``pre`` from ``offset`` on exactly for the activations that
    need it (NaN elsewhere: not written). With ``extended`` None, nbnet's own activations
    raise and change nothing."""
    rng = np.random.default_rng(1)
    Z = (2 * rng.normal(size=(7, 5))).astype(dtype)
    Z[0, :3] = [-40, 40, 0]  # saturated ends (exp's overflow guard) and 0
    b = rng.normal(size=5).astype(dtype)
    b[:3] = 0
    expected = naive.hidden_forward(f64(Z), f64(b), hidden)
    pre = np.full(3 + Z.size + 2, np.nan, dtype)
    biased = Z + b
    code = activations.ACTIVATIONS[hidden].code
    if extended is None and _own(hidden):
        before = Z.copy()
        with pytest.raises(ValueError, match="unknown activation code"):
            activations.bias_activation(Z, b, code, pre, 3, extended)
        np.testing.assert_array_equal(Z, before)
        return
    activations.bias_activation(Z, b, code, pre, 3, extended)
    assert Z.dtype == dtype
    assert_close(Z, expected, dtype)
    if _keeps(hidden):
        np.testing.assert_array_equal(pre[3:-2].reshape(Z.shape), biased)
        pre[3:-2] = np.nan
    assert np.isnan(pre).all()
    if hidden in ("relu", "leaky_relu", "elu"):
        assert (biased < 0).any() and (biased > 0).any()  # both branches exercised


@pytest.mark.parametrize("extended", EXTENDED)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_derivative_and_bias_grad(dtype, hidden, extended):
    """``delta *= f'``, from the outputs ``A`` or, for gelu and silu, the pre-activations
    ``Z`` (read from a flat buffer at an offset; all NaN for the others, to prove they are
    not read), and ``bias_grad`` = column sums of the new delta.

    ``bias_grad`` starts as NaN to prove the kernel overwrites rather than accumulates.
    The derivatives from ``A`` are compared with the twins' from float64 ``Z``; the
    float32 ``A`` they start from carries one rounding more, well inside the tolerance.
    With ``extended`` None, nbnet's own activations raise.
    """
    rng = np.random.default_rng(2)
    Z = (2 * rng.normal(size=(6, 4))).astype(dtype)
    A = naive.hidden_forward(f64(Z), np.zeros(4), hidden).astype(dtype)
    delta = rng.normal(size=(6, 4)).astype(dtype)
    bias_grad = np.full(4, np.nan, dtype)
    expected, expected_sum = naive.hidden_backward(f64(Z), f64(A), f64(delta), hidden)
    code = activations.ACTIVATIONS[hidden].code
    pre = np.concatenate([np.full(5, np.nan, dtype), Z.ravel() if _keeps(hidden)
                          else np.full(Z.size, np.nan, dtype)])
    if extended is None and _own(hidden):
        with pytest.raises(ValueError, match="unknown activation code"):
            activations.derivative_and_bias_grad(A, delta, code, bias_grad, pre, 5, extended)
        return
    activations.derivative_and_bias_grad(A, delta, code, bias_grad, pre, 5, extended)
    assert_close(delta, expected, dtype)
    assert_close(bias_grad, expected_sum, dtype)


@pytest.mark.parametrize("hidden", [h for h in HIDDEN if h not in ("identity", "relu")])
def test_derivative_matches_slope(hidden):
    """The derivatives (from outputs or pre-activations) are the true slopes: ``f'(z)`` by
    central differences, away from 0 (the kinks of leaky_relu and elu)."""
    z = np.linspace(-3, 3, 12).reshape(1, -1)
    h = 1e-6
    f = naive.hidden_forward
    slope = (f(z + h, 0, hidden) - f(z - h, 0, hidden)) / (2 * h)
    A = naive.hidden_forward(z, 0, hidden)
    delta = np.ones_like(z)
    code = activations.ACTIVATIONS[hidden].code
    activations.derivative_and_bias_grad(A, delta, code, np.empty(12), z.ravel(), 0)
    np.testing.assert_allclose(delta, slope, rtol=1e-8, atol=1e-9)


def test_needs_preactivation_matches_table():
    """The compiled predicate says what the table says, for every code."""
    for name, row in activations.ACTIVATIONS.items():
        assert activations.needs_preactivation(row.code) == row.needs_preactivation, name
