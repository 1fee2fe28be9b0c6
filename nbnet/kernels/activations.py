"""Hidden-layer activations: fused bias + forward pass, and derivatives in backprop.

Activations are selected by integer code (not by passing functions) so that one compiled
network serves every activation, and every mix of them across layers, without recompiling;
:data:`ACTIVATIONS` maps the public names to their codes and metadata. A code outside the
table raises ``ValueError`` in compiled code.

Most derivatives are taken from the output ``A = f(Z)``, so that ``Z`` need not be kept;
gelu's and silu's cannot be, and backprop keeps ``Z`` for the layers that use them (only
those: see :func:`nbnet.kernels.network.preactivation_offset`).

The kernels take an ``extended`` argument: None leaves the branches of the activations
scikit-learn lacks (codes from :data:`LEAKY_RELU` on) out of the compiled code, so that a
network with scikit-learn's activations only compiles as before nbnet had its own (their
inlined loops and the robust losses' made a cold first fit and predict up to 17% slower on a
2-core AVX-512 AMD EPYC, 2026-12); True compiles every branch (see
:class:`nbnet.kernels.network.Layout`).
"""

from typing import NamedTuple

import numpy as np

from ._jit import subroutine
from .elementary import constant_of_dtype, exp, log1p_unit, tanh


class Activation(NamedTuple):
    """A row of :data:`ACTIVATIONS`.

    code : the integer the compiled kernels switch on.
    init_factor : ``c`` of Glorot's initial weights' bound ``√(c / (fan_in + fan_out))``
        (scikit-learn's Glorot uniform: 2 for logistic, 6 otherwise; nbnet's activations
        take 6 too).
    needs_preactivation : whether the derivative needs ``Z`` besides ``A = f(Z)``
        (:func:`needs_preactivation` says the same in compiled code).
    """

    code: int
    init_factor: float
    needs_preactivation: bool


IDENTITY, LOGISTIC, TANH, RELU, LEAKY_RELU, ELU, GELU, SILU, SOFTPLUS = range(9)
ACTIVATIONS = {
    "identity": Activation(IDENTITY, 6.0, False),
    "logistic": Activation(LOGISTIC, 2.0, False),
    "tanh": Activation(TANH, 6.0, False),
    "relu": Activation(RELU, 6.0, False),
    "leaky_relu": Activation(LEAKY_RELU, 6.0, False),
    "elu": Activation(ELU, 6.0, False),
    "gelu": Activation(GELU, 6.0, True),
    "silu": Activation(SILU, 6.0, True),
    "softplus": Activation(SOFTPLUS, 6.0, False),
}
# leaky_relu's slope below 0 (PyTorch's default) and elu's α; gelu's tanh form (PyTorch's
# approximate='tanh'): 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
GELU_SCALE = 0.7978845608028654  # √(2/π)
GELU_CUBIC = 0.044715


@subroutine(inline=True)
def needs_preactivation(code):
    """Whether backprop needs a layer's pre-activation ``Z`` for activation ``code``."""
    return code == GELU or code == SILU


@subroutine
def bias_activation(Z, bias, code, pre, offset, extended=True):
    """``Z = f(Z + bias)`` in place, row by row, in one pass over ``Z``.

    For the activations that need it (:func:`needs_preactivation`), ``Z + bias`` is also
    written, row-major, into the flat ``pre`` from ``offset`` on; ``pre`` is not touched
    for the others. ``extended``: see the module docstring.
    """
    _by_code(Z, Z, bias, code, pre, offset, False, extended)


@subroutine
def derivative_and_bias_grad(A, delta, code, bias_grad, pre, offset, extended=True):
    """``delta *= f'(Z)``, from the output ``A = f(Z)`` where the activation allows.

    In the same pass, ``bias_grad`` receives the column sums of the finished ``delta``.
    gelu and silu read ``Z`` (row-major, ``A``'s shape) from the flat ``pre`` at ``offset``,
    as :func:`bias_activation` wrote it; the others do not read ``pre``. The formulas are
    :func:`_times_derivative`'s. ``extended``: see the module docstring.
    """
    for j in range(delta.shape[1]):
        bias_grad[j] = 0
    _by_code(A, delta, bias_grad, code, pre, offset, True, extended)


@subroutine(inline=True)
def _by_code(A, X, vector, code, pre, offset, backward, extended):
    """:func:`_rows` inlined at one call per activation, with the code a constant there:
    with the code a runtime value, LLVM vectorised none of the branches (a 32 × 64 float64
    relu derivative took 4.6 times as long; 2-core AVX-512 AMD EPYC, 2026-12). With
    ``extended`` None, Numba prunes
    the branches from :data:`LEAKY_RELU` on at typing (the test must be ``is None`` on an
    argument for that), and their codes raise."""
    if code == RELU:
        _rows(A, X, vector, RELU, pre, offset, backward)
    elif code == TANH:
        _rows(A, X, vector, TANH, pre, offset, backward)
    elif code == LOGISTIC:
        _rows(A, X, vector, LOGISTIC, pre, offset, backward)
    elif code == IDENTITY:
        _rows(A, X, vector, IDENTITY, pre, offset, backward)
    elif extended is None:
        raise ValueError("unknown activation code")
    elif code == LEAKY_RELU:
        _rows(A, X, vector, LEAKY_RELU, pre, offset, backward)
    elif code == ELU:
        _rows(A, X, vector, ELU, pre, offset, backward)
    elif code == GELU:
        _rows(A, X, vector, GELU, pre, offset, backward)
    elif code == SILU:
        _rows(A, X, vector, SILU, pre, offset, backward)
    elif code == SOFTPLUS:
        _rows(A, X, vector, SOFTPLUS, pre, offset, backward)
    else:
        raise ValueError("unknown activation code")


