"""to_sklearn / from_sklearn: the same weights in the other library predict the same, for
every target type, and nbnet's converted model goes on training."""

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.datasets import make_regression

from conftest import RTOL
from nbnet import MLPClassifier, MLPRegressor

rng = np.random.RandomState(0)
_X, _y = make_classification(n_samples=80, n_features=6, n_informative=4, n_classes=3,
                             random_state=0)
_Xm, _Ym = make_multilabel_classification(n_samples=80, n_features=6, n_classes=3,
                                          random_state=0)
_Xr, _Yr = make_regression(n_samples=80, n_features=6, n_targets=2, random_state=0)
_Yr = _Yr / _Yr.std()

# (estimator class, X, y, parameters): every target type
CASES = {
    "binary": (MLPClassifier, _X, _y % 2, {}),
    "multiclass-int": (MLPClassifier, _X, _y * 7 - 3, {}),
    "multiclass-str": (MLPClassifier, _X, np.array(["ant", "bee", "cat"])[_y], {}),
    "multilabel": (MLPClassifier, _Xm, _Ym, {}),
    "regression": (MLPRegressor, _Xr, _Yr[:, 0], {}),
    "multi-output": (MLPRegressor, _Xr, _Yr, {}),
    "poisson": (MLPRegressor, _Xr, np.exp(_Yr[:, 0]), {"loss": "poisson"}),
}


def _fitted(library, case, dtype, solver="adam"):
    estimator_class, X, y, params = CASES[case]
    if library == "sklearn":
        estimator_class = getattr(neural_network, estimator_class.__name__)
    X = (X / X.std(axis=0)).astype(dtype)
    est = estimator_class(hidden_layer_sizes=(7, 5), activation="tanh", solver=solver,
                          max_iter=20, random_state=0, **params)
    return est.fit(X, y), X, y


def _assert_same_predictions(a, b, X, dtype):
    """Labels equal, probabilities or values equal to round-off (relative to their scale)."""
    prediction = a.predict(X)
    assert b.predict(X).dtype == prediction.dtype
    if hasattr(a, "predict_proba"):
        np.testing.assert_array_equal(b.predict(X), prediction)
        prediction, other = a.predict_proba(X), b.predict_proba(X)
    else:
        other = b.predict(X)
    r = RTOL[np.dtype(dtype)]
    np.testing.assert_allclose(other, prediction, rtol=r, atol=r * np.abs(prediction).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(CASES))
def test_to_sklearn_predicts_the_same(case, dtype):
    est, X, y = _fitted("nbnet", case, dtype)
    model = est.to_sklearn()
    assert type(model).__name__ == type(est).__name__
    assert type(model).__module__.startswith("sklearn.")
    _assert_same_predictions(est, model, X, dtype)
    assert model.score(X, y) == pytest.approx(est.score(X, y), rel=1e-6)
    assert model.coefs_[0] is not est.coefs_[0]  # copies
    model.coefs_[0][:] = 0
    assert np.any(est.coefs_[0] != 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(CASES))
def test_from_sklearn_predicts_the_same_and_trains_on(case, dtype):
    model, X, y = _fitted("sklearn", case, dtype)
    est_class = CASES[case][0]
    est = est_class.from_sklearn(model)
    assert type(est) is est_class
    assert est.get_params() == {**est_class().get_params(), **model.get_params()}
    _assert_same_predictions(model, est, X, dtype)
    before = [c.copy() for c in est.coefs_]
    est.partial_fit(X, y)
    assert est.coefs_[0].dtype == dtype
    assert not np.array_equal(est.coefs_[0], before[0])
    est.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert est.n_iter_ == 2


def test_from_sklearn_then_training_matches_scikit_learn():
    """The converted model, given a fresh optimizer as scikit-learn's, trains as scikit-learn's."""
    model, X, y = _fitted("sklearn", "multiclass-int", np.float64, solver="sgd")
    est = MLPClassifier.from_sklearn(model)
    del model._optimizer  # nbnet's starts a new one
    for _ in range(3):
        model.partial_fit(X, y)
        est.partial_fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, model.coefs_ + model.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_round_trip_keeps_the_feature_names():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(_X, columns=[f"f{i}" for i in range(_X.shape[1])])
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, _y)
    back = MLPClassifier.from_sklearn(est.to_sklearn())
    np.testing.assert_array_equal(back.feature_names_in_, X.columns)
    np.testing.assert_array_equal(back.predict(X), est.predict(X))


@pytest.mark.parametrize("params, named", [
    ({"solver": "adamw"}, "adamw"),
    ({"learning_rate": "cosine"}, "cosine"),
])
def test_to_sklearn_names_what_scikit_learn_lacks(params, named):
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0, **params)
    est.fit(_X, _y)
    with pytest.raises(ValueError, match=f"scikit-learn's MLPClassifier cannot hold this model.*"
                                         f"{named}"):
        est.to_sklearn()
    est.set_params(solver="adam", learning_rate="constant").to_sklearn()  # training-only


def test_to_sklearn_rejects_per_layer_activations():
    est = MLPClassifier(hidden_layer_sizes=(4, 3), max_iter=5, random_state=0).fit(_X, _y)
    est.activation = ["relu", "relu"]  # one name for all: scikit-learn's
    assert est.to_sklearn().activation == "relu"
    est.activation = ["relu", "tanh"]
    with pytest.raises(ValueError, match=r"one activation for every hidden layer.*'relu', 'tanh'"):
        est.to_sklearn()


def test_bridge_errors():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().to_sklearn()
    model = neural_network.MLPRegressor(hidden_layer_sizes=(3,), max_iter=5).fit(_Xr, _Yr)
    with pytest.raises(TypeError, match="takes a fitted scikit-learn MLPClassifier; got MLPRegressor"):
        MLPClassifier.from_sklearn(model)
