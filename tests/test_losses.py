"""Output kernels (``nbnet.kernels.losses``) against scikit-learn's definitions, via the NumPy twins."""

import numpy as np
import pytest

import naive
from conftest import (OUTPUT_CASES, OUTPUT_IDS, assert_close, f64, no_weights, sample_weights,
                      targets)
from nbnet.kernels import losses

KINDS = list(losses.OUTPUTS)


@pytest.mark.parametrize("out", KINDS)
def test_output_activation(dtype, out):
    """``output_activation`` writes ``g(Z + b)`` in place for every output kind."""
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(6, 3)).astype(dtype)
    b = rng.normal(size=3).astype(dtype)
    expected = naive.output_forward(f64(Z), f64(b), out)
    losses.output_activation(Z, b, losses.OUTPUTS[out].code)
    assert_close(Z, expected, dtype)


def test_softmax_subtracts_row_max(dtype):
    """Logits far beyond exp's range still give the right probabilities (max subtracted first)."""
    Z = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]], dtype=dtype)
    b = np.zeros(3, dtype)
    expected = naive.output_forward(np.array([[1.0, 2.0, 0.0], [2.0, 0.0, 1.0]]), 0.0, "softmax")
    losses.output_activation(Z, b, losses.SOFTMAX)
    assert np.isfinite(Z).all()
    assert_close(Z, expected, dtype)


@pytest.mark.parametrize("extended", [True, None], ids=["extended", "scikit-learn's"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("out,n_out", OUTPUT_CASES, ids=OUTPUT_IDS)
def test_output_loss_and_delta(dtype, out, n_out, weighted, extended):
    """One fused pass gives A_L (in Z), scikit-learn's loss, δ_L = s(A−Y)/S and Σ_rows δ_L,
    compiled with the robust losses' branch (``extended`` True) and without (None).

    ``delta`` and ``bias_grad`` start as NaN so stale contents cannot pass.
    """
    rng = np.random.default_rng(4 + n_out)
    m = 7
    Z = (1.5 * rng.normal(size=(m, n_out))).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    Y = targets(rng, out, m, n_out, dtype)
    sw = sample_weights(rng, m, dtype) if weighted else no_weights(dtype)
    S = float(sw.sum()) if weighted else float(m)
    delta = np.full((m, n_out), np.nan, dtype)
    bias_grad = np.full(n_out, np.nan, dtype)

    A = naive.output_forward(f64(Z), f64(b), out)
    sw64 = f64(sw) if weighted else None
    eps = np.finfo(dtype).eps
    expected_loss = naive.loss(f64(Y), A, out, sw64, eps=eps)
    expected_delta = (A - f64(Y)) * (1.0 if sw64 is None else sw64[:, None]) / S

    kind = losses.OUTPUTS[out].code
    value = losses.output_loss_and_delta(Z, b, Y, sw, S, kind, delta, bias_grad, 0.0, extended)
    assert_close(Z, A, dtype)
    assert_close(value, expected_loss, dtype)
    assert_close(delta, expected_delta, dtype)
    assert_close(bias_grad, expected_delta.sum(axis=0), dtype)


@pytest.mark.parametrize("out", ["softmax", "logistic"])
def test_log_losses_clip_to_dtype_eps(dtype, out):
    """Saturated probabilities are clipped to [eps, 1−eps] of the dtype before the log.

    Every prediction below is confidently wrong with logits of ±60: the true class's probability
    underflows below eps (or the false one rounds to 1), so an unclipped loss would be about 60-120
    per term or infinite, while scikit-learn charges exactly −log(eps) per wrong term.
    """
    if out == "softmax":
        Z = [[60.0, -60.0, 0.0], [-60.0, 60.0, 0.0]]
        Y = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
        terms = 1  # one true class per row
    else:
        Z = [[60.0, -60.0], [-60.0, 60.0]]
        Y = [[0.0, 1.0], [1.0, 0.0]]
        terms = 2  # both outputs wrong in every row
    Z, Y = np.array(Z, dtype), np.array(Y, dtype)
    n_out = Z.shape[1]
    eps = np.finfo(dtype).eps
    expected = naive.loss(f64(Y), naive.output_forward(f64(Z), 0.0, out), out, eps=eps)
    assert_close(expected, -terms * np.log(float(eps)), np.float64)  # the twin clips too
    value = losses.output_loss_and_delta(Z, np.zeros(n_out, dtype), Y, no_weights(dtype), 2.0,
                                         losses.OUTPUTS[out].code, np.empty_like(Z),
                                         np.empty(n_out, dtype))
    assert_close(value, expected, dtype)


def test_squared_error_reported_per_output(dtype):
    """Squared error is reported as scikit-learn's ``loss_``: ½ Σ s r² / S divided by n_outputs."""
    Z = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]], dtype=dtype)
    Y = np.zeros_like(Z)
    sw = np.array([1.0, 3.0], dtype)
    delta = np.empty_like(Z)
    value = losses.output_loss_and_delta(Z, np.zeros(3, dtype), Y, sw, 4.0, losses.IDENTITY,
                                         delta, np.empty(3, dtype))
    # (1·(1+4) + 3·9) / 2 / 4 / 3 = 32 / 24
    assert_close(value, 32.0 / 24.0, dtype)
    assert_close(delta, [[0.25, 0.5, 0.0], [0.0, 0.0, 2.25]], dtype)


