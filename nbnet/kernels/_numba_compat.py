"""Every use of Numba's internals, behind a probe at import.

Two things nbnet does need Numba's private state, and both only make kernels compile faster
or load from the right place; neither changes what a kernel computes:

- :class:`Subroutine` (see :mod:`._jit`) compiles a kernel only as part of its compiled
  callers: a code library that links and never optimises on its own, typed and lowered
  through Numba's compiler pipeline, with a typing template and a lowering of its own, and
  without reference counting where its callers have no counts.
- :class:`SourceHashCache` (see :mod:`._cache`) keys the disk cache on a hash of all of the
  kernels' sources: a subclass of Numba's cache locator, set as a dispatcher's ``_cache``.
  It loads a kernel with Numba's runtime initialised but not the rest of its target context
  (every implementation registry, which only a compile uses).

:data:`INTERNALS` is True when every private name these use is there, in the form nbnet
was tested with (Numba 0.66 to 0.68): the import succeeds, the code library's constructors
set the attributes that :class:`_LinkOnlyLibrary` reads, and the dispatcher's
``enable_caching`` sets ``_cache``. Otherwise (a Numba that changed them, or
``NBNET_COMPAT_FALLBACK`` naming ``numba``, which the tests use) :mod:`._jit` and
:mod:`._cache` use public API only: subroutines are overloads (``numba.extending``),
compiled on their own and then linked, and Numba's own cache (``cache=True``) is kept in
nbnet's source-hash folder; fits give the same weights to round-off and compile slower, and
one :class:`CompatibilityWarning` says so.

Besides, the intrinsics use ``cgutils`` and ``TypingError`` from ``numba.core``, part of
Numba's documented extension API (the ``@intrinsic`` examples of its manual); they are
imported from here so that no other module imports ``numba.core``.
"""

import functools
import inspect
import os
import threading
import warnings
from pathlib import Path

import numba
from numba.core import cgutils  # noqa: F401 (re-exported, documented extension API)
from numba.core.errors import TypingError  # noqa: F401 (the same)

from ._warnings import CompatibilityWarning, fallback_forced

# Versions whose internals nbnet was tested with; a later one is probed.
_OLDEST_TESTED = (0, 66)


def _version() -> tuple[int, int]:
    major, minor = numba.__version__.split(".")[:2]
    return int(major), int(minor)


def _sets(cls, attributes) -> bool:
    """Whether the constructors of ``cls`` (its own and its bases') assign ``attributes``."""
    names = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if inspect.isfunction(init):
            names.update(init.__code__.co_names)
    return set(attributes) <= names


try:
    from numba.core import compiler, cpu
    from numba.core.caching import CompileResultCacheImpl, FunctionCache, _CacheLocator
    from numba.core.codegen import JITCodeLibrary
    from numba.core.dispatcher import Dispatcher
    from numba.core.imputils import lower_builtin
    from numba.core.registry import cpu_target
    from numba.core.runtime import rtsys
    from numba.core.typing.templates import AbstractTemplate, infer_global, signature
    from numba.misc.appdirs import AppDirs
    INTERNALS = (
        not fallback_forced("numba")
        and _version() >= _OLDEST_TESTED
        and _sets(JITCodeLibrary, ["_linking_libraries", "_reload_init", "_final_module"])
        and all(hasattr(JITCodeLibrary, name) for name in
                ["_raise_if_finalized", "_get_module_for_linking", "add_linking_library"])
        and all(hasattr(compiler.Flags, name) for name in
                ["nrt", "no_compile", "no_cpython_wrapper", "no_cfunc_wrapper", "fastmath",
                 "error_model"])
        and hasattr(compiler, "compile_internal") and hasattr(cpu, "FastMathOptions")
        and "_cache" in Dispatcher.enable_caching.__code__.co_names
        and hasattr(CompileResultCacheImpl, "_locator_classes")
        and hasattr(FunctionCache, "_impl_class")
        and all(hasattr(FunctionCache, name) for name in
                ["_load_overload", "_guard_against_spurious_io_errors"])
        and "refresh" in compiler.CompilerBase.__init__.__code__.co_names
        and hasattr(rtsys, "initialize"))
except (ImportError, AttributeError, ValueError):
    INTERNALS = False

if not INTERNALS:
    warnings.warn(
        f"nbnet does not use Numba {numba.__version__}'s internals (tested with 0.66 to "
        "0.68): kernels compile through its public API, more slowly, with the same results",
        CompatibilityWarning, stacklevel=2)


def user_cache_dir() -> Path:
    """Numba's user-wide cache folder (``~/.cache/numba`` on Linux)."""
    if INTERNALS:
        return Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "numba"


