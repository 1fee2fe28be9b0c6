"""The merged update kernel (``nbnet.kernels.updates.update``), each rule's code against the
NumPy twins of scikit-learn's optimizers."""

import numpy as np
import pytest

import naive
from conftest import assert_close, f64
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


def _hyper(name, **values):
    return np.array([values[h] for h in updates.UPDATES[name].hyper], dtype=np.float64)


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
    hyper = _hyper("sgd", momentum=momentum, nesterov=float(nesterov))
    sq = updates.update(updates.SGD, theta, grad, slots, n_coefs, l2, lr, hyper)
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
    hyper = _hyper("adam", beta_1=b1, beta_2=b2, epsilon=eps)
    sq = updates.update(updates.ADAM, theta, grad, slots, n_coefs, l2,
                        naive.adam_rate(lr0, b1, b2, t), hyper)
    assert_close(theta, expected_theta, dtype)
    assert_close(slots[0], expected_m, dtype)
    assert_close(slots[1], expected_v, dtype)
    assert_close(sq, expected_sq, dtype)


def test_adam_float32_second_moment_decay_is_accurate():
    """In float32, a fresh Adam step stores v = (1 − β₂) g² to float32 accuracy, as scikit-learn's
    ``(1 - beta_2) * grad**2`` does (1 − β₂ computed in double, then rounded once)."""
    g = np.array([1.0, -2.0, 0.5], np.float32)
    theta, slots = np.zeros(3, np.float32), np.zeros((2, 3), np.float32)
    updates.update(updates.ADAM, theta, g, slots, 0, 0.0, 0.01,
                   _hyper("adam", beta_1=0.9, beta_2=0.999, epsilon=1e-8))
    np.testing.assert_allclose(slots[1], (1 - 0.999) * f64(g) ** 2, rtol=1e-6)
    np.testing.assert_allclose(slots[0], (1 - 0.9) * f64(g), rtol=1e-6)


def test_update_codes_are_a_table():
    """Codes are unique and number the rules 0, 1, ...; a code outside the table raises instead of
    running another rule, and leaves the parameters alone."""
    assert sorted(rule.code for rule in updates.UPDATES.values()) == list(range(len(updates.UPDATES)))
    theta, grad, slots = np.ones(4), np.ones(4), np.zeros((2, 4))
    with pytest.raises(ValueError, match="unknown update code"):
        updates.update(len(updates.UPDATES), theta, grad, slots, 2, 0.0, 0.1, np.zeros(3))
    np.testing.assert_array_equal(theta, 1.0)
