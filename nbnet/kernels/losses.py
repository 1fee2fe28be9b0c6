"""Output layers with their losses.

Each output activation is paired with the loss whose gradient with respect to the
pre-activation is simply ``A - Y``. One pass over the batch's block adds the bias and
applies the output activation (its exponentials vectorised across rows); a second one
accumulates the loss and writes the output error ``δ_L = s (A - Y) / S`` together with the
output bias gradient (see docs/MATH.md). The robust regression losses (Huber, absolute
error, quantile) keep the identity output but not the canonical link: their error is the
loss's own derivative, ``δ_L = s ψ(A - Y) / S``, with their parameter (Huber's δ, the
quantile q) the layout's ``output_parameter``.

The losses follow scikit-learn's definitions, including probabilities clipped to the
dtype's ``[eps, 1 - eps]`` before the log and the constant terms of the Poisson deviance,
so that the reported ``loss_`` is the same figure. Output codes are a namespace of their own
(:data:`OUTPUTS`), apart from the hidden activations' codes; a code outside the table raises
``ValueError`` in compiled code.
"""

from typing import NamedTuple

import numpy as np

from ._jit import subroutine
from .elementary import exp


class Output(NamedTuple):
    """A row of :data:`OUTPUTS`: the kernels' ``code`` and the ``loss`` paired with the activation."""

    code: int
    loss: str


SOFTMAX, LOGISTIC, IDENTITY, EXP, HUBER, ABSOLUTE_ERROR, QUANTILE = 0, 1, 2, 3, 4, 5, 6
# Keyed by output activation, and by loss for the identity outputs with a loss of their own.
OUTPUTS = {
    "softmax": Output(SOFTMAX, "log_loss"),
    "logistic": Output(LOGISTIC, "binary_log_loss"),
    "identity": Output(IDENTITY, "squared_error"),
    "exp": Output(EXP, "poisson"),
    "huber": Output(HUBER, "huber"),
    "absolute_error": Output(ABSOLUTE_ERROR, "absolute_error"),
    "quantile": Output(QUANTILE, "quantile"),
}
# np.finfo inside a kernel compiles two helpers per dtype; these are its two values.
_EPS_FLOAT32, _EPS_FLOAT64 = float(np.finfo(np.float32).eps), float(np.finfo(np.float64).eps)


@subroutine
def output_activation(Z, bias, code):
    """``Z = g(Z + bias)`` in place for the output activation ``g`` (softmax max-subtracted).

    ``Z`` is C-contiguous. The exponentials run in one loop over the whole block, so that they
    vectorise across rows: an output row has as few as one value.
    """
    if code < SOFTMAX or code > QUANTILE:
        raise ValueError("unknown output code")
    m, n = Z.shape
    for i in range(m):
        z = Z[i]
        for j in range(n):
            z[j] += bias[j]
        if code == SOFTMAX:
            top = z[0]
            for j in range(1, n):
                if z[j] > top:
                    top = z[j]
            for j in range(n):
                z[j] -= top
    values = Z.reshape(m * n)
    one = Z.dtype.type(1)
    if code == SOFTMAX or code == EXP:
        for k in range(m * n):
            values[k] = exp(values[k])
    elif code == LOGISTIC:
        for k in range(m * n):
            values[k] = one / (one + exp(-values[k]))
    if code == SOFTMAX:
        for i in range(m):
            z = Z[i]
            total = z.dtype.type(0)
            for j in range(n):
                total += z[j]
            for j in range(n):
                z[j] /= total


@subroutine
def _row_loss(a, y, code, eps):
    """Unweighted loss of one sample (sum over outputs), given the output activations ``a``."""
    loss = 0.0
    high = 1 - eps
    n = a.shape[0]
    if code == SOFTMAX:
        for j in range(n):
            if y[j] != 0:
                p = eps if a[j] < eps else (high if a[j] > high else a[j])  # NaN stays NaN
                loss -= y[j] * np.log(p)
    elif code == LOGISTIC:
        for j in range(n):
            p = eps if a[j] < eps else (high if a[j] > high else a[j])  # NaN stays NaN
            if y[j] != 0:
                loss -= y[j] * np.log(p)
            if y[j] != 1:
                loss -= (1 - y[j]) * np.log(1 - p)
    elif code == IDENTITY:
        for j in range(n):
            r = a[j] - y[j]
            loss += 0.5 * r * r
    else:
        for j in range(n):
            if y[j] != 0:
                loss += y[j] * np.log(y[j] / a[j])
            loss += a[j] - y[j]
    return loss


