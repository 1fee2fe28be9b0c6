"""The one place for Numba options, and the two kinds of compiled function.

Every compiled kernel in nbnet is declared with :func:`jit` or :func:`subroutine`, so the
flags below are the whole story: kernels are cached on disk, release the GIL, and use
fast-math flags that allow reassociation and FMA contraction but keep NaN and infinity
semantics (``nnan`` and ``ninf`` are left out; even so, LLVM folded ``np.isfinite`` of a
value computed in the same function to True, so kernels test with
:func:`nbnet.kernels.elementary.finite`). ``error_model='numpy'`` lets loops that divide vectorise, since division no
longer has to raise.

:func:`jit` makes an entry point, called from Python: ``stochastic_epochs``,
``loss_and_gradient``, ``predict``. :func:`subroutine` makes a kernel that is compiled
only as part of its compiled callers. Numba compiles every ``@njit`` callee as a complete
function of its own, with Python and C wrappers, LLVM's module optimisation and machine
code, and then links its IR into each caller and optimises and compiles it again there; a
subroutine is typed and lowered once per signature and then only linked, so that each
entry point is optimised and turned into machine code once. That halves the cold compile
(of a fit and score, float64 then float32 in one process: 14.3 s as subroutines on a 2-core
AVX-512 AMD EPYC, 2026-11; series in docs/dev/performance_kernels.rst).
"""

import functools
import inspect

import numba
from numba import types
from numba.core import compiler, cpu
from numba.core.codegen import JITCodeLibrary
from numba.core.imputils import lower_builtin
from numba.core.registry import cpu_target
from numba.core.typing.templates import AbstractTemplate, infer_global, signature

from . import _cache

FASTMATH_FLAGS = frozenset({"nsz", "arcp", "contract", "reassoc"})
ERROR_MODEL = "numpy"


def jit(function=None, *, parallel: bool = False, fastmath: frozenset = FASTMATH_FLAGS):
    """Compile ``function`` with nbnet's Numba options (usable with or without arguments)."""
    options = dict(
        cache=False,  # cached by _cache instead, keyed on all of nbnet's sources
        nogil=True,
        fastmath=set(fastmath),
        error_model=ERROR_MODEL,
        parallel=parallel,
    )
    if function is None:
        return lambda f: _cache.enable(numba.njit(**options)(f))
    return _cache.enable(numba.njit(**options)(function))


class _LinkOnlyLibrary(JITCodeLibrary):
    """Code of a subroutine: linked into its callers, never optimised or run on its own.

    Finalising links in what the subroutine itself calls, so that a caller gets everything
    in one module; the caller's own finalisation optimises the whole and emits machine code.
    """

    def finalize(self):
        self._raise_if_finalized()
        for library in dict.fromkeys(self._linking_libraries):
            self._reload_init.update(library._reload_init)
            self._final_module.link_in(library._get_module_for_linking(), preserve=True)
        self._final_module.verify()
        self._finalized = True


def _subroutine_flags(fastmath) -> compiler.Flags:
    flags = compiler.Flags()
    flags.nrt = True
    flags.no_compile = True
    flags.no_cpython_wrapper = True
    flags.no_cfunc_wrapper = True
    flags.fastmath = cpu.FastMathOptions(set(fastmath))
    flags.error_model = ERROR_MODEL
    return flags


class Subroutine:
    """A function compiled only inside its compiled callers (see the module docstring).

    Called from compiled code, it is compiled once per signature of its positional
    arguments (literals are typed as their plain types; omitted trailing arguments take
    the Python defaults). Called from Python (the tests do), it runs through an ordinary
    :func:`jit` dispatcher built on first use.
    """

    def __init__(self, function, inline=False, fastmath=FASTMATH_FLAGS):
        functools.update_wrapper(self, function)
        self.py_func = function
        self._inline = inline
        self._fastmath = fastmath
        self._defaults = [p.default for p in inspect.signature(function).parameters.values()]
        self._compiled = {}
        self._dispatcher = None
        this = self

        class _Template(AbstractTemplate):
            key = self

            def generic(self, args, kws):
                return None if kws else this._type_call(self.context, args)

        infer_global(self, types.Function(_Template))
        lower_builtin(self, types.VarArg(types.Any))(self._lower_call)

    @property
    def signatures(self) -> list:
        """Argument types compiled so far, for compiled callers and for Python calls."""
        python = self._dispatcher.signatures if self._dispatcher is not None else []
        return list(self._compiled) + list(python)

    def __call__(self, *args):
        if self._dispatcher is None:
            self._dispatcher = jit(self.py_func, fastmath=self._fastmath)
        return self._dispatcher(*args)

    def _argument_types(self, given):
        """The plain types of the ``given`` arguments, and those with the defaults added."""
        given = tuple(types.unliteral(arg) for arg in given)
        defaults = tuple(numba.typeof(value) for value in self._defaults[len(given):])
        return given, given + defaults

    def _type_call(self, typing_context, args):
        given, complete = self._argument_types(args)
        if complete not in self._compiled:
            target_context = cpu_target.target_context
            library = _LinkOnlyLibrary(target_context.codegen(), self.py_func.__qualname__)
            self._compiled[complete] = compiler.compile_internal(
                typing_context, target_context, library, self.py_func, complete, None,
                _subroutine_flags(self._fastmath), {})
            if self._inline:
                compiled = self._compiled[complete]
                library.get_function(compiled.fndesc.llvm_func_name).add_function_attribute(
                    "alwaysinline")
        return signature(self._compiled[complete].signature.return_type, *given)

    def _lower_call(self, context, builder, sig, args):
        given, complete = self._argument_types(sig.args)
        compiled = self._compiled[complete]
        defaults = [context.get_constant_generic(builder, kind, value) for kind, value in
                    zip(complete[len(given):], self._defaults[len(given):])]
        context.active_code_library.add_linking_library(compiled.library)
        return context.call_internal(builder, compiled.fndesc, compiled.signature,
                                     [*args, *defaults])


def subroutine(function=None, *, inline: bool = False, fastmath: frozenset = FASTMATH_FLAGS):
    """Compile ``function`` only as part of its compiled callers (see :class:`Subroutine`).

    ``inline=True`` has LLVM inline every call, so that constant arguments at a call site
    resolve the branches on them, and so that a loop calling it can be vectorised.
    ``fastmath`` replaces the fast-math flags; LLVM keeps them per instruction, so they hold
    inside callers compiled with other flags.
    """
    if function is None:
        return lambda f: Subroutine(f, inline, fastmath)
    return Subroutine(function, inline, fastmath)
