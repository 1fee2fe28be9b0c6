"""``nbnet.elementary``: exp and tanh against long-double references, in the loops that use them.

The loops below are compiled with nbnet's own fast-math flags, reassociation included, as
the kernels that call these functions are: the accuracy must survive being inlined there.
"""

import numba
import numpy as np
import pytest

from nbnet import elementary
from nbnet._jit import ERROR_MODEL, FASTMATH_FLAGS

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


def _apply(name, x):
    out = np.empty_like(x)
    FUNCTIONS[name][0](x, out)
    return out


def _ulp_errors(result, x, name):
    """|result - f(x)| in units in the last place of the float64 reference, f in long double."""
    reference = FUNCTIONS[name][1](x.astype(np.longdouble))
    nearest = reference.astype(np.float64)
    normal = np.isfinite(nearest) & (np.abs(nearest) >= np.finfo(np.float64).tiny)
    error = np.abs(result.astype(np.longdouble) - reference)[normal]
    return (error / np.spacing(np.abs(nearest[normal])).astype(np.longdouble)).astype(np.float64)


@pytest.mark.parametrize("name", ["exp", "tanh"])
@pytest.mark.parametrize("low,high", [(-1e-9, 1e-9), (-0.35, 0.35), (0.29, 0.31), (-3.0, 3.0),
                                      (-40.0, 40.0), (-745.0, 709.7)])
def test_accuracy_float64(name, low, high):
    """Within 1 ulp (exp) and 3 ulp (tanh) of the exact value over each range; (0.29, 0.31)
    straddles tanh's switch from its series to the exponential."""
    x = np.random.default_rng(0).uniform(low, high, 50_000)
    errors = _ulp_errors(_apply(name, x), x, name)
    assert errors.size > 40_000
    assert errors.max() <= MAX_ULP[name], errors.max()


@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_special_values(name):
    """NaN, ±inf, ±0, the overflow threshold and the subnormal range come out as NumPy's."""
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 709.78, 709.79, 710.0, 1e300,
                  -708.5, -740.0, -745.1, -745.2, -1e300, 5e-324])
    result = _apply(name, x)
    with np.errstate(over="ignore"):
        expected = FUNCTIONS[name][1](x)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    finite = ~np.isnan(expected)
    # subnormal results: within one step of the subnormal grid
    np.testing.assert_allclose(result[finite], expected[finite], rtol=2e-16, atol=5e-324)


def test_exp_subnormal_range():
    """exp underflows gradually: below e^-708 the results are subnormal, then 0, as NumPy's."""
    x = np.linspace(-745.2, -708.0, 20_001)
    result = _apply("exp", x)
    expected = np.exp(x.astype(np.longdouble)).astype(np.float64)
    assert (result[x < -745.14] == 0).all()
    np.testing.assert_allclose(result, expected, rtol=1e-15, atol=5e-324)


def test_tanh_is_odd():
    x = np.random.default_rng(1).uniform(-5, 5, 10_000)
    np.testing.assert_array_equal(_apply("tanh", -x), -_apply("tanh", x))


@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_float32_rounds_to_nearest(name):
    """With float32 arguments (widened, computed in float64, stored as float32), each result
    is the float32 nearest the exact value."""
    x = np.random.default_rng(2).uniform(-20, 20, 100_000).astype(np.float32)
    result = _apply(name, x)
    assert result.dtype == np.float32
    nearest = FUNCTIONS[name][1](x.astype(np.longdouble)).astype(np.float32)
    np.testing.assert_array_equal(result, nearest)