def enable_own_cache(dispatcher, folder: Path):
    """Numba's own cache for ``dispatcher`` (``cache=True``), kept under ``folder``.

    Numba places it under ``NUMBA_CACHE_DIR`` when that is set (``numba.config.CACHE_DIR``,
    read when the cache is made), so that is set to ``folder`` for the call and restored; the
    kernels call this while their modules are imported, under Python's import lock.
    """
    saved = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(folder)
    try:
        dispatcher.enable_caching()
    finally:
        numba.config.CACHE_DIR = saved


if INTERNALS:
    class _LinkOnlyLibrary(JITCodeLibrary):
        """Code of a subroutine: linked into its callers, never optimised or run on its own.

        Finalising links in what the subroutine itself calls, so that a caller gets
        everything in one module; the caller's own finalisation optimises the whole and
        emits machine code.
        """

        def finalize(self):
            self._raise_if_finalized()
            for library in dict.fromkeys(self._linking_libraries):
                self._reload_init.update(library._reload_init)
                self._final_module.link_in(library._get_module_for_linking(), preserve=True)
            self._final_module.verify()
            allocators = [f.name for f in self._final_module.functions
                          if f.name.startswith(_ALLOCATORS)]
            if allocators:  # see Subroutine: its arrays' lifetimes would go unmanaged
                raise TypingError(f"the subroutine {self.name} allocates ({allocators[0]}); "
                                  "nbnet's kernels take every array from their callers")
            self._finalized = True

    # Numba's runtime functions that allocate memory (numba.core.runtime.context).
    _ALLOCATORS = ("NRT_Allocate", "NRT_MemInfo_alloc", "NRT_MemInfo_new",
                   "NRT_MemInfo_varsize")
    # What Numba's type inference says of a function that returns an array it did not take
    # as an argument, compiled without reference counting.
    _RETURNS_A_VIEW = "Only accept returning of array passed into the function as argument"
    # How many calls from Python into subroutines this thread is in (Subroutine.__call__).
    _python_calls = threading.local()

    def _counts_references() -> bool:
        """Whether a subroutine typed now is compiled with reference counting: inside a
        call from Python, whose arrays have reference counts (see :class:`Subroutine`)."""
        return getattr(_python_calls, "depth", 0) > 0

    def _subroutine_flags(fastmath, error_model, reference_counted) -> compiler.Flags:
        flags = compiler.Flags()
        flags.nrt = reference_counted
        flags.no_compile = True
        flags.no_cpython_wrapper = True
        flags.no_cfunc_wrapper = True
        flags.fastmath = cpu.FastMathOptions(set(fastmath))
        flags.error_model = error_model
        return flags

    class Subroutine:
        """A function compiled only inside its compiled callers (see :mod:`._jit`).

        Called from compiled code, it is compiled once per signature of its positional
        arguments (literals are typed as their plain types; omitted trailing arguments take
        the Python defaults). Called from Python (the tests do), it runs through the
        dispatcher that ``python_dispatcher`` makes on first use, with the defaults passed
        for omitted arguments likewise.

        Reference counts: an entry point takes every array from Python and allocates none,
        so Numba unboxes its arrays without a count (a null ``meminfo``), and the code that
        would count them — an increment and a decrement for every array of every argument
        tuple, at each call and assignment — is only compile time (about a tenth of a cold
        fit's; Zen 3, 2026-12). So a subroutine typed for an entry point compiles without
        reference counting, except one that returns an array (a view of an argument), which
        Numba compiles only with counting, harmless on null counts. Inside a call from
        Python the arrays are counted, and a caller that counts must not get views from a
        callee that does not: subroutines typed there compile with counting, as signatures
        of their own. Either way a subroutine must not allocate (Numba's functions that
        return a new array included): an array made inside an entry point would never be
        freed. Linking one raises a TypingError.
        """

        def __init__(self, function, inline, fastmath, error_model, python_dispatcher,
                     reads=()):
            functools.update_wrapper(self, function)
            self.py_func = function
            self._inline = inline
            parameters = inspect.signature(function).parameters
            self._reads = frozenset(list(parameters).index(name) for name in reads)
            self._flags = (fastmath, error_model)
            self._make_dispatcher = python_dispatcher
            self._defaults = [p.default for p in parameters.values()]
            self._compiled = {}
            self._returns_a_view = False  # learnt from the first signature that does
            self._dispatcher = None
            this = self

            class _Template(AbstractTemplate):
                key = self

                def generic(self, args, kws):
                    return None if kws else this._type_call(self.context, args)

            infer_global(self, numba.types.Function(_Template))
            lower_builtin(self, numba.types.VarArg(numba.types.Any))(self._lower_call)

        @property
        def signatures(self) -> list:
            """Argument types compiled so far, for compiled callers and for Python calls."""
            python = self._dispatcher.signatures if self._dispatcher is not None else []
            return list(dict.fromkeys(types for _, types in self._compiled)) + list(python)

        def __call__(self, *args):
            if self._dispatcher is None:
                self._dispatcher = self._make_dispatcher(self.py_func)
            _python_calls.depth = getattr(_python_calls, "depth", 0) + 1
            try:
                # the omitted arguments' defaults as values: Numba types an omitted argument
                # as a type of its own, so a call that omits them would compile a second
                # signature
                return self._dispatcher(*args, *self._defaults[len(args):])
            finally:
                _python_calls.depth -= 1

        def _argument_types(self, given):
            """The plain types of the ``given`` arguments, and the compiled signature's: with
            the defaults added, and read-only arrays for the parameters only read (a
            writable array has the same data model, so it is passed as it is)."""
            given = tuple(numba.types.unliteral(arg) for arg in given)
            defaults = tuple(numba.typeof(value) for value in self._defaults[len(given):])
            complete = tuple(
                kind.copy(readonly=True) if i in self._reads and isinstance(
                    kind, numba.types.Array) else kind
                for i, kind in enumerate(given + defaults))
            return given, complete

        def _type_call(self, typing_context, args):
            given, complete = self._argument_types(args)
            key = (_counts_references(), complete)
            if key not in self._compiled:
                self._compiled[key] = self._compile(typing_context, complete, key[0])
            return signature(self._compiled[key].signature.return_type, *given)

        def _compile(self, typing_context, types, reference_counted):
            reference_counted = reference_counted or self._returns_a_view
            target_context = cpu_target.target_context
            library = _LinkOnlyLibrary(target_context.codegen(), self.py_func.__qualname__)
            try:
                compiled = compiler.compile_internal(
                    typing_context, target_context, library, self.py_func, types, None,
                    _subroutine_flags(*self._flags, reference_counted), {})
            except TypingError as error:
                # a view of an argument: counting its references is harmless where there
                # are none, and Numba needs it to return an array it did not take
                if reference_counted or _RETURNS_A_VIEW not in str(error):
                    raise
                self._returns_a_view = True
                return self._compile(typing_context, types, True)
            if self._inline:
                library.get_function(compiled.fndesc.llvm_func_name).add_function_attribute(
                    "alwaysinline")
            return compiled

        def _lower_call(self, context, builder, sig, args):
            given, complete = self._argument_types(sig.args)
            compiled = self._compiled[(_counts_references(), complete)]
            defaults = [context.get_constant_generic(builder, kind, value) for kind, value in
                        zip(complete[len(given):], self._defaults[len(given):])]
            context.active_code_library.add_linking_library(compiled.library)
            return context.call_internal(builder, compiled.fndesc, compiled.signature,
                                         [*args, *defaults])

    def source_hash_cache_class(cache_path, source_stamp, save_lock):
        """A subclass of Numba's ``FunctionCache`` that keeps a function of the file
        ``py_file`` in the folder ``cache_path(py_file)`` (None: no cache), stamped with
        ``source_stamp()`` instead of the file's time and size, and saves each signature
        inside ``save_lock()`` (a context manager)."""

        class _Locator(_CacheLocator):
            def __init__(self, py_func, py_file):
                self._lineno = py_func.__code__.co_firstlineno
                self._cache_path = str(cache_path(py_file))

            def get_cache_path(self):
                return self._cache_path

            def get_source_stamp(self):
                return source_stamp()

            def get_disambiguator(self):
                return str(self._lineno)

            @classmethod
            def from_function(cls, py_func, py_file):
                if cache_path(py_file) is None:
                    return None
                locator = cls(py_func, py_file)
                try:
                    locator.ensure_cache_path()
                except OSError:
                    return None
                return locator

        class _Impl(CompileResultCacheImpl):
            _locator_classes = [_Locator]

        class _Cache(FunctionCache):
            _impl_class = _Impl

            def load_overload(self, sig, target_context):
                # Numba's load_overload refreshes the target context first, importing and
                # installing every implementation registry: a third of a cached first fit
                # (~0.2 s once per process on a Zen 3, 2026-12). Loaded code needs the
                # runtime (NRT) only; a compile refreshes the context itself.
                rtsys.initialize(target_context)
                with self._guard_against_spurious_io_errors():
                    return self._load_overload(sig, target_context)

            def save_overload(self, sig, data):
                with save_lock():
                    super().save_overload(sig, data)

        return _Cache

    def set_cache(dispatcher, cache) -> None:
        """Make ``cache`` the dispatcher's, as ``Dispatcher.enable_caching`` does its own."""
        dispatcher._cache = cache
