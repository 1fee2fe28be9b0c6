"""Pickles: plain data besides the estimator (skops trusts them), nbnet's version recorded,
training resumed after a round trip exactly as without it, and no compiling on load."""

import copy
import json
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_state_unchanged, estimator_state
from sklearn.datasets import make_classification, make_regression

import nbnet
from nbnet import InconsistentVersionWarning, MLPClassifier, MLPRegressor
from nbnet.kernels import _numba_compat
from nbnet.optimizers import OPTIMIZERS

skops_io = pytest.importorskip("skops.io")


def _data(estimator_class, dtype=np.float64):
    if estimator_class is MLPClassifier:
        X, y = make_classification(n_samples=60, n_features=5, n_informative=3, n_classes=3,
                                   random_state=0)
    else:
        X, y = make_regression(n_samples=60, n_features=5, random_state=0)
        y = y / y.std()
    return X.astype(dtype), y


def _partial_fit(est, X, y):
    if isinstance(est, MLPClassifier):
        return est.partial_fit(X, y, classes=np.unique(y))
    return est.partial_fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", list(OPTIMIZERS))
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_pickling_between_partial_fits_changes_nothing(estimator_class, solver, dtype):
    X, y = _data(estimator_class, dtype)
    est = estimator_class(hidden_layer_sizes=(7, 4), solver=solver, learning_rate="adaptive",
                          random_state=0)
    copy = estimator_class(**est.get_params())
    for _ in range(3):
        _partial_fit(est, X, y)
        _partial_fit(copy, X, y)
    copy = pickle.loads(pickle.dumps(copy))
    assert_state_unchanged(estimator_state(est), copy)
    for _ in range(3):
        _partial_fit(est, X, y)
        _partial_fit(copy, X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, copy.coefs_ + copy.intercepts_):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_warm_start_fit_after_pickling_matches(estimator_class, solver):
    X, y = _data(estimator_class)
    est = estimator_class(hidden_layer_sizes=(6,), solver=solver, max_iter=5, warm_start=True,
                          random_state=0).fit(X, y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.fit(X, y).coefs_[0], copy.fit(X, y).coefs_[0])


@pytest.mark.parametrize("solver", ["adamw", "lbfgs"])
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_skops_trusts_the_estimator_class_alone(estimator_class, solver, tmp_path):
    X, y = _data(estimator_class)
    est = estimator_class(hidden_layer_sizes=(6,), solver=solver, max_iter=5,
                          random_state=0).fit(X, y)
    dumped = skops_io.dumps(est)
    expected = [f"{estimator_class.__module__}.{estimator_class.__name__}"]
    assert skops_io.get_untrusted_types(data=dumped) == expected
    loaded = skops_io.loads(dumped, trusted=expected)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_a_pickle_from_another_version_warns():
    X, y = _data(MLPClassifier)
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    state = est.__getstate__()
    assert state["_nbnet_version"] == nbnet.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(est))  # the same version: silent
    state["_nbnet_version"] = "0.0.1"
    loaded = MLPClassifier.__new__(MLPClassifier)
    with pytest.warns(InconsistentVersionWarning,
                      match="MLPClassifier from nbnet version 0.0.1 when using version "
                            f"{nbnet.__version__}"):
        loaded.__setstate__(state)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_a_pickle_of_an_earlier_nbnet_loads():
    """Before versions were recorded, pickles held the optimizer object and the layout."""
    X, y = _data(MLPRegressor)
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    state = copy.deepcopy({k: v for k, v in vars(est).items() if k not in ("_theta", "_rollback")})
    loaded = MLPRegressor.__new__(MLPRegressor)
    with pytest.warns(InconsistentVersionWarning, match="from nbnet version unknown"):
        loaded.__setstate__(state)
    np.testing.assert_array_equal(loaded.partial_fit(X, y).coefs_[0],
                                  est.partial_fit(X, y).coefs_[0])



_DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("path", sorted(_DATA.glob("*.pkl")), ids=lambda path: path.stem)
def test_pickles_of_nbnet_0_1_0_load_predict_and_train_on(path):
    """Pickles made by nbnet 0.1.0 (``tests/data/make_pickles.py``), from before the training
    state had one home, load with their fitted attributes, predict as they did, and go on
    training exactly as that version's estimator did."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InconsistentVersionWarning)  # a later version's tests
        record = pickle.loads(path.read_bytes())
    est, X, y = record["estimator"], record["X"], record["y"]
    tolerance = dict(rtol=1e-5 if X.dtype == np.float32 else 1e-12, atol=0)
    for name, expected in record["attributes"].items():
        value = getattr(est, name)
        if isinstance(expected, list) and expected and isinstance(expected[0], np.ndarray):
            for a, b in zip(value, expected, strict=True):
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            np.testing.assert_array_equal(value, expected, err_msg=name)
    for name in ("loss_curve_", "best_loss_", "validation_scores_"):  # not after L-BFGS
        assert hasattr(est, name) == (name in record["attributes"]), name
    outputs = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
    np.testing.assert_allclose(outputs, record["outputs"], **tolerance)
    if est.solver == "lbfgs" or est.early_stopping:
        est.set_params(warm_start=True, max_iter=3).fit(X, y)
    else:
        est.partial_fit(X, y)
    outputs = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
    np.testing.assert_allclose(outputs, record["resume"], **tolerance)

_LOAD_AND_PREDICT = """
import json, pickle, sys
import numpy as np
from numba.core.base import BaseContext
import nbnet
refreshes = []
refresh = BaseContext.refresh
BaseContext.refresh = lambda context: refreshes.append(context) or refresh(context)
with open(sys.argv[1], "rb") as f:
    model, X = pickle.load(f)
prediction = model.predict(X).tolist()
stats = nbnet.kernel_cache_stats()
print(json.dumps({"prediction": prediction, "compiled": stats.compiled,
                  "loaded": stats.loaded, "refreshed": len(refreshes)}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_fresh_process_predicts_without_compiling(dtype, tmp_path):
    if nbnet.kernel_cache_stats().folder is None:
        pytest.skip("no kernel cache folder")
    X, y = _data(MLPRegressor, dtype)
    est = MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    expected = est.predict(X)  # the predict kernel of this dtype is now in the disk cache
    (tmp_path / "model.pkl").write_bytes(pickle.dumps((est, X)))
    done = subprocess.run([sys.executable, "-c", _LOAD_AND_PREDICT, str(tmp_path / "model.pkl")],
                          capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["compiled"] == 0 and found["loaded"] > 0
    if _numba_compat.INTERNALS:  # loading skips Numba's registries (a third of a first fit)
        assert found["refreshed"] == 0
    np.testing.assert_array_equal(found["prediction"], expected)