@subroutine
def output_loss_and_delta(Z, bias, Y, sw, total_weight, code, delta, bias_grad, parameter=0.0,
                          extended=True):
    """Finish the output layer of a batch and start the backward pass.

    Parameters
    ----------
    Z : (m, n_out) array, the product ``A_{L-1} W_L``; overwritten with ``A_L``.
    bias : (n_out,) output bias.
    Y : (m, n_out) targets.
    sw : (m,) sample weights, or an empty array for unit weights.
    total_weight : the sum ``S`` of the batch's sample weights (``m`` without weights).
    code : output code (:data:`OUTPUTS`).
    delta : (m, n_out) output buffer for ``δ_L = s (A_L - Y) / S`` (``s ψ(A_L - Y) / S``
        for the robust losses).
    bias_grad : (n_out,) output buffer for the column sums of ``δ_L``.
    parameter : Huber's δ, or the quantile q; not used by the other codes.
    extended : None leaves the robust losses' branch out of the compiled code (their codes
        then raise), True keeps it (see :class:`nbnet.kernels.network.Layout`).

    Returns
    -------
    loss : float
        The weighted mean loss ``(1/S) Σ_i s_i ℓ_i``, divided by ``n_out`` for squared error
        as scikit-learn reports it, and likewise for the robust losses (identity outputs).
        The L2 penalty is not included.
    """
    n = Z.shape[1]
    scale = Z.dtype.type(1.0 / total_weight)
    for j in range(n):
        bias_grad[j] = 0
    output_activation(Z, bias, code)  # raises on an unknown code
    # The row loop is inlined at one call per code, with the code a constant there, so that
    # each copy has its branches resolved. With the code a runtime value, LLVM computed the
    # logarithms of every code's branch (a 32 × 3 float64 softmax took 2.75 times as long;
    # 2-core AVX-512 AMD EPYC, 2026-12).
    if code == SOFTMAX:
        loss = _rows_loss_and_delta(Z, Y, sw, scale, SOFTMAX, delta, bias_grad)
    elif code == LOGISTIC:
        loss = _rows_loss_and_delta(Z, Y, sw, scale, LOGISTIC, delta, bias_grad)
    elif code == IDENTITY:
        loss = _rows_loss_and_delta(Z, Y, sw, scale, IDENTITY, delta, bias_grad)
    elif code == EXP:
        loss = _rows_loss_and_delta(Z, Y, sw, scale, EXP, delta, bias_grad)
    elif extended is None:
        raise ValueError("unknown output code")
    else:  # one copy for the three robust losses: no logarithms, a select per value
        loss = _robust_rows(Z, Y, sw, scale, code, parameter, delta, bias_grad)
    loss /= total_weight
    if code >= IDENTITY and code != EXP:
        loss /= n
    return loss


@subroutine(inline=True)
def _rows_loss_and_delta(A, Y, sw, scale, code, delta, bias_grad):
    """The row loop of :func:`output_loss_and_delta` on the outputs ``A``: Σ_i s_i ℓ_i, and
    δ_L and its sums."""
    m, n = A.shape
    weighted = sw.shape[0] > 0
    eps = A.dtype.type(_EPS_FLOAT32 if A.itemsize == 4 else _EPS_FLOAT64)
    loss = 0.0
    for i in range(m):
        a = A[i]
        y = Y[i]
        d = delta[i]
        s = sw[i] if weighted else A.dtype.type(1)
        loss += s * _row_loss(a, y, code, eps)
        factor = s * scale
        for j in range(n):
            d[j] = factor * (a[j] - y[j])
            bias_grad[j] += d[j]
    return loss


@subroutine(inline=True)
def _robust_rows(A, Y, sw, scale, code, parameter, delta, bias_grad):
    """The row loop of :func:`output_loss_and_delta` for the robust losses, of the residual
    ``r = a - y``: Σ_i s_i ℓ_i, and ``δ_L = s ψ(r) / S`` (``ψ = ∂ℓ/∂a``) and its sums.

    huber (δ = ``parameter``): ℓ = r²/2 where |r| ≤ δ, else δ(|r| − δ/2); ψ = r clipped to
    [−δ, δ]. absolute_error: ℓ = |r|; ψ = sign(r), 0 at 0. quantile (q = ``parameter``):
    the pinball loss ℓ = (1 − q) r where r > 0 (over-prediction), else −q r; ψ = 1 − q,
    −q, and 0 at 0.
    """
    m, n = A.shape
    weighted = sw.shape[0] > 0
    zero, one = A.dtype.type(0), A.dtype.type(1)
    k = A.dtype.type(parameter)
    above = one - k if code == QUANTILE else one  # ψ where r > 0 (huber: beyond δ, × δ)
    below = -k if code == QUANTILE else -one  # ψ where r < 0
    if code == HUBER:
        above, below = k, -k
    loss = 0.0
    for i in range(m):
        a = A[i]
        y = Y[i]
        d = delta[i]
        s = sw[i] if weighted else one
        factor = s * scale
        row = 0.0
        for j in range(n):
            r = a[j] - y[j]
            psi = above if r > 0 else (below if r < 0 else zero)
            if code == HUBER and abs(r) <= k:
                row += 0.5 * r * r
                psi = r
            else:
                row += psi * r if code != HUBER else k * (abs(r) - 0.5 * k)
            d[j] = factor * psi
            bias_grad[j] += d[j]
        loss += s * row
    return loss
