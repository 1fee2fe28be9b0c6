"""nbnet's disk cache of compiled kernels, keyed on a hash of the kernels' sources.

Numba's own cache (``cache=True``) keys a kernel on the file that defines it, so an entry
point whose callee in another file changed would load stale machine code. :func:`jit
<nbnet._jit.jit>` gives each of nbnet's dispatchers a :class:`SourceHashCache` instead: the
same files and format as Numba's cache, kept in a folder named by a hash of every ``.py`` file
of :mod:`nbnet.kernels`, ``<root>/nbnet-<hash>/``, where the root is the first writable of
``NUMBA_CACHE_DIR`` (when set), the kernels' own ``__pycache__`` and Numba's user-wide cache
folder, the order Numba itself follows. Editing, upgrading or moving to another version of
the kernels therefore starts a new folder instead of loading old code, while an edit of the
Python layers above them (estimators, fitting loop) keeps the compiled kernels; other
packages' Numba functions keep Numba's own cache. The hash is computed once per process.

Relies on Numba's caching internals (``numba.core.caching``, 0.60-0.68): a
``_CacheLocator`` subclass chooses the folder and the source stamp, a ``FunctionCache``
subclass uses it through its ``CacheImpl``'s ``_locator_classes``, and it is set as the
dispatcher's ``_cache``, which is what ``Dispatcher.enable_caching`` does for
``cache=True``. Setting ``NUMBA_CACHE_LOCATOR_CLASSES`` replaces the locator, as it does for
every Numba cache.

Processes may fill one folder at the same time (``python -m nbnet compile``'s workers, a
test suite on several cores): Numba writes each file by a rename, but saving a signature reads
the function's index, picks a free data file name and writes the index back, so that two
processes saving signatures of one function at once could lose one's entry or give both the
same data file. :class:`SourceHashCache` saves under a lock on the folder where the platform
has ``fcntl`` (POSIX).
"""

import contextlib
import functools
import hashlib
import inspect
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from numba.core import config
from numba.core.caching import CompileResultCacheImpl, FunctionCache, _CacheLocator
from numba.misc.appdirs import AppDirs

try:
    import fcntl
except ImportError:  # Windows: saves are not locked (see the module docstring)
    fcntl = None

# Everything compiled lives in this package (nbnet.kernels), and nothing else is.
KERNELS_DIR = Path(__file__).resolve().parent
_FOLDER_PREFIX = "nbnet-"

# Every dispatcher made by nbnet's jit, for kernel_cache_stats.
_DISPATCHERS = []


@functools.cache
def source_hash() -> str:
    """A hash of the path and bytes of every ``.py`` file of the kernels (16 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(KERNELS_DIR.rglob("*.py")):
        digest.update(path.relative_to(KERNELS_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _roots() -> list[Path]:
    if config.CACHE_DIR:
        return [Path(config.CACHE_DIR)]
    return [KERNELS_DIR / "__pycache__",
            Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)]


@functools.cache
def cache_folder() -> Path | None:
    """The folder of this version's kernels, ``<root>/nbnet-<hash>``; None if none is writable."""
    for root in _roots():
        folder = root / f"{_FOLDER_PREFIX}{source_hash()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError:
            continue
        return folder
    return None


class _SourceHashLocator(_CacheLocator):
    """Places a function of nbnet's in :func:`cache_folder`, stamped with :func:`source_hash`."""

    def __init__(self, py_func, py_file):
        self._lineno = py_func.__code__.co_firstlineno
        # Files of the same name in different subpackages get different folders.
        relative = Path(py_file).resolve().parent.relative_to(KERNELS_DIR)
        self._cache_path = str(cache_folder() / relative)

    def get_cache_path(self):
        return self._cache_path

    def get_source_stamp(self):
        return source_hash()

    def get_disambiguator(self):
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func, py_file):
        if cache_folder() is None:
            return None
        locator = cls(py_func, py_file)
        try:
            locator.ensure_cache_path()
        except OSError:
            return None
        return locator


class _SourceHashCacheImpl(CompileResultCacheImpl):
    _locator_classes = [_SourceHashLocator]


@contextlib.contextmanager
def _folder_lock():
    """Hold an exclusive lock on :func:`cache_folder` (nothing where ``fcntl`` is missing)."""
    try:
        lock = None if fcntl is None else open(cache_folder() / "save.lock", "a")
    except OSError:  # the folder went away or became read-only: the save fails unlocked
        lock = None
    if lock is None:
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process ends
        yield


class SourceHashCache(FunctionCache):
    """Numba's ``FunctionCache``, located by :class:`_SourceHashLocator`, saving under a lock."""

    _impl_class = _SourceHashCacheImpl

    def save_overload(self, sig, data):
        with _folder_lock():
            super().save_overload(sig, data)


def enable(dispatcher):
    """Cache ``dispatcher`` in :func:`cache_folder` if nbnet defines it; returns it.

    A function defined outside the kernels (the tests jit some) gets Numba's own cache.
    """
    if config.DISABLE_JIT:  # numba.njit returned the Python function: nothing to cache
        return dispatcher
    if Path(inspect.getfile(dispatcher.py_func)).resolve().is_relative_to(KERNELS_DIR):
        dispatcher._cache = SourceHashCache(dispatcher.py_func)
    else:
        dispatcher.enable_caching()
    _DISPATCHERS.append(dispatcher)
    return dispatcher


class CacheStats(NamedTuple):
    """What nbnet's compiled entry points did in this process (see :func:`kernel_cache_stats`)."""

    folder: Path | None
    loaded: int
    compiled: int


def kernel_cache_stats() -> CacheStats:
    """Signatures of nbnet's entry points loaded from the disk cache, and compiled, so far.

    Returns
    -------
    stats : CacheStats
        ``folder``: the cache folder of this version of nbnet (None when no folder is
        writable: kernels then compile in every process); ``loaded``: signatures read from
        it; ``compiled``: signatures compiled in this process (and written to it).

    Examples
    --------
    >>> from nbnet import kernel_cache_stats
    >>> before = kernel_cache_stats()
    >>> # ... fit ...
    >>> compiled_now = kernel_cache_stats().compiled - before.compiled
    """
    loaded = sum(sum(d.stats.cache_hits.values()) for d in _DISPATCHERS)
    compiled = sum(sum(d.stats.cache_misses.values()) for d in _DISPATCHERS)
    return CacheStats(cache_folder(), loaded, compiled)


def signatures() -> set[str]:
    """Every signature of nbnet's entry points loaded or compiled in this process, each as
    ``"<function>(<argument types>)"``."""
    return {f"{dispatcher.py_func.__qualname__}{signature}"
            for dispatcher in _DISPATCHERS for signature in dispatcher.signatures}


def prune() -> list[Path]:
    """Delete the cache folders of other versions of nbnet beside :func:`cache_folder`.

    Returns
    -------
    removed : list of Path
    """
    folder = cache_folder()
    if folder is None:
        return []
    stale = [path for path in folder.parent.glob(f"{_FOLDER_PREFIX}*")
             if path.is_dir() and path != folder]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale
