"""``exp`` and ``tanh`` that LLVM vectorises in the loops that call them.

Numba compiles ``np.exp`` and ``np.tanh`` to calls of the C library's scalar functions, which
no loop around them can vectorise (pip's llvmlite has no vector maths library): a 200 × 100
tanh layer took 35 µs, NumPy's own vectorised ``np.tanh`` 1.5 µs, so that scikit-learn
trained a tanh network on digits faster than nbnet. These are written in arithmetic only,
inlined into their callers and vectorised there (float64 exp: 0.5 ns per value against
2.7 ns through the C library; tanh 0.9 against 9.2 ns).

Both compute in float64 (float32 arguments are widened; their results round to the nearest
float32 in every case we checked). Accuracy, measured against long-double references: exp
within 0.84 ulp, tanh within 2.5 ulp; NaN and ±inf map as in NumPy, exp underflows to
subnormals and to 0 and overflows to inf. Their fast-math flags leave out reassociation,
which would undo the exact argument reduction below.
"""

import math

import numpy as np

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._jit import subroutine

_EXACT = frozenset({"nsz", "contract"})

_LOG2_E = 1.4426950408889634
# ln 2 in two parts (fdlibm's): the high part has 21 trailing zero bits, so that k · _LN2_HIGH
# is exact for every exponent k, and x - k ln 2 keeps all its bits.
_LN2_HIGH = 6.93147180369123816490e-01
_LN2_LOW = 1.90821492927058770002e-10
# Taylor coefficients of e^r, highest degree first (|r| ≤ ln 2 / 2: degree 13 leaves 4e-18).
_EXP_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(13, -1, -1))
# Taylor coefficients of (tanh(a) - a) / a³ in powers of a², highest first: used for |a| < 0.3,
# where 1 - 2 / (e^{2a} + 1) would lose bits to cancellation.
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
_TANH_SERIES_BELOW = 0.3


@intrinsic
def _float64_from_bits(typingctx, bits):
    """The float64 whose IEEE bits are the int64 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@subroutine(inline=True, fastmath=_EXACT)
def exp(x):
    """``e^x`` in float64: ``x = k ln 2 + r``, a polynomial for ``e^r``, times ``2^k``."""
    x = np.float64(x)
    x = 709.8 if x > 709.8 else x  # beyond these e^x is inf or 0; NaN passes both
    x = -745.2 if x < -745.2 else x
    k = np.floor(x * _LOG2_E + 0.5)
    k = k if k > -1100.0 else -1100.0  # a finite k for NaN, whose result is NaN through r
    r = (x - k * _LN2_HIGH) - k * _LN2_LOW
    p = _EXP_TAYLOR[0]
    for c in _EXP_TAYLOR[1:]:
        p = p * r + c
    # 2^k as two factors 2^(k/2), each a normal number, so that results in the subnormal
    # range and the last steps to overflow come out right.
    n = np.int64(k)
    half = n >> 1
    return p * _float64_from_bits((half + 1023) << 52) * _float64_from_bits((n - half + 1023) << 52)


@subroutine(inline=True, fastmath=_EXACT)
def tanh(x):
    """``tanh(x)`` in float64: a series near 0, ``1 - 2 / (e^{2|x|} + 1)`` beyond."""
    a = abs(np.float64(x))
    s = a * a
    p = _TANH_TAYLOR[0]
    for c in _TANH_TAYLOR[1:]:
        p = p * s + c
    near_zero = a + a * (s * p)
    beyond = 1.0 - 2.0 / (exp(2.0 * a) + 1.0)
    t = near_zero if a < _TANH_SERIES_BELOW else beyond  # NaN takes the second: NaN
    return t if x >= 0 else -t
