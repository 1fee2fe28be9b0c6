"""Update kernels (``nbnet.optimizers``) against scikit-learn's optimizers, via the NumPy twins."""

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

import naive
from conftest import assert_close, f64
from nbnet import optimizers

# (entries, weights): the first entries are weights (penalised), the rest biases; the
# second size spreads the weights over three chunks of the update loop, the last one partial
SIZES = [(23, 15), (2 * optimizers.CHUNK + 48, 2 * optimizers.CHUNK + 37)]
SIZE_IDS = ["one-chunk", "three-chunks"]


def _state(dtype, seed, n):
    rng = np.random.default_rng(seed)
    theta, grad, first = (rng.normal(size=n).astype(dtype) for _ in range(3))
    second = rng.uniform(0.1, 1.0, n).astype(dtype)  # Adam's v is non-negative
    return theta, grad, first, second


def _with_l2(theta, grad, l2, n_coefs):
    """The gradient scikit-learn hands its optimizer: L2 term on the weights only."""
    g = grad.copy()
    g[:n_coefs] += l2 * theta[:n_coefs]
    return g


@pytest.mark.parametrize("n,n_coefs", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)],
                         ids=["plain", "momentum", "nesterov"])
def test_sgd_step(dtype, momentum, nesterov, l2, n, n_coefs):
    """One fused SGD step equals scikit-learn's update with the L2 term added to the weights'
    gradient, updates the velocity, leaves ``grad`` alone and returns Σθ² of the weights
    before the step."""
    theta, grad, velocity, _ = _state(dtype, 5, n)
    lr = 0.05
    g = _with_l2(f64(theta), f64(grad), l2, n_coefs)
    expected_theta, expected_v = naive.sgd(f64(theta), g, f64(velocity), lr, momentum, nesterov)
    expected_sq = (f64(theta)[:n_coefs] ** 2).sum()
    grad_before = grad.copy()
    sq = optimizers.sgd_step(theta, grad, velocity, n_coefs, l2, lr, momentum, nesterov)
    assert_close(theta, expected_theta, dtype)
    assert_close(velocity, expected_v, dtype)
    assert_close(sq, expected_sq, dtype)
    np.testing.assert_array_equal(grad, grad_before)


@pytest.mark.parametrize("t", [1, 2, 7])
def test_adam_learning_rate(t):
    """The bias-corrected step size is scikit-learn's ``η √(1−β₂ᵗ) / (1−β₁ᵗ)``."""
    value = optimizers.adam_learning_rate(1e-3, 0.9, 0.999, t)
    np.testing.assert_allclose(value, naive.adam_rate(1e-3, 0.9, 0.999, t), rtol=1e-14)


@pytest.mark.parametrize("n,n_coefs", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("t", [1, 4])
def test_adam_step(dtype, t, l2, n, n_coefs):
    """One fused Adam step (given the bias-corrected rate) equals scikit-learn's, updates both
    moments, and returns Σθ² of the weights before the step."""
    theta, grad, m, v = _state(dtype, 6, n)
    lr0, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    if t == 1:  # a fresh optimizer
        m[:] = 0
        v[:] = 0
    g = _with_l2(f64(theta), f64(grad), l2, n_coefs)
    expected_theta, expected_m, expected_v = naive.adam(f64(theta), g, f64(m), f64(v), t,
                                                        lr0, b1, b2, eps)
    expected_sq = (f64(theta)[:n_coefs] ** 2).sum()
    lr_t = optimizers.adam_learning_rate(lr0, b1, b2, t)
    sq = optimizers.adam_step(theta, grad, m, v, n_coefs, l2, lr_t, b1, b2, eps)
    assert_close(theta, expected_theta, dtype)
    assert_close(m, expected_m, dtype)
    assert_close(v, expected_v, dtype)
    assert_close(sq, expected_sq, dtype)


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_stochastic_optimizer_schedules_match_sklearn(schedule):
    """The Python-side learning-rate schedules follow scikit-learn's SGDOptimizer call for call."""
    ours = optimizers.StochasticOptimizer("sgd", 3, np.float64, 0.1, schedule, power_t=0.4)
    ref = SGDOptimizer([np.zeros(3)], 0.1, schedule, 0.9, True, 0.4)
    for time_step in (10, 25, 40):
        ours.iteration_ends(time_step)
        ref.iteration_ends(time_step)
        assert ours.trigger_stopping("", False) == ref.trigger_stopping("", False)
        assert ours.learning_rate == pytest.approx(ref.learning_rate, rel=1e-15)
    assert (ours.momentum, ours.nesterov, ours.beta_1, ours.beta_2, ours.epsilon) == (
        0.9, True, 0.9, 0.999, 1e-8)


def test_adam_float32_second_moment_decay_is_accurate():
    """In float32, a fresh Adam step stores v = (1 − β₂) g² to float32 accuracy, as scikit-learn's
    ``(1 - beta_2) * grad**2`` does (1 − β₂ computed in double, then rounded once)."""
    g = np.array([1.0, -2.0, 0.5], np.float32)
    theta, m, v = np.zeros(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32)
    optimizers.adam_step(theta, g, m, v, 0, 0.0, 0.01, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(v, (1 - 0.999) * f64(g) ** 2, rtol=1e-6)
    np.testing.assert_allclose(m, (1 - 0.9) * f64(g), rtol=1e-6)
