"""``nbnet.kernels._jit``: subroutines compile inside their callers, once per signature."""

import sys

import numba
import numpy as np
import pytest
from numba.core import event

from nbnet.kernels._jit import FASTMATH_FLAGS, _public_subroutine, jit, subroutine
from nbnet.kernels._numba_compat import INTERNALS


@subroutine
def _scaled_sum(x, scale=2.0, negate=False):
    total = 0.0
    for value in x:
        total += value
    return -scale * total if negate else scale * total


@subroutine
def _checked_reshape(x, rows):
    return x.reshape(rows, -1)


# Not cached: a caller loaded from the disk cache is not typed again, so its subroutines
# would compile nothing and the signature count below would depend on the cache's state.
@numba.njit(cache=False)
def _calls_with_defaults(x):
    return _scaled_sum(x), _scaled_sum(x, 3.0), _scaled_sum(x, 3.0, True)


@numba.njit(cache=False)
def _calls_with_literals(x):
    # The literal flags below must not give signatures of their own.
    return _scaled_sum(x, 1.0, True) + _scaled_sum(x, 1.0, False)


@subroutine(inline=True)
def _signed_sum(x, negate):
    return _scaled_sum(x, 1.0, negate)


@jit
def _calls_inlined(x):
    return _signed_sum(x, True), _signed_sum(x, False)


@jit
def _reshapes(x, rows):
    return _checked_reshape(x, rows).shape[0]


def test_subroutine_takes_python_defaults_and_compiles_once_per_signature():
    x = np.arange(4.0)
    assert _calls_with_defaults(x) == (12.0, 18.0, -18.0)
    assert _calls_with_literals(x) == 0.0
    compiled = [types for types in _scaled_sum.signatures if types[0].dtype.bitwidth == 64]
    assert len(compiled) == 1, compiled


def test_inlined_subroutine_gives_the_results_of_each_call():
    assert _calls_inlined(np.arange(4.0)) == (-6.0, 6.0)


@subroutine
def _offset_sum(x, offset=1.0, negate=False):
    return -(x.sum() + offset) if negate else x.sum() + offset


def test_subroutine_is_callable_from_python():
    assert _scaled_sum(np.arange(3.0), 0.5) == 1.5


def test_a_python_call_that_omits_defaults_runs_the_signature_of_one_that_passes_them():
    x = np.arange(3.0)
    assert (_offset_sum(x), _offset_sum(x, 2.0), _offset_sum(x, 2.0, True)) == (4.0, 5.0, -5.0)
    assert len(_offset_sum.signatures) == 1, _offset_sum.signatures


def test_subroutine_propagates_errors_to_its_compiled_caller():
    assert _reshapes(np.zeros(6), 3) == 3
    with pytest.raises(ValueError):
        _reshapes(np.zeros(6), 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_subroutine_keeps_the_error_model(dtype):
    """A subroutine runs with nbnet's error model: division by zero gives inf, not an error."""
    x = np.ones(2, dtype)
    assert _divides(x, dtype(0)) == np.inf


@subroutine
def _divide(a, b):
    return a / b


@jit
def _divides(x, zero):
    return _divide(x[0], zero)


def _times(x, factor, negate=False):
    return -x * factor if negate else x * factor


# The subroutine Numba's public API makes, where nbnet cannot use its internals.
_public_times = _public_subroutine(_times, FASTMATH_FLAGS, numba.njit)


@numba.njit(cache=False)
def _calls_public_with_literals(x):
    return _public_times(x, 1, False) + _public_times(x, 2, False) + _public_times(x, 3, True)


def test_public_api_subroutine_compiles_once_for_literal_arguments():
    """Literal arguments at call sites are typed as plain types first: one compile, where a
    plain ``@njit`` callee compiled one per literal value."""
    with event.install_recorder("numba:compile") as recorder:
        assert _calls_public_with_literals(2.0) == 0.0
    compiled = [e.data["dispatcher"].py_func for _, e in recorder.buffer if e.is_start]
    assert compiled.count(_times) == 1, compiled
    assert (_public_times(2.0, 3), _public_times(2.0, 3, True)) == (6.0, -6.0)  # from Python


@subroutine
def _halves_of(x):
    middle = x.shape[0] // 2
    return x[:middle], x[middle:]


@subroutine
def _half_sums(x):
    first, second = _halves_of(x)
    return first.sum(), second.sum()


@jit
def _entry_half_sums(x):
    return _half_sums(x)


def test_views_returned_between_subroutines_keep_the_arguments_reference_counts():
    """Entry points count no references, calls from Python count them all: either way each
    call leaves its argument's reference count as it was (no view leaked or freed twice)."""
    x = np.arange(6.0)
    before = sys.getrefcount(x)
    for _ in range(50):
        assert _entry_half_sums(x) == (3.0, 12.0)
        assert _half_sums(x) == (3.0, 12.0)
        first, second = _halves_of(x)
        assert np.shares_memory(first, x) and second.tolist() == [3.0, 4.0, 5.0]
        del first, second
    assert sys.getrefcount(x) == before


@subroutine
def _zeros(n):
    return np.zeros(n)


@subroutine
def _head_of_copy(x):
    return x.copy()[:2]


@jit
def _sum_of_zeros(n):
    return _zeros(n).sum()


@jit
def _sum_of_head_of_copy(x):
    return _head_of_copy(x).sum()


@pytest.mark.skipif(not INTERNALS, reason="Numba's public API: entry points count references")
def test_a_subroutine_that_allocates_does_not_compile_into_an_entry_point():
    """Entry points count no references, so no array they use may be allocated: Numba's
    ``np.zeros`` fails to type there, and a view of a copy fails when it is linked."""
    with pytest.raises(numba.core.errors.TypingError, match="returning of array"):
        _sum_of_zeros(3)
    with pytest.raises(numba.core.errors.TypingError, match="_head_of_copy allocates"):
        _sum_of_head_of_copy(np.zeros(3))


@subroutine(reads=("x",))
def _first_of(x):
    return x[0]


@jit
def _firsts(writable, read_only):
    return _first_of(writable) + _first_of(read_only)


@pytest.mark.skipif(not INTERNALS, reason="Numba's public API types each argument as it is")
def test_a_parameter_only_read_shares_one_signature_for_writable_and_read_only_arrays():
    read_only = np.arange(3.0)
    read_only.flags.writeable = False
    assert _firsts(np.ones(3), read_only) == 1.0
    assert len(_first_of.signatures) == 1, _first_of.signatures


@subroutine(reads=("x",))
def _writes_into(x):
    x[0] = 1.0


@jit
def _calls_writes_into(x):
    _writes_into(x)


@pytest.mark.skipif(not INTERNALS, reason="Numba's public API types each argument as it is")
def test_a_parameter_declared_read_only_cannot_be_written():
    with pytest.raises(numba.core.errors.TypingError):
        _calls_writes_into(np.zeros(2))
