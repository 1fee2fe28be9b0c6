"""Hidden-layer kernels (``nbnet.kernels.activations``) against their NumPy twins."""

import numpy as np
import pytest

import naive
from conftest import HIDDEN, assert_close, f64
from nbnet.kernels import activations


@pytest.mark.parametrize("hidden", HIDDEN)
def test_bias_activation(dtype, hidden):
    """``bias_activation`` writes ``f(Z + b)`` in place, for every activation and both dtypes."""
    rng = np.random.default_rng(1)
    Z = (2 * rng.normal(size=(7, 5))).astype(dtype)
    b = rng.normal(size=5).astype(dtype)
    expected = naive.hidden_forward(f64(Z), f64(b), hidden)
    activations.bias_activation(Z, b, activations.ACTIVATIONS[hidden].code)
    assert Z.dtype == dtype
    assert_close(Z, expected, dtype)
    if hidden == "relu":
        assert (Z == 0).any() and (Z > 0).any()  # both branches exercised


@pytest.mark.parametrize("hidden", HIDDEN)
def test_derivative_and_bias_grad(dtype, hidden):
    """``delta *= f'`` from the outputs ``A``, and ``bias_grad`` = column sums of the new delta.

    ``bias_grad`` starts as NaN to prove the kernel overwrites rather than accumulates.
    """
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(6, 4))
    A = naive.hidden_forward(Z, np.zeros(4), hidden).astype(dtype)
    delta = rng.normal(size=(6, 4)).astype(dtype)
    bias_grad = np.full(4, np.nan, dtype)
    expected, expected_sum = naive.hidden_backward(f64(A), f64(delta), hidden)
    code = activations.ACTIVATIONS[hidden].code
    activations.derivative_and_bias_grad(A, delta, code, bias_grad)
    assert_close(delta, expected, dtype)
    assert_close(bias_grad, expected_sum, dtype)


@pytest.mark.parametrize("hidden", ["logistic", "tanh"])
def test_derivative_matches_slope(hidden):
    """The derivative-from-output rules are the true slopes: ``f'(z)`` by central differences."""
    z = np.linspace(-3, 3, 13).reshape(1, -1)
    h = 1e-6
    f = naive.hidden_forward
    slope = (f(z + h, 0, hidden) - f(z - h, 0, hidden)) / (2 * h)
    A = naive.hidden_forward(z, 0, hidden)
    delta = np.ones_like(z)
    code = activations.ACTIVATIONS[hidden].code
    activations.derivative_and_bias_grad(A, delta, code, np.empty(13))
    np.testing.assert_allclose(delta, slope, rtol=1e-8)
