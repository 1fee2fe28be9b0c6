"""``nbnet.kernels.elementary``: exp, tanh and log1p_unit against long-double references, in the
loops that use them.

The loops below are compiled with nbnet's own fast-math flags, reassociation included, as
the kernels that call these functions are: the accuracy must survive being inlined there.
"""

import numba
import numpy as np
import pytest

from nbnet.kernels import elementary
from nbnet.kernels._jit import ERROR_MODEL, FASTMATH_FLAGS, jit
from nbnet.kernels.elementary import finite

_loop = numba.njit(fastmath=set(FASTMATH_FLAGS), error_model=ERROR_MODEL)


@_loop
def _exp_loop(x, out):
    for i in range(x.shape[0]):
        out[i] = elementary.exp(x[i])


@_loop
def _tanh_loop(x, out):
    for i in range(x.shape[0]):
        out[i] = elementary.tanh(x[i])


FUNCTIONS = {"exp": (_exp_loop, np.exp), "tanh": (_tanh_loop, np.tanh)}
MAX_ULP = {"exp": 1.0, "tanh": 3.0}
# e^x is finite and normal above the low end, and overflows above the high one
EXP_RANGE = {np.float64: (-708.0, 709.7), np.float32: (-87.0, 88.7)}


def _apply(name, x):
    out = np.full_like(x, 7.0)
    FUNCTIONS[name][0](x, out)
    return out


def _ulp_errors(result, x, name):
    """|result - f(x)| in units in the last place of the reference rounded to ``x``'s dtype,
    f computed in long double; normal results only."""
    reference = FUNCTIONS[name][1](x.astype(np.longdouble))
    nearest = reference.astype(x.dtype)
    normal = np.isfinite(nearest) & (np.abs(nearest) >= np.finfo(x.dtype).tiny)
    error = np.abs(result.astype(np.longdouble) - reference)[normal]
    return (error / np.spacing(np.abs(nearest[normal])).astype(np.longdouble)).astype(np.float64)


@pytest.mark.parametrize("name", ["exp", "tanh"])
@pytest.mark.parametrize("low,high", [(-1e-9, 1e-9), (-0.35, 0.35), (0.29, 0.31), (-3.0, 3.0),
                                      (-40.0, 40.0), (None, None)],
                         ids=["tiny", "reduced", "tanh-switch", "3", "40", "exp-range"])
def test_accuracy(dtype, name, low, high):
    """Within 1 ulp (exp) and 3 ulp (tanh) of the exact value over each range, in the
    argument's precision; (0.29, 0.31) straddles tanh's switch from its series to exp."""
    if low is None:
        low, high = EXP_RANGE[dtype]
    x = np.random.default_rng(0).uniform(low, high, 50_000).astype(dtype)
    result = _apply(name, x)
    assert result.dtype == dtype
    errors = _ulp_errors(result, x, name)
    assert errors.size > 40_000
    assert errors.max() <= MAX_ULP[name], errors.max()


@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_special_values(dtype, name):
    """NaN, ±inf, ±0, both sides of the overflow threshold and the subnormal range come out as
    NumPy's (subnormal results within one step of the subnormal grid)."""
    if dtype == np.float64:
        edges = [709.78, 709.79, 710.0, 1e300, -708.5, -740.0, -745.1, -745.2, -1e300, 5e-324]
    else:
        edges = [88.72, 88.73, 89.0, 1e30, -87.5, -100.0, -103.2, -103.99, -1e30, 1e-45]
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, *edges], dtype=dtype)
    result = _apply(name, x)
    with np.errstate(over="ignore"):
        expected = FUNCTIONS[name][1](x)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    finite = ~np.isnan(expected)
    tiny = np.finfo(dtype).smallest_subnormal
    np.testing.assert_allclose(result[finite], expected[finite], rtol=2 * np.finfo(dtype).eps,
                               atol=tiny)


def test_exp_subnormal_range(dtype):
    """exp underflows gradually: below the normal range the results are subnormal, within one
    step of the subnormal grid, and then 0."""
    tiny = np.finfo(dtype).smallest_subnormal
    low, high = np.log(np.longdouble(tiny) / 2), np.log(np.longdouble(np.finfo(dtype).tiny))
    x = np.linspace(float(low) - 0.5, float(high), 20_001).astype(dtype)
    result = _apply("exp", x)
    expected = np.exp(x.astype(np.longdouble))
    np.testing.assert_allclose(result, expected.astype(dtype), rtol=2 * np.finfo(dtype).eps,
                               atol=tiny)
    assert (result[x < low] == 0).all() and (result[x > low + 1] > 0).all()


def test_tanh_is_odd(dtype):
    x = np.random.default_rng(1).uniform(-5, 5, 10_000).astype(dtype)
    np.testing.assert_array_equal(_apply("tanh", -x), -_apply("tanh", x))


@_loop
def _log1p_loop(x, out):
    for i in range(x.shape[0]):
        out[i] = elementary.log1p_unit(x[i])


@pytest.mark.parametrize("low,high", [(0.0, 1e-9), (0.0, 1e-3), (0.0, 1.0), (0.9, 1.0)],
                         ids=["tiny", "small", "unit", "near-1"])
def test_log1p_unit_accuracy(dtype, low, high):
    """``log1p_unit`` is within 2 ulp of log(1 + x) on its domain [0, 1] (softplus's
    ``log1p(e^{-|z|})``), and 0 at 0."""
    x = np.random.default_rng(0).uniform(low, high, 50_000).astype(dtype)
    x[:2] = [low, high]
    out = np.full_like(x, 7.0)
    _log1p_loop(x, out)
    reference = np.log1p(x.astype(np.longdouble))
    nearest = reference.astype(dtype)
    normal = np.abs(nearest) >= np.finfo(dtype).tiny
    error = np.abs(out.astype(np.longdouble) - reference)[normal]
    ulps = (error / np.spacing(np.abs(nearest[normal])).astype(np.longdouble)).astype(float)
    assert ulps.max() <= 2.0, ulps.max()
    if low == 0.0:
        assert out[0] == 0.0


@jit
def _finite_of_computed(values):
    """``finite`` of values computed in the function: a sum of two loaded values, and a loop's
    sum divided (the forms for which LLVM folded ``np.isfinite`` to True)."""
    total = 0.0
    for i in range(values.shape[0]):
        total += values[i]
    total /= values.shape[0]
    return finite(values[0] + values[1]), finite(total)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_finite_sees_nan_and_infinity_computed_in_the_function(dtype, bad):
    assert _finite_of_computed(np.array([1.0, 2.0, 3.0], dtype)) == (True, True)
    assert _finite_of_computed(np.array([bad, 2.0, 3.0], dtype)) == (False, False)
