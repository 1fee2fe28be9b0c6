"""Threads: predictions and fits from several threads equal the serial ones exactly."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from nbnet import MLPClassifier, MLPRegressor

# warnings.catch_warnings is process-wide, not per thread: filter through pytest as well

def _data(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 8)
    y = X @ rng.randn(8) + 0.1 * rng.randn(n)
    return X, y


def _fit(est, X, y):
    return est.fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_eight_threads_predict_the_serial_results(kind, dtype):
    X, y = _data()
    X = X.astype(dtype)
    if kind == "classifier":
        est = _fit(MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0),
                   X, np.digitize(y, [-1.0, 1.0]))
        methods = ("predict", "predict_proba")
    else:
        est = _fit(MLPRegressor(hidden_layer_sizes=(16,), max_iter=20, random_state=0), X, y)
        methods = ("predict",)
    # rows of several sizes: one row, a chunk, all of them
    inputs = [X[:1], X[:37], X, X[::-1].copy()]
    serial = {(m, i): getattr(est, m)(x) for m in methods for i, x in enumerate(inputs)}
    barrier = threading.Barrier(8)

    def work(k):
        barrier.wait()
        out = {}
        for _ in range(20):
            for m in methods:
                for i, x in enumerate(inputs):
                    out.setdefault((m, i), []).append(getattr(est, m)(x))
        return out

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for out in results:
        for key, values in out.items():
            for value in values:
                np.testing.assert_array_equal(value, serial[key])


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_two_fits_in_threads_equal_the_serial_fits(solver):
    X, y = _data()
    params = dict(hidden_layer_sizes=(16,), solver=solver, max_iter=15, random_state=0)
    X2, y2 = _data(seed=1)
    serial = [_fit(MLPRegressor(**params), X, y), _fit(MLPClassifier(**params), X2, y2 > 0)]
    barrier = threading.Barrier(2)

    def work(k):
        barrier.wait()
        if k == 0:
            return _fit(MLPRegressor(**params), X, y)
        return _fit(MLPClassifier(**params), X2, y2 > 0)

    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(work, range(2)))
    for a, b in zip(serial, threaded):
        assert a.n_iter_ == b.n_iter_
        for ca, cb in zip([*a.coefs_, *a.intercepts_], [*b.coefs_, *b.intercepts_]):
            np.testing.assert_array_equal(ca, cb)
