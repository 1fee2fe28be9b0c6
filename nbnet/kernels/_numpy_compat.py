"""Every use of NumPy's internals, behind a probe at import.

- :func:`generator_of`: the compiled epochs shuffle a fit's rows with its ``RandomState``'s
  own bit generator, whose C interface ``RandomState`` keeps in the private
  ``_bit_generator`` (see :mod:`.shuffling`). :data:`SHUFFLES_COMPILED` is True when the
  probe finds it, with ``ctypes`` and ``lock``, and shuffling with its draws in NumPy's
  Fisher–Yates order gives ``RandomState.shuffle``'s permutation. Otherwise (a NumPy that
  changed them, or ``NBNET_COMPAT_FALLBACK`` naming ``numpy``, which the tests use), fits
  shuffle in Python with ``RandomState.shuffle`` before each epoch, one epoch a compiled
  call: the same orders and weights, slower on small data sets, and one
  :class:`CompatibilityWarning` says so.
- :func:`numpy_openblas`: ``NBNET_BLAS=numpy`` finds the OpenBLAS bundled in NumPy's wheel
  by its file name; without it, scipy's is used, as by default.
"""

import ctypes
import glob
import os
import warnings

import numpy as np

from ._warnings import CompatibilityWarning, fallback_forced


def generator_of(random_state: np.random.RandomState) -> tuple[np.ndarray, object]:
    """The int64 ``[next_uint32 address, state address]`` of ``random_state``'s bit generator,
    and the lock that the caller holds while compiled code draws from it, as NumPy does."""
    bit_generator = random_state._bit_generator  # RandomState keeps its generator there
    interface = bit_generator.ctypes
    draw = ctypes.cast(interface.next_uint32, ctypes.c_void_p).value
    return np.array([draw, interface.state_address], dtype=np.int64), bit_generator.lock


def _shuffles_like_numpy() -> bool:
    """Whether NumPy's Fisher–Yates loop on :func:`generator_of`'s draws (what the compiled
    shuffle does) permutes as ``RandomState.shuffle`` does."""
    try:
        ours, numpy_state = np.random.RandomState(0), np.random.RandomState(0)
        (draw, state), _ = generator_of(ours)
        next_uint32 = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)(int(draw))
        order = list(range(20))
        for i in range(len(order) - 1, 0, -1):
            mask = (1 << i.bit_length()) - 1
            while (j := next_uint32(int(state)) & mask) > i:
                pass
            order[i], order[j] = order[j], order[i]
        expected = np.arange(20)
        numpy_state.shuffle(expected)
        return order == expected.tolist()
    except (AttributeError, TypeError, ValueError):
        return False


SHUFFLES_COMPILED = not fallback_forced("numpy") and _shuffles_like_numpy()
if not SHUFFLES_COMPILED:
    warnings.warn(
        f"nbnet cannot draw from NumPy {np.__version__}'s RandomState in compiled code: fits "
        "shuffle in Python before each epoch, more slowly, with the same results",
        CompatibilityWarning, stacklevel=2)


def numpy_openblas(routines) -> dict | None:
    """Addresses of the ``routines`` (``"sgemm"``, ...) in NumPy's bundled OpenBLAS (64-bit
    integers), or None."""
    root = os.path.dirname(np.__file__)
    for path in (glob.glob(os.path.join(root, os.pardir, "numpy.libs", "libscipy_openblas64_*"))
                 + glob.glob(os.path.join(root, ".dylibs", "libscipy_openblas64_*"))):
        try:
            library = ctypes.CDLL(path)  # NumPy has loaded it: the same library, not a copy
            return {name: ctypes.cast(getattr(library, f"scipy_{name}_64_"), ctypes.c_void_p).value
                    for name in routines}
        except (OSError, AttributeError):
            continue
    return None
