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

Relies on Numba's caching internals (:mod:`._numba_compat`): a cache locator chooses the
folder and the source stamp, and the cache is set as the dispatcher's ``_cache``, which is
what ``Dispatcher.enable_caching`` does for ``cache=True``. Where those internals changed,
Numba's own cache is kept in the same folder (Numba keys an entry on the defining file's
time and size only, but the folder's name already holds the hash of every source).

With no writable folder (a read-only install run by a user without a home), kernels compile
in memory in each process, and one :class:`NoKernelCacheWarning` says so.

Processes may fill one folder at the same time (``python -m nbnet compile``'s workers, a
test suite on several cores): Numba writes each file by a rename, but saving a signature reads
the function's index, picks a free data file name and writes the index back, so that two
processes saving signatures of one function at once could lose one's entry or give both the
same data file. :data:`SourceHashCache` saves under a lock on the folder where the platform
has ``fcntl`` (POSIX).
"""

import contextlib
import functools
import hashlib
import inspect
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import NamedTuple

import numba

from . import _numba_compat
from ._warnings import NoKernelCacheWarning

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
    if numba.config.CACHE_DIR:
        return [Path(numba.config.CACHE_DIR)]
    return [KERNELS_DIR / "__pycache__", _numba_compat.user_cache_dir()]


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


def _cache_path(py_file) -> Path | None:
    """The folder of the cached kernels of ``py_file``, or None if no folder is writable.

    Files of the same name in different subpackages get different folders.
    """
    folder = cache_folder()
    if folder is None:
        return None
    return folder / Path(py_file).resolve().parent.relative_to(KERNELS_DIR)


@contextlib.contextmanager
def folder_lock(name: str = "save.lock"):
    """Hold an exclusive lock on :func:`cache_folder`, through the lock file ``name`` (nothing
    where ``fcntl`` is missing, or there is no folder). Kernels are saved under the default
    one; another name locks something else, and may be held while kernels are saved."""
    try:
        lock = None if fcntl is None or cache_folder() is None else open(cache_folder() / name, "a")
    except OSError:  # the folder went away or became read-only: the save fails unlocked
        lock = None
    if lock is None:
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process ends
        yield


# Numba's FunctionCache, placed by _cache_path, stamped with source_hash, saving under
# folder_lock.
SourceHashCache = (_numba_compat.source_hash_cache_class(_cache_path, source_hash, folder_lock)
                   if _numba_compat.INTERNALS else None)


@functools.cache
def _warn_no_cache() -> None:
    warnings.warn(
        "no writable folder for nbnet's compiled kernels (NUMBA_CACHE_DIR, the package's "
        "__pycache__, Numba's user cache folder): they compile in memory in every process",
        NoKernelCacheWarning, stacklevel=4)


def enable(dispatcher):
    """Cache ``dispatcher`` in :func:`cache_folder` if nbnet defines it; returns it.

    A function defined outside the kernels (the tests jit some) gets Numba's own cache. With
    no writable folder, the dispatcher is left uncached (compiled in memory), with a warning
    the first time.
    """
    if numba.config.DISABLE_JIT:  # numba.njit returned the Python function: nothing to cache
        return dispatcher
    _DISPATCHERS.append(dispatcher)
    folder = cache_folder()
    if folder is None:
        _warn_no_cache()
    elif not Path(inspect.getfile(dispatcher.py_func)).resolve().is_relative_to(KERNELS_DIR):
        dispatcher.enable_caching()
    elif SourceHashCache is not None:
        _numba_compat.set_cache(dispatcher, SourceHashCache(dispatcher.py_func))
    else:
        _numba_compat.enable_own_cache(dispatcher, folder)
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
