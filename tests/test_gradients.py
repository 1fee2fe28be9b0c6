"""Central-difference check of ``epochs.loss_and_gradient``: the gradient it returns is the
derivative of the loss it returns, for every hidden activation × output kind (float64), and for
per-layer mixes of activations and every activation in float32.

float32: central differences of a float32 loss are dominated by its rounding (about
1e-7 |C| / STEP) or by truncation, and cannot check a gradient to better than about 1e-3.
The float32 gradient is therefore compared with central differences of the float64 loss at
the same weights (float32 numbers, exact in float64): the float64 checks below show those
differences to be the derivative to 1e-6, so what remains is the float32 kernels' rounding:
within 1e-5 (conftest's float32 tolerance) of the largest entry; measured, below 2e-7.

Squared error: the reported loss is scikit-learn's ``loss_``, whose data term is divided by
n_outputs while the gradient is that of the undivided sum. The single-output case is checked
as is; the 3-output case differentiates ``n_out × (loss − penalty) + penalty`` instead.
"""

import numpy as np
import pytest

import naive
from conftest import HIDDEN, no_sparse, no_weights, problem, sample_weights
from nbnet.kernels import epochs, network

N, N_FEATURES, HIDDEN_UNITS = 6, 3, [5, 4]
STEP = 1e-5  # rounding error ~ eps·|C|/STEP ≈ 1e-11, truncation ~ STEP² ≈ 1e-10: far below 1e-6
CASES = [("softmax", 3), ("logistic", 1), ("logistic", 3), ("identity", 1), ("identity", 3),
         ("exp", 2), ("huber", 2), ("absolute_error", 2), ("quantile", 2)]
CASE_IDS = ["softmax", "binary", "multilabel", "identity-1", "identity-3", "poisson", "huber",
            "absolute_error", "quantile"]
# The robust losses' parameters: Huber's δ within the residuals' range, so both pieces count.
PARAMETER = {"huber": 0.55, "quantile": 0.3}
AVERAGED = ("identity", "huber", "absolute_error", "quantile")  # reported per output


KINKED = ("relu", "leaky_relu")  # elu's slope is continuous at 0 (α = 1)
F32_RTOL = 1e-5
MIXES = [["gelu", "relu", "silu"], ["silu", "elu", "softplus"], ["leaky_relu", "gelu", "tanh"]]


def _check_gradient(hidden, out, n_out, weighted, alpha, dtype=np.float64,
                    hidden_units=HIDDEN_UNITS, seed=None):
    """Every entry of the analytic gradient (in ``dtype``) equals the central difference of the
    float64 loss to 1e-6 (float64) or ``F32_RTOL`` (float32), relative to the largest gradient
    entry for entries near 0."""
    units = [N_FEATURES, *hidden_units, n_out]
    seed = 10 + n_out if seed is None else seed
    rng, layout, theta, X, Y = problem(seed, np.float64, units, hidden, out, N, scale=0.5)
    layout = layout._replace(output_parameter=PARAMETER.get(out, 0.0))
    theta, X, Y = (a.astype(dtype).astype(np.float64) for a in (theta, X, Y))
    sw = sample_weights(rng, N, dtype).astype(np.float64) if weighted else no_weights(np.float64)
    S = sw.sum() if weighted else N
    n_coefs = network.n_coefficients(layout)

    # the check is only meaningful away from relu's kink and from the probability clipping
    names = naive.hidden_names(hidden, len(hidden_units))
    outputs, Zs = naive.forward(*naive.split(theta, units), X, hidden, out, preactivations=True)
    kinked = [np.abs(Z).min() for Z, name in zip(Zs, names) if name in KINKED]
    # a step of STEP moves Z by at most STEP·max|A| ≈ 3e-5
    assert min(kinked, default=np.inf) > 100 * STEP, "seed puts relu near its kink"
    if out in ("softmax", "logistic"):
        assert 1e-8 < outputs[-1].min() and outputs[-1].max() < 1 - 1e-8
    if out in PARAMETER or out == "absolute_error":  # away from the kinks at 0 and ±δ
        r = np.abs(outputs[-1] - Y)
        assert min(r.min(), np.abs(r - PARAMETER.get(out, 0.0)).min()) > 1e-3, "seed on a kink"

    def loss_and_gradient(t, dtype):
        work = epochs.make_workspace(layout, N, dtype, weighted=weighted)
        data = epochs.make_data(X.astype(dtype), no_sparse(dtype), Y.astype(dtype),
                                sw.astype(dtype))
        work.gradient[:] = np.nan
        value = epochs.loss_and_gradient(network.Model(t.astype(dtype), layout), data, alpha,
                                         work, np.arange(N))
        return value, work.gradient

    def objective(t):
        value = loss_and_gradient(t, np.float64)[0]
        if out in AVERAGED:  # undo the per-output averaging of the data term
            penalty = 0.5 * alpha * (t[:n_coefs] ** 2).sum() / S
            value = n_out * (value - penalty) + penalty
        return value

    grad = loss_and_gradient(theta, dtype)[1]
    fd = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = STEP
        fd[i] = (objective(theta + e) - objective(theta - e)) / (2 * STEP)
    scale = np.abs(fd).max()
    tolerance = 1e-6 if dtype == np.float64 else F32_RTOL
    np.testing.assert_allclose(grad, fd, rtol=tolerance, atol=tolerance * scale)


@pytest.mark.parametrize("alpha", [0.0, 0.7])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("out,n_out", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradient_matches_central_differences(hidden, out, n_out, weighted, alpha):
    """Every activation × output kind, float64."""
    _check_gradient(hidden, out, n_out, weighted, alpha)


@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("identity", 1)], ids=["softmax", "identity"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_float32_gradient_matches_central_differences(hidden, out, n_out):
    """Every activation in float32, with sample weights and L2 (see the module docstring)."""
    _check_gradient(hidden, out, n_out, True, 0.7, np.float32)


@pytest.mark.parametrize("out,n_out", [("softmax", 3), ("logistic", 1), ("identity", 3)],
                         ids=["softmax", "binary", "identity-3"])
@pytest.mark.parametrize("mix", MIXES, ids="-".join)
def test_gradient_with_one_activation_per_layer(dtype, mix, out, n_out):
    """Three hidden layers with a different activation each (gelu's and silu's pre-activation
    blocks at different offsets), with sample weights and L2, in both dtypes."""
    _check_gradient(mix, out, n_out, True, 0.7, dtype, hidden_units=[5, 4, 3], seed=30 + n_out)
