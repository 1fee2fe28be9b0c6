"""P9: one grid search over nbnet and over scikit-learn's MLP on each of joblib's parallel paths.

The paths (:data:`PATHS`): ``n_jobs=1``; loky with ``n_jobs=2``; threading with ``n_jobs=2``,
as is and inside ``threadpoolctl.threadpool_limits(1)``; and joblib's Dask backend on a
``distributed.LocalCluster`` of two worker processes with one thread each. On each path an
untimed warm-up search (two candidates, one epoch) comes first: it starts the path's workers,
which import the libraries and load nbnet's kernels from the disk cache that they share with
this process through ``NUMBA_CACHE_DIR`` (inherited from the environment; see the user
guide's "Scaling out", docs/user_guide/scaling.rst). Then one timed search per library,
libraries alternating.

:func:`worker_first_search` measures apart what a cold cache costs a Dask worker: the first
search on fresh workers whose ``NUMBA_CACHE_DIR`` is empty, against workers sharing the
filled cache. Searches are timed by :func:`~benchmarks.measure.timed_fit`, which silences
ConvergenceWarning; scikit-learn's joblib wrapper passes that filter on to the workers.
"""

import contextlib
import tempfile
from typing import Callable, NamedTuple

from joblib import parallel_config

from .measure import alternate, timed_fit
from .workloads import NBNET, SKLEARN, GridSearchWorkload, Library, Scale, grid_search_workload

# Two candidates, fitted for one epoch: a small network and the grid's largest, whose batches
# are split in halves (nbnet.kernels.epochs.splits_batches), a kernel specialisation of its own.
WARM_UP_GRID = {"mlp__hidden_layer_sizes": [(8,), (128,)]}
N_WORKERS = 2


class ParallelPath(NamedTuple):
    """How joblib runs the search's fits: ``backend`` with ``n_jobs``, BLAS limited or not."""

    name: str
    backend: str
    n_jobs: int
    limit_blas: bool = False  # inside threadpoolctl.threadpool_limits(1)


PATHS = (
    ParallelPath("n_jobs=1", "loky", 1),
    ParallelPath("loky, n_jobs=2", "loky", N_WORKERS),
    ParallelPath("threading, n_jobs=2", "threading", N_WORKERS),
    ParallelPath("threading, n_jobs=2, threadpool_limits(1)", "threading", N_WORKERS, True),
    ParallelPath(f"dask, LocalCluster of {N_WORKERS} processes × 1 thread", "dask", N_WORKERS),
)


class PathRun(NamedTuple):
    """Both libraries' searches on one path; dicts by library name."""

    path: ParallelPath
    warm_up: dict  # seconds of the untimed first search (starts workers, loads kernels)
    seconds: dict  # seconds of the timed search
    scores: dict  # cv_results_["mean_test_score"]
    best: dict  # best_params_


class WorkerCache(NamedTuple):
    """A first nbnet search on fresh Dask workers: seconds and kernel signatures compiled in
    the workers, with an empty kernel cache (``cold``) and with the filled one (``warm``)."""

    cold: float
    cold_compiled: int
    warm: float
    warm_compiled: int


class GridSearchResult(NamedTuple):
    """P9: every path that ran, the Dask workers' cache costs (None: not measured), notes."""

    workload: GridSearchWorkload
    runs: list  # PathRun
    worker_cache: WorkerCache | None
    notes: list


@contextlib.contextmanager
def dask_client(env: dict | None = None):
    """A ``Client`` of a LocalCluster of :data:`N_WORKERS` processes on 127.0.0.1, one thread
    each; ``env`` is added to the workers' environment."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None, env=env or {}) as cluster, \
            Client(cluster) as client:
        yield client


@contextlib.contextmanager
def _running_on(path: ParallelPath):
    with contextlib.ExitStack() as stack:
        if path.backend == "dask":
            stack.enter_context(dask_client())
        if path.limit_blas:
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(1))
        stack.enter_context(parallel_config(backend=path.backend))
        yield


def _warm_up(workload: GridSearchWorkload, library: Library, n_jobs: int, X, y) -> float:
    return timed_fit(workload.search(library, n_jobs, WARM_UP_GRID, max_iter=1), X, y)


def run_path(workload: GridSearchWorkload, path: ParallelPath, X, y, pause: float) -> PathRun:
    """Warm-up searches, then one timed search per library, on ``path``, each after ``pause``
    seconds (see :data:`benchmarks.measure.LIBRARY_PAUSE`)."""
    libraries = (NBNET, SKLEARN)

    def search_once(library):
        search = workload.search(library, path.n_jobs)
        return timed_fit(search, X, y), search

    with _running_on(path):
        warm_up = {lib.name: _warm_up(workload, lib, path.n_jobs, X, y) for lib in libraries}
        fits = alternate({lib.name: (lambda lib=lib: search_once(lib)) for lib in libraries}, 1,
                         pause)
    searches = {name: results[0] for name, results in fits.items()}
    return PathRun(path, warm_up, {name: s for name, (s, _) in searches.items()},
                   {name: g.cv_results_["mean_test_score"] for name, (_, g) in searches.items()},
                   {name: g.best_params_ for name, (_, g) in searches.items()})


def worker_first_search(workload: GridSearchWorkload, X, y,
                        cache_dir: str | None = None) -> tuple[float, int]:
    """Seconds of the warm-up nbnet search on a fresh LocalCluster, and the kernel signatures
    its workers compiled; ``cache_dir`` replaces the workers' ``NUMBA_CACHE_DIR``."""
    from nbnet import kernel_cache_stats

    env = {} if cache_dir is None else {"NUMBA_CACHE_DIR": cache_dir}
    with dask_client(env) as client, parallel_config(backend="dask"):
        seconds = _warm_up(workload, NBNET, N_WORKERS, X, y)
        compiled = sum(stats.compiled for stats in client.run(kernel_cache_stats).values())
    return seconds, compiled


def _stop_loky_workers() -> None:
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def run(scale: Scale, cold_workers: bool, log: Callable[[str], None]) -> GridSearchResult:
    """P9 at ``scale`` on every path (Dask's only where ``distributed`` is installed); with
    ``cold_workers`` also :func:`worker_first_search` from an empty and from the filled cache.
    ``log`` is told what starts."""
    workload = grid_search_workload(scale)
    X, y = workload.data()
    try:
        import distributed  # noqa: F401
        paths, notes = PATHS, []
    except ImportError as error:
        paths = [path for path in PATHS if path.backend != "dask"]
        notes = [f"P9 on Dask skipped: {error} (install nbnet's `dask` extra)."]
    runs = []
    for path in paths:
        log(f"P9: {path.name}")
        runs.append(run_path(workload, path, X, y, scale.pause))
    _stop_loky_workers()
    worker_cache = None
    if cold_workers and not notes:
        log("P9: first search on fresh Dask workers, empty and filled kernel cache")
        with tempfile.TemporaryDirectory(prefix="nbnet-numba-cache-") as empty:
            cold = worker_first_search(workload, X, y, empty)
        worker_cache = WorkerCache(*cold, *worker_first_search(workload, X, y))
    return GridSearchResult(workload, runs, worker_cache, notes)
