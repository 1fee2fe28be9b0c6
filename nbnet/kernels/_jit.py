"""The one place for Numba options, and the two kinds of compiled function.

Every compiled kernel in nbnet is declared with :func:`jit` or :func:`subroutine`, so the
flags below are the whole story: kernels are cached on disk, release the GIL, and use
fast-math flags that allow reassociation and FMA contraction but keep NaN and infinity
semantics (``nnan`` and ``ninf`` are left out; even so, LLVM folded ``np.isfinite`` of a
value computed in the same function to True, so kernels test with
:func:`nbnet.kernels.elementary.finite`). ``error_model='numpy'`` lets loops that divide
vectorise, since division no longer has to raise. Kernels allocate nothing, and entry points
and their subroutines count no references to the arrays (see
:class:`._numba_compat.Subroutine`).

:func:`jit` makes an entry point, called from Python: ``whole_epochs``, ``split_epochs``,
``loss_and_gradient``, ``predict`` (and the helper thread's hand-over, ``post_epoch``).
:func:`subroutine` makes a kernel that is compiled only as part of its compiled callers.
Numba compiles every ``@njit`` callee as a complete function of its own, with Python and C
wrappers, LLVM's module optimisation and machine code, and then links its IR into each
caller and optimises and compiles it again there; a subroutine is typed and lowered once per
signature and then only linked, so that each entry point is optimised and turned into
machine code once. That halves the cold compile
(of a fit and score, float64 then float32 in one process: 14.3 s as subroutines on a 2-core
AVX-512 AMD EPYC, 2026-11; series in docs/dev/performance_kernels.rst). Subroutines use
Numba's internals, in :mod:`._numba_compat`.
"""

import functools
import inspect

import numba
from numba.extending import overload

from . import _cache, _numba_compat

FASTMATH_FLAGS = frozenset({"nsz", "arcp", "contract", "reassoc"})
ERROR_MODEL = "numpy"


def jit(function=None, *, parallel: bool = False, fastmath: frozenset = FASTMATH_FLAGS,
        reference_counted: bool = False):
    """Compile ``function`` with nbnet's Numba options (usable with or without arguments).

    An entry point takes every array from Python and allocates none, so it is compiled
    without Numba's reference counting (``reference_counted=False``; see
    :class:`._numba_compat.Subroutine`): it must not allocate, nor return an array that is
    not one of its arguments. Functions that return views to Python, as a subroutine called
    from Python may, need ``reference_counted=True``, and so do entry points where
    subroutines are overloads (:func:`_public_subroutine`), which Numba compiles with their
    caller's setting.
    """
    options = dict(
        cache=False,  # cached by _cache instead, keyed on all of nbnet's sources
        nogil=True,
        fastmath=set(fastmath),
        error_model=ERROR_MODEL,
        parallel=parallel,
        _nrt=reference_counted or not _numba_compat.INTERNALS,
        # called from Python only: no C wrapper (for passing a dispatcher to compiled code
        # as a first-class function) to compile with each signature
        no_cfunc_wrapper=True,
    )
    if function is None:
        return lambda f: _cache.enable(numba.njit(**options)(f))
    return _cache.enable(numba.njit(**options)(function))


def subroutine(function=None, *, inline: bool = False, fastmath: frozenset = FASTMATH_FLAGS,
               reads: tuple = ()):
    """Compile ``function`` only as part of its compiled callers (see the module docstring).

    ``inline=True`` has LLVM inline every call, so that constant arguments at a call site
    resolve the branches on them, and so that a loop calling it can be vectorised.
    ``fastmath`` replaces the fast-math flags; LLVM keeps them per instruction, so they hold
    inside callers compiled with other flags. ``reads`` names array parameters that the
    function only reads: they are typed read-only whether the caller's array is or not, so
    that a read-only input and a writable workspace share one compiled signature. Where
    :mod:`._numba_compat` cannot use Numba's internals, it is an overload of itself through
    Numba's public extension API (:func:`_public_subroutine`; ``reads`` is then unused).
    """
    if function is None:
        return lambda f: _make_subroutine(f, inline, fastmath, reads)
    return _make_subroutine(function, inline, fastmath, reads)


def _make_subroutine(function, inline, fastmath, reads):
    def python_dispatcher(f):
        return jit(f, fastmath=fastmath, reference_counted=True)

    if not _numba_compat.INTERNALS:
        return _public_subroutine(function, fastmath, python_dispatcher)
    return _numba_compat.Subroutine(function, inline, fastmath, ERROR_MODEL, python_dispatcher,
                                    reads)


def _public_subroutine(function, fastmath, python_dispatcher):
    """A subroutine made with public API only: ``function`` as the overload of a stand-in
    (``numba.extending.overload``), which compiled callers compile for their argument types,
    plain types before literal ones, without a Python wrapper. (A plain ``@njit`` callee
    compiled a signature per literal value at its call sites: a stochastic fit and an L-BFGS
    one took 2.5 times as long to compile; Zen 3, 2026-12.) Called from Python, the stand-in
    runs ``python_dispatcher(function)``, made on first use, passing the defaults of omitted
    arguments as :class:`._numba_compat.Subroutine` does."""
    defaults = [p.default for p in inspect.signature(function).parameters.values()]
    dispatcher = None

    @functools.wraps(function)
    def stand_in(*args):
        nonlocal dispatcher
        if dispatcher is None:
            dispatcher = python_dispatcher(function)
        return dispatcher(*args, *defaults[len(args):])

    options = dict(nogil=True, fastmath=set(fastmath), error_model=ERROR_MODEL)
    overload(stand_in, jit_options=options, strict=False, prefer_literal=False)(
        lambda *args, **kwargs: function)
    return stand_in
