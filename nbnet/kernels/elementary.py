"""``exp``, ``tanh`` and ``log1p_unit`` (log(1 + x) on [0, 1]) that LLVM vectorises in the
loops that call them.

Numba compiles ``np.exp`` and ``np.tanh`` to calls of the C library's scalar functions, which
no loop around them can vectorise (pip's llvmlite has no vector maths library), so that
scikit-learn, with NumPy's vectorised ``np.tanh``, trained a tanh network on digits faster
than nbnet did. These are written in arithmetic only, inlined into their callers and
vectorised there: a float64 tanh in a loop takes a ninth of the C library's time (2-core
AVX-512 AMD EPYC, 2026-12; the table is in docs/dev/performance_kernels.rst).

Each computes in the precision of its argument. Accuracy, measured against long-double
references (``tests/test_elementary.py``): exp within 1 ulp, tanh within 3 ulp, log1p_unit
within 2 ulp, in both precisions; NaN and ±inf map as in NumPy; exp underflows through the subnormals to 0 and
overflows to inf. Their fast-math flags leave out reassociation, which would undo the exact
argument reduction below; LLVM keeps the flags per instruction, also once inlined.
"""

import math

import numpy as np
from llvmlite import ir
from numba import typeof, types
from numba.extending import intrinsic

from ._jit import subroutine
from ._numba_compat import TypingError

_EXACT = frozenset({"nsz", "contract"})
_LOG2_E = 1.4426950408889634


def _exp_constants(dtype, highest, lowest, ln2_high, ln2_low, degree):
    """What :func:`_exp` needs, in ``dtype``: the argument range beyond which e^x is inf or 0,
    a floor for k that NaN takes (so that k stays finite), log₂e, ln 2 in two parts (the high
    part with enough trailing zero bits that k · ln2_high is exact for every k) and the Taylor
    coefficients of e^r, highest degree first (|r| ≤ ln 2 / 2)."""
    taylor = tuple(dtype(1.0 / math.factorial(k)) for k in range(degree, -1, -1))
    return (dtype(highest), dtype(lowest), dtype(2 * lowest), dtype(_LOG2_E), dtype(0.5),
            dtype(ln2_high), dtype(ln2_low), taylor)


# fdlibm's split of ln 2 and degree 13 (truncation 4e-18) in float64; Cephes's split and
# degree 7 (truncation 5e-9) in float32.
_EXP_FLOAT64 = _exp_constants(np.float64, 709.8, -745.2, 6.93147180369123816490e-01,
                              1.90821492927058770002e-10, 13)
_EXP_FLOAT32 = _exp_constants(np.float32, 88.8, -104.0, 0.693359375, -2.12194440e-4, 7)


def _tanh_constants(dtype, n_terms):
    """What :func:`_tanh` needs, in ``dtype``: 1, and the Taylor coefficients of
    (tanh(a) - a) / a³ in powers of a², highest first, for |a| below ``_TANH_SERIES_BELOW``
    (where 1 - 2 / (e^{2a} + 1) would lose bits to cancellation)."""
    return dtype(1), dtype(_TANH_SERIES_BELOW), tuple(dtype(c) for c in _TANH_TAYLOR[-n_terms:])


_TANH_SERIES_BELOW = 0.3
_TANH_TAYLOR = (
    689005380505609448 / 263505041412702261046875,
    -8374643517010684 / 1298054391195577640625,
    58870668456604 / 3698160658676859375,
    -113927491862 / 2900518163668125,
    18888466084 / 194896477400625,
    -443861162 / 1856156927625,
    6404582 / 10854718875,
    -929569 / 638512875,
    21844 / 6081075,
    -1382 / 155925,
    62 / 2835,
    -17 / 315,
    2 / 15,
    -1 / 3,
)
# the first term left out, relative to tanh at 0.3: below 1e-20 in float64, 3e-12 in float32
_TANH_FLOAT64 = _tanh_constants(np.float64, 14)
_TANH_FLOAT32 = _tanh_constants(np.float32, 7)


def _log1p_constants(dtype, n_terms):
    """What :func:`log1p_unit` needs, in ``dtype``: 2, and the coefficients 1/(2k + 1) of
    atanh(s) / s in powers of s², highest first (the last, 1, is added apart). For 0 ≤ x ≤ 1, s = x / (2 + x) ≤ 1/3, so
    the first term left out is below (1/9)^n / (2n + 1) relative: 2e-17 for 16 terms
    (float64), 1.4e-8 for 7 (float32)."""
    return dtype(2), tuple(dtype(1 / (2 * k + 1)) for k in range(n_terms - 1, -1, -1))


_LOG1P_FLOAT64 = _log1p_constants(np.float64, 16)
_LOG1P_FLOAT32 = _log1p_constants(np.float32, 7)