ROBUST = ["huber", "absolute_error", "quantile"]
PARAMETER = {"huber": 0.7, "absolute_error": 0.0, "quantile": 0.3}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("out", ROBUST)
def test_robust_loss_and_delta(dtype, out, weighted):
    """The robust losses: identity output, the loss averaged over outputs (as scikit-learn's
    squared error), and δ_L = s ψ(A − Y) / S with ψ their own derivative (0 where A = Y)."""
    rng = np.random.default_rng(8)
    m, n_out = 9, 3
    Z = rng.normal(size=(m, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    Y = rng.normal(size=(m, n_out)).astype(dtype)
    Y[0, 1] = Z[0, 1] + b[1]  # a zero residual: the subgradient 0
    Y[1, 0] = Z[1, 0] + b[0] + 0.7  # Huber's kink (|r| = δ)
    sw = sample_weights(rng, m, dtype) if weighted else no_weights(dtype)
    S = float(sw.sum()) if weighted else float(m)
    delta = np.full((m, n_out), np.nan, dtype)
    bias_grad = np.full(n_out, np.nan, dtype)
    value = losses.output_loss_and_delta(Z, b, Y, sw, S, losses.OUTPUTS[out].code, delta,
                                         bias_grad, PARAMETER[out])
    A = f64(Z)  # the identity output of Z + b, computed in the dtype
    sw64 = f64(sw) if weighted else None
    expected_delta = naive.output_error(A, f64(Y), out, PARAMETER[out]) * (
        1.0 if sw64 is None else sw64[:, None]) / S
    assert_close(value, naive.loss(f64(Y), A, out, sw64, parameter=PARAMETER[out]), dtype)
    assert_close(delta, expected_delta, dtype)
    assert_close(bias_grad, expected_delta.sum(axis=0), dtype)
    assert delta[0, 1] == 0


@pytest.mark.parametrize("out", ROBUST)
def test_robust_losses_raise_without_their_branch(out):
    """Compiled without the robust losses' branch (``extended`` None, as for networks of
    scikit-learn's outputs only), their codes raise rather than run another loss."""
    Z, Y = np.zeros((2, 3, 1))
    with pytest.raises(ValueError, match="unknown output code"):
        losses.output_loss_and_delta(Z, np.zeros(1), Y, no_weights(np.float64), 3.0,
                                     losses.OUTPUTS[out].code, np.empty_like(Z), np.empty(1),
                                     0.5, None)


def test_huber_with_a_huge_delta_is_squared_error(dtype):
    """Huber's ½r² convention: with δ beyond every residual it is squared error, loss and δ_L."""
    rng = np.random.default_rng(9)
    Z, Y = rng.normal(size=(2, 6, 2)).astype(dtype)
    results = []
    for code in (losses.IDENTITY, losses.HUBER):
        delta = np.empty_like(Z)
        value = losses.output_loss_and_delta(Z.copy(), np.zeros(2, dtype), Y, no_weights(dtype),
                                             6.0, code, delta, np.empty(2, dtype), 1e30)
        results.append((value, delta))
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert_close(results[0][0], results[1][0], dtype)