# Each activation is written once, as a scalar function of one value, and the row loops
# call it: the branches are typed and lowered once (a loop per activation and direction
# cost 0.5 s more of a cold compile on a 2-core AVX-512 AMD EPYC, 2026-12), and LLVM inlines
# each copy with its code constant.


def _formula_constants(t):
    return (t(0), t(1), t(0.5), t(LEAKY_SLOPE), t(ELU_ALPHA), t(GELU_SCALE), t(GELU_CUBIC),
            t(3 * GELU_CUBIC))


# The formulas' constants in the dtype of the value they are applied to (an intrinsic, not
# a compiled function of its own)
_constants = constant_of_dtype(_formula_constants(np.float32), _formula_constants(np.float64))


@subroutine(inline=True)
def _activate(v, code):
    """``f(v)`` for activation ``code`` (identity for a code without a branch)."""
    zero, one, half, slope, alpha, scale, cubic, _ = _constants(v)
    if code == RELU:
        return v if v > 0 else zero
    if code == TANH:
        return tanh(v)
    if code == LOGISTIC:
        return one / (one + exp(-v))
    if code == LEAKY_RELU:
        return v if v > 0 else slope * v
    if code == ELU:
        return v if v > 0 else alpha * (exp(v) - one)
    if code == GELU:
        return half * v * (one + tanh(scale * (v + cubic * v * v * v)))
    if code == SILU:
        return v / (one + exp(-v))
    if code == SOFTPLUS:  # log(1 + e^v) without overflow
        return (v if v > 0 else zero) + log1p_unit(exp(-abs(v)))
    return v


@subroutine(inline=True)
def _times_derivative(d, a, z, code):
    """``d · f'(z)`` for activation ``code``, with ``a = f(z)``.

    From ``a``: logistic ``a (1 - a)``; tanh ``1 - a²``; relu ``[a > 0]`` (the error is
    zeroed, as scikit-learn does); leaky_relu ``1`` or the slope; elu ``1`` or ``a + α``;
    softplus ``σ(z) = 1 - e^{-a}``; identity ``1``. From ``z`` and ``a``: gelu
    ``½(1 + t) + ½ z (1 - t²) √(2/π) (1 + 3·0.044715 z²)`` with
    ``t = tanh(√(2/π)(z + 0.044715 z³)) = 2a/z - 1``; silu ``σ(z) (1 + z (1 - σ(z)))``
    with ``σ(z) = a/z`` (``t = 0`` and ``σ = ½`` at ``z = 0``). Taking ``t`` and ``σ`` from
    the output saves a tanh or an exp per value (gelu's epoch in P1's set-up 13% shorter on
    a 2-core AVX-512 AMD EPYC, 2026-12), and is as accurate as the output: ``2a/z`` carries
    its few roundings, an error in ``t`` of a few ulp of ``1 + t``.
    """
    zero, one, half, slope, alpha, scale, cubic, cubic3 = _constants(d)
    if code == RELU:
        return d if a > 0 else zero
    if code == TANH:
        return d * (one - a * a)
    if code == LOGISTIC:
        return d * (a * (one - a))
    if code == LEAKY_RELU:
        return d if a > 0 else slope * d
    if code == ELU:
        return d if a > 0 else d * (a + alpha)
    if code == SOFTPLUS:
        return d * (one - exp(-a))
    if code == GELU:
        t = (a + a) / z - one if z != 0 else zero  # a = ½ z (1 + t): no second tanh
        return d * (half * (one + t) + half * z * (one - t * t) * scale * (one + cubic3 * z * z))
    if code == SILU:
        s = a / z if z != 0 else half  # a = z σ(z): no second exp
        return d * (s * (one + z * (one - s)))
    return d


@subroutine(inline=True)
def _rows(A, X, vector, code, pre, offset, backward):
    """The row loop of both directions (``backward`` is a constant at each call).

    Forward (``A`` is ``X``): ``X = f(X + vector)``, ``Z = X + vector`` kept in ``pre`` for
    the activations that need it. Backward: ``X *= f'`` from ``A`` (or ``Z`` in ``pre``),
    ``vector += `` the column sums of the new ``X``; each value is stored and summed in one
    loop: a second loop over the row for the sums kept LLVM from vectorising (a 32 × 64
    float64 relu took 3.2 times as long in two loops; 2-core AVX-512 AMD EPYC, 2026-12).
    """
    keep = needs_preactivation(code)
    m, n = X.shape
    for i in range(m):
        a = A[i]
        x = X[i]
        # a zero-based view, so that indexing it needs no check for negative indices (which
        # kept the loop from vectorising); not taken where nothing is kept
        z = pre[offset + i * n : offset + (i + 1) * n] if keep else a
        for j in range(n):
            if backward:
                v = _times_derivative(x[j], a[j], z[j] if keep else a[j], code)
                x[j] = v
                vector[j] += v
            else:
                v = x[j] + vector[j]
                if keep:
                    z[j] = v
                x[j] = _activate(v, code)