def constant_of_dtype(float32_value, float64_value):
    """An intrinsic ``f(x)`` giving ``float32_value`` for a float32 ``x`` and ``float64_value``
    for a float64 one, as a constant: only the argument's precision is typed and compiled (a
    branch on the dtype typed both precisions' helpers in every fit, 0.1–0.2 s of a cold
    compile). The activations' formulas take their constants this way too."""
    values = {types.float32: float32_value, types.float64: float64_value}

    @intrinsic
    def constant(typingctx, x):
        if x not in values:
            raise TypingError(f"float32 or float64 expected, not {x}")
        value = values[x]
        kind = typeof(value)

        def codegen(context, builder, signature, args):
            return context.get_constant_generic(builder, kind, value)

        return kind(x), codegen

    return constant


@intrinsic
def _times_power_of_two(typingctx, p, k):
    """``p · 2^k`` for a whole-number float ``k`` of ``p``'s type, from IEEE exponent bits.

    2^k is applied as two factors 2^⌊k/2⌋ and 2^(k - ⌊k/2⌋), each a normal number for every
    k that exp produces, so that results in the subnormal range round once and the steps
    just below overflow stay exact.
    """
    if p not in (types.float32, types.float64) or k != p:
        raise TypingError("_times_power_of_two needs two floats of one type")
    if p == types.float32:
        integer, bias, shift, real = ir.IntType(32), 127, 23, ir.FloatType()
    else:
        integer, bias, shift, real = ir.IntType(64), 1023, 52, ir.DoubleType()

    def codegen(context, builder, signature, args):
        factor, exponent = args
        n = builder.fptosi(exponent, integer)
        half = builder.ashr(n, integer(1))
        for part in (half, builder.sub(n, half)):
            bits = builder.shl(builder.add(part, integer(bias)), integer(shift))
            factor = builder.fmul(factor, builder.bitcast(bits, real))
        return factor

    return p(p, k), codegen


@subroutine(inline=True, fastmath=_EXACT)
def _exp(x, constants):
    """``e^x`` with ``x = k ln 2 + r``: a polynomial for ``e^r``, times ``2^k``."""
    highest, lowest, k_floor, log2_e, half, ln2_high, ln2_low, taylor = constants
    x = highest if x > highest else x  # NaN passes both
    x = lowest if x < lowest else x
    k = np.floor(x * log2_e + half)
    k = k if k > k_floor else k_floor  # NaN's k: finite; its result is NaN through r
    r = (x - k * ln2_high) - k * ln2_low
    p = taylor[0]
    for c in taylor[1:]:
        p = p * r + c
    return _times_power_of_two(p, k)


@subroutine(inline=True, fastmath=_EXACT)
def _tanh(x, constants, exp_constants):
    """``tanh(x)``: a series near 0, ``1 - 2 / (e^{2|x|} + 1)`` beyond."""
    one, series_below, taylor = constants
    a = abs(x)
    s = a * a
    p = taylor[0]
    for c in taylor[1:]:
        p = p * s + c
    near_zero = a + a * (s * p)
    beyond = one - (one + one) / (_exp(a + a, exp_constants) + one)
    t = near_zero if a < series_below else beyond  # NaN takes the second: NaN
    return t if x >= 0 else -t


_exp_constants_of = constant_of_dtype(_EXP_FLOAT32, _EXP_FLOAT64)
_tanh_constants_of = constant_of_dtype(_TANH_FLOAT32, _TANH_FLOAT64)
_log1p_constants_of = constant_of_dtype(_LOG1P_FLOAT32, _LOG1P_FLOAT64)


@subroutine(inline=True, fastmath=_EXACT)
def exp(x):
    """``e^x`` in the precision of ``x`` (float32 or float64)."""
    return _exp(x, _exp_constants_of(x))


@subroutine(inline=True, fastmath=_EXACT)
def tanh(x):
    """``tanh(x)`` in the precision of ``x`` (float32 or float64)."""
    return _tanh(x, _tanh_constants_of(x), _exp_constants_of(x))


@subroutine(inline=True, fastmath=_EXACT)
def log1p_unit(x):
    """``log(1 + x)`` for ``0 ≤ x ≤ 1``, in the precision of ``x`` (softplus needs
    ``log1p(e^{-|z|})``; the series is not meant for arguments outside that range):
    ``2 atanh(s)`` with ``s = x / (2 + x)``, an odd series in ``s``."""
    two, coefficients = _log1p_constants_of(x)
    s = x / (x + two)
    s2 = s * s
    p = coefficients[0]
    for c in coefficients[1:-1]:
        p = p * s2 + c
    t = s + s
    return t + t * (s2 * p)  # the leading 2s added last: one rounding fewer


@subroutine(inline=True)
def finite(x):
    """Whether ``x`` is finite, tested as ``|x| < ∞`` (False for NaN). Under nbnet's fast-math
    flags LLVM folded ``np.isfinite`` to True for a NaN computed in the same function (the
    sum of two loaded values; a loop's sum then divided), although ``nnan`` and ``ninf`` are
    off; this comparison kept NaN and infinity in every case tried."""
    return abs(x) < np.inf
