"""Dask: the out-of-core recipe (dask-ml's Incremental over a Dask array's chunks), a grid
search on a LocalCluster's worker processes that equals loky's, and workers that load the
kernel cache filled by ``python -m nbnet compile`` instead of compiling.

Needs the ``dask`` extra (in ``test``): skipped where ``distributed`` or ``dask_ml`` is missing.
"""

import subprocess
import sys
import threading

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
wrappers = pytest.importorskip("dask_ml.wrappers")

from joblib import parallel_config  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from nbnet import MLPClassifier, kernel_cache_stats  # noqa: E402

# joblib's Dask backend waits forever, rather than fails, on a task it cannot pickle: every
# search on the cluster runs in a thread with this deadline (seconds; 2 loaded cores).
DEADLINE = 240

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, on 127.0.0.1, started after the README's set-up:
    ``python -m nbnet compile`` fills the cache folder that the workers, inheriting this
    process's environment (``NUMBA_CACHE_DIR``), load their kernels from."""
    subprocess.run([sys.executable, "-m", "nbnet", "compile"], check=True, capture_output=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_incremental_over_chunks_equals_partial_fit_on_each_block():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    chunk, classes = 450, np.arange(10)
    X_dask, y_dask = da.from_array(X, chunks=(chunk, X.shape[1])), da.from_array(y, chunks=chunk)
    with dask.config.set(scheduler="threads"):  # the local scheduler, whatever Client exists
        model = wrappers.Incremental(MLPClassifier((32,), random_state=0), shuffle_blocks=False)
        for _ in range(3):  # three passes over the chunks, in order
            model.partial_fit(X_dask, y_dask, classes=classes)
        predicted = model.predict(X_dask)
        assert predicted.chunks == y_dask.chunks  # predicted chunk by chunk, lazily
        predicted = predicted.compute()

    reference = MLPClassifier((32,), random_state=0)
    for _ in range(3):
        for start in range(0, len(y), chunk):
            reference.partial_fit(X[start:start + chunk], y[start:start + chunk], classes=classes)
    fitted = model.estimator_
    for a, b in zip([*fitted.coefs_, *fitted.intercepts_],
                    [*reference.coefs_, *reference.intercepts_]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(predicted, reference.predict(X))


def _search():
    model = make_pipeline(StandardScaler(), MLPClassifier(max_iter=5, random_state=0))
    grid = {"mlpclassifier__hidden_layer_sizes": [(8,), (16,)],
            "mlpclassifier__alpha": [1e-4, 1e-1]}
    return GridSearchCV(model, grid, cv=3, n_jobs=2)


def _fit_before_deadline(search, backend, X, y):
    """``search.fit`` under joblib's ``backend``, in a thread; fails the test past DEADLINE."""
    outcome = {}

    def fit():
        try:
            with parallel_config(backend=backend):  # joblib's settings are per thread
                outcome["search"] = search.fit(X, y)
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=fit, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    if thread.is_alive():
        pytest.fail(f"the grid search on the {backend!r} backend did not finish in {DEADLINE} "
                    "s: joblib's Dask backend hangs instead of failing when a task cannot be "
                    "pickled or a worker died")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["search"]


def test_grid_search_on_dask_workers_equals_loky(client, digits):
    on_dask = _fit_before_deadline(_search(), "dask", *digits)
    on_loky = _fit_before_deadline(_search(), "loky", *digits)
    assert on_dask.best_params_ == on_loky.best_params_
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(on_dask.cv_results_[key], on_loky.cv_results_[key])
    np.testing.assert_array_equal(on_dask.predict(digits[0]), on_loky.predict(digits[0]))


def test_workers_load_the_filled_kernel_cache_instead_of_compiling(client, digits):
    X, y = digits
    # each worker fits and predicts (its first nbnet task, unless the search above ran first)
    scores = client.run(cross_val_score, MLPClassifier((8,), max_iter=2, random_state=0), X, y,
                        cv=2)
    assert len(scores) == 2
    for stats in client.run(kernel_cache_stats).values():
        assert stats.compiled == 0, "a worker compiled a kernel that the cache should hold"
        assert stats.loaded >= 2, stats  # the epoch and predict, at least
        assert stats.folder == kernel_cache_stats().folder
