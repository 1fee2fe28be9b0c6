"""The merged update kernel (``nbnet.kernels.updates.update``), each rule's code against the
NumPy twins of scikit-learn's optimizers."""

import numpy as np
import pytest

import naive
from conftest import assert_close, f64
from nbnet import optimizers
from nbnet.kernels import updates

# (entries, weights): the first entries are weights (penalised), the rest biases; the
# second size spreads the weights over three chunks of the update loop, the last one partial
SIZES = [(23, 15), (2 * updates.CHUNK + 48, 2 * updates.CHUNK + 37)]
SIZE_IDS = ["one-chunk", "three-chunks"]


def _state(dtype, seed, n, n_slots):
    rng = np.random.default_rng(seed)
    theta, grad = (rng.normal(size=n).astype(dtype) for _ in range(2))
    slots = np.empty((n_slots, n), dtype)
    slots[0] = rng.normal(size=n)
    slots[1:] = rng.uniform(0.1, 1.0, (n_slots - 1, n))  # Adam's v is non-negative
    return theta, grad, slots


def _with_l2(theta, grad, l2, n_coefs):
    """The gradient scikit-learn hands its optimizer: L2 term on the weights only."""
    g = grad.copy()
    g[:n_coefs] += l2 * theta[:n_coefs]
    return g


def _sgd_hyper(momentum, nesterov):
    return np.array([momentum, float(nesterov)], dtype=np.float64)


@pytest.mark.parametrize("n,n_coefs", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)],
                         ids=["plain", "momentum", "nesterov"])
def test_sgd_update(dtype, momentum, nesterov, l2, n, n_coefs):
    """One fused SGD step equals scikit-learn's update with the L2 term added to the weights'
    gradient, updates the velocity, leaves ``grad`` alone and returns Σθ² of the weights
    before the step."""
    theta, grad, slots = _state(dtype, 5, n, 1)
    lr = 0.05
    g = _with_l2(f64(theta), f64(grad), l2, n_coefs)
    expected_theta, expected_v = naive.sgd(f64(theta), g, f64(slots[0]), lr, momentum, nesterov)
    expected_sq = (f64(theta)[:n_coefs] ** 2).sum()
    grad_before = grad.copy()
    hyper = _sgd_hyper(momentum, nesterov)
    sq = updates.update(updates.SGD, theta, grad, slots, n_coefs, l2, lr, 0.0, 1.0, hyper)
    assert_close(theta, expected_theta, dtype)
    assert_close(slots[0], expected_v, dtype)
    assert_close(sq, expected_sq, dtype)
    np.testing.assert_array_equal(grad, grad_before)


