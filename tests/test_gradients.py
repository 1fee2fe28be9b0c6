"""Central-difference check of ``epochs.loss_and_gradient`` (float64): the gradient it returns is
the derivative of the loss it returns, for every hidden activation × output kind.

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
PARAMETER = {"huber": 0.5, "quantile": 0.3}
AVERAGED = ("identity", "huber", "absolute_error", "quantile")  # reported per output


def _hidden_preactivations(theta, units, X, hidden):
    """Z of every hidden layer, computed with the naive twin (to keep relu away from its kink)."""
    coefs, intercepts = naive.split(theta, units)
    A, Zs = X, []
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        Zs.append(A @ W + b)
        A = naive.hidden_forward(A @ W, b, hidden)
    return Zs


@pytest.mark.parametrize("alpha", [0.0, 0.7])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("out,n_out", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradient_matches_central_differences(hidden, out, n_out, weighted, alpha):
    """Every entry of the analytic gradient equals the central difference of the returned loss
    to 1e-6 (relative to the largest gradient entry for entries near 0)."""
    dtype = np.float64
    units = [N_FEATURES, *HIDDEN_UNITS, n_out]
    rng, layout, theta, X, Y = problem(10 + n_out, dtype, units, hidden, out, N, scale=0.5)
    layout = layout._replace(output_parameter=PARAMETER.get(out, 0.0))
    sw = sample_weights(rng, N, dtype) if weighted else no_weights(dtype)
    S = sw.sum() if weighted else N
    work = epochs.make_workspace(layout, N, dtype, weighted=weighted)
    data = epochs.Data(X, no_sparse(dtype), Y, sw)
    n_coefs = network.n_coefficients(layout)

    # the check is only meaningful away from relu's kink and from the probability clipping
    if hidden == "relu":  # a step of STEP moves Z by at most STEP·max|A| ≈ 3e-5
        Zs = _hidden_preactivations(theta, units, X, hidden)
        assert min(np.abs(Z).min() for Z in Zs) > 100 * STEP, "seed puts relu near its kink"
    P = naive.forward(*naive.split(theta, units), X, hidden, out)[-1]
    if out in ("softmax", "logistic"):
        assert 1e-8 < P.min() and P.max() < 1 - 1e-8
    if out in PARAMETER or out == "absolute_error":  # away from the kinks at 0 and ±δ
        r = np.abs(P - Y)
        assert min(r.min(), np.abs(r - PARAMETER.get(out, 0.0)).min()) > 1e-3, "seed on a kink"

    def objective(t):
        value = epochs.loss_and_gradient(network.Model(t, layout), data, alpha, work)
        if out in AVERAGED:  # undo the per-output averaging of the data term
            penalty = 0.5 * alpha * (t[:n_coefs] ** 2).sum() / S
            value = n_out * (value - penalty) + penalty
        return value

    work.gradient[:] = np.nan
    epochs.loss_and_gradient(network.Model(theta, layout), data, alpha, work)
    grad = work.gradient.copy()  # the differences below overwrite the workspace
    fd = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = STEP
        fd[i] = (objective(theta + e) - objective(theta - e)) / (2 * STEP)
    scale = np.abs(fd).max()
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-6 * scale)
