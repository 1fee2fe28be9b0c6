"""The one place for Numba options.

Every compiled kernel in nbnet is declared with :func:`jit`, so the flags below are the
whole story: kernels are cached on disk, release the GIL, and use fast-math flags that
allow reassociation and FMA contraction but keep NaN and infinity semantics (``nnan`` and
``ninf`` are left out, so ``np.isfinite`` still works inside kernels). ``error_model='numpy'``
lets loops that divide vectorise, since division no longer has to raise.
"""

import numba

FASTMATH_FLAGS = frozenset({"nsz", "arcp", "contract", "reassoc"})


def jit(function=None, *, parallel: bool = False):
    """Compile ``function`` with nbnet's Numba options (usable with or without arguments)."""
    options = dict(
        cache=True,
        nogil=True,
        fastmath=set(FASTMATH_FLAGS),
        error_model="numpy",
        parallel=parallel,
    )
    if function is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(function)