@pytest.mark.parametrize("n,n_coefs", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("t", [1, 4])
def test_adam_update(dtype, t, l2, n, n_coefs):
    """One fused Adam step (given the bias-corrected rate) equals scikit-learn's, updates both
    moments, and returns Σθ² of the weights before the step."""
    theta, grad, slots = _state(dtype, 6, n, 2)
    lr0, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    if t == 1:  # a fresh optimizer
        slots[:] = 0
    g = _with_l2(f64(theta), f64(grad), l2, n_coefs)
    expected_theta, expected_m, expected_v = naive.adam(f64(theta), g, f64(slots[0]),
                                                        f64(slots[1]), t, lr0, b1, b2, eps)
    expected_sq = (f64(theta)[:n_coefs] ** 2).sum()
    hyper = updates.moments(b1, b2, eps)
    sq = updates.update(updates.ADAM, theta, grad, slots, n_coefs, l2,
                        naive.adam_rate(lr0, b1, b2, t), 0.0, 1.0, hyper)
    assert_close(theta, expected_theta, dtype)
    assert_close(slots[0], expected_m, dtype)
    assert_close(slots[1], expected_v, dtype)
    assert_close(sq, expected_sq, dtype)


def test_adam_float32_second_moment_decay_is_accurate():
    """In float32, a fresh Adam step stores v = (1 − β₂) g² to float32 accuracy, as scikit-learn's
    ``(1 - beta_2) * grad**2`` does (1 − β₂ computed in double, then rounded once)."""
    g = np.array([1.0, -2.0, 0.5], np.float32)
    theta, slots = np.zeros(3, np.float32), np.zeros((2, 3), np.float32)
    updates.update(updates.ADAM, theta, g, slots, 0, 0.0, 0.01, 0.0, 1.0,
                   updates.moments(0.9, 0.999, 1e-8))
    np.testing.assert_allclose(slots[1], (1 - 0.999) * f64(g) ** 2, rtol=1e-6)
    np.testing.assert_allclose(slots[0], (1 - 0.9) * f64(g), rtol=1e-6)


def test_update_codes_are_a_table():
    """Codes are unique and number the rules 0, 1, ...; a code outside the table raises instead of
    running another rule, and leaves the parameters alone."""
    assert sorted(rule.code for rule in updates.UPDATES.values()) == list(range(len(updates.UPDATES)))
    theta, grad, slots = np.ones(4), np.ones(4), np.zeros((2, 4))
    with pytest.raises(ValueError, match="unknown update code"):
        updates.update(len(updates.UPDATES), theta, grad, slots, 2, 0.0, 0.1, 0.0, 1.0,
                       np.zeros(3))
    np.testing.assert_array_equal(theta, 1.0)


@pytest.mark.parametrize("n,n_coefs", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("t", [1, 4])
def test_adamw_update(dtype, t, l2, n, n_coefs):
    """One fused AdamW step equals PyTorch's: the weights (not the biases) shrink by the
    scheduled rate × λ, then Adam's bias-corrected step."""
    theta, grad, slots = _state(dtype, 7, n, 2)
    lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-8, 0.5
    g = _with_l2(f64(theta), f64(grad), l2, n_coefs)
    expected_theta, expected_m, expected_v = naive.adamw(
        f64(theta), g, f64(slots[0]), f64(slots[1]), t, lr, b1, b2, eps, wd, n_coefs)
    expected_sq = (f64(theta)[:n_coefs] ** 2).sum()
    hyper = updates.moments(b1, b2, eps)
    sq = updates.update(updates.ADAMW, theta, grad, slots, n_coefs, l2,
                        naive.adam_rate(lr, b1, b2, t), lr * wd, 1.0, hyper)
    assert_close(theta, expected_theta, dtype)
    assert_close(slots[0], expected_m, dtype)
    assert_close(slots[1], expected_v, dtype)
    assert_close(sq, expected_sq, dtype)


@pytest.mark.parametrize("n,n_coefs", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("rule", ["rmsprop", "adagrad"])
def test_rmsprop_and_adagrad_updates(dtype, rule, l2, n, n_coefs):
    """One fused RMSprop or Adagrad step (Adam's loop with β₁ = 0) equals PyTorch's rule,
    updates ``v`` (the last slot), leaves the step's gradient in the first slot whatever it
    held, and returns Σθ² of the weights before the step."""
    theta, grad, slots = _state(dtype, 8, n, 2)  # slots[0]: anything, slots[1] = v ≥ 0
    lr, rho, eps = 0.01, 0.9, 1e-8
    g = _with_l2(f64(theta), f64(grad), l2, n_coefs)
    if rule == "rmsprop":
        expected_theta, expected_v = naive.rmsprop(f64(theta), g, f64(slots[1]), lr, rho, eps)
    else:
        expected_theta, expected_v = naive.adagrad(f64(theta), g, f64(slots[1]), lr, eps)
    expected_sq = (f64(theta)[:n_coefs] ** 2).sum()
    opt = optimizers.make_optimizer(rule, n, dtype, dict(rho=rho, epsilon=eps))
    sq = updates.update(opt.code, theta, grad, slots, n_coefs, l2, lr, 0.0, 1.0, opt.hyper)
    assert_close(theta, expected_theta, dtype)
    assert_close(slots[0], g, dtype)
    assert_close(slots[1], expected_v, dtype)
    assert_close(sq, expected_sq, dtype)


@pytest.mark.parametrize("rule", list(updates.UPDATES))
def test_scale_multiplies_the_penalised_gradient(dtype, rule):
    """With a clipping factor c, each rule steps as with the gradient c · (grad + l2 θ_w)
    given unscaled (here: the same step with c folded into grad and l2 alike)."""
    n, n_coefs, l2, c = 40, 30, 0.3, 0.25
    theta, grad, slots = _state(dtype, 9, n, updates.UPDATES[rule].n_slots)
    slots = np.abs(slots)  # RMSprop's and Adagrad's v is non-negative
    hyper = np.full(len(updates.UPDATES[rule].hyper), 0.5)
    code = updates.UPDATES[rule].code
    expected = [theta.copy(), grad.copy(), slots.copy()]
    g = _with_l2(f64(theta), f64(grad), l2, n_coefs) * c
    updates.update(code, expected[0], g.astype(dtype), expected[2], n_coefs, 0.0, 0.01, 0.0,
                   1.0, hyper)
    updates.update(code, theta, grad, slots, n_coefs, l2, 0.01, 0.0, c, hyper)
    assert_close(theta, expected[0], dtype)
    assert_close(slots, expected[2], dtype)


def test_adamw_with_zero_gradient_shrinks_the_weights_exactly():
    """With a zero gradient (no data loss, alpha = 0) AdamW multiplies the weights by
    (1 − ηλ) at every step, exactly, and leaves the biases; Adam with an L2 term instead
    takes Adam's normalised step, about η per weight whatever its size."""
    n, n_coefs, lr, wd = 12, 8, 0.01, 0.1
    theta0 = np.linspace(-2.0, 2.0, n)
    hyper = updates.moments(0.9, 0.999, 1e-8)
    theta, slots = theta0.copy(), np.zeros((2, n))
    expected = theta0.copy()
    for t in range(1, 6):
        updates.update(updates.ADAMW, theta, np.zeros(n), slots, n_coefs, 0.0,
                       naive.adam_rate(lr, 0.9, 0.999, t), lr * wd, 1.0, hyper)
        expected[:n_coefs] *= 1 - lr * wd
        np.testing.assert_array_equal(theta, expected)
    coupled, slots = theta0.copy(), np.zeros((2, n))
    updates.update(updates.ADAM, coupled, np.zeros(n), slots, n_coefs, wd,
                   naive.adam_rate(lr, 0.9, 0.999, 1), 0.0, 1.0, hyper)
    step = theta0[:n_coefs] - coupled[:n_coefs]
    np.testing.assert_allclose(step, lr * np.sign(theta0[:n_coefs]), rtol=1e-4)  # ε: 2e-5
    assert not np.allclose(coupled[:n_coefs], theta0[:n_coefs] * (1 - lr * wd))


def test_adamw_without_weight_decay_is_adam_exactly(dtype):
    theta, grad, slots = _state(dtype, 10, 50, 2)
    copies = theta.copy(), slots.copy()
    hyper = updates.moments(0.9, 0.999, 1e-8)
    updates.update(updates.ADAMW, theta, grad, slots, 40, 0.3, 0.01, 0.0, 1.0, hyper)
    updates.update(updates.ADAM, copies[0], grad, copies[1], 40, 0.3, 0.01, 0.0, 1.0, hyper)
    np.testing.assert_array_equal(theta, copies[0])
    np.testing.assert_array_equal(slots, copies[1])


def test_gradient_norm(dtype):
    """‖grad + l2 θ_w‖ (the L2 term on the weights only), in float64."""
    theta, grad, _ = _state(dtype, 11, 30, 1)
    expected = np.linalg.norm(_with_l2(f64(theta), f64(grad), 0.3, 20))
    assert_close(updates.gradient_norm(theta, grad, 20, 0.3), expected, dtype)
