"""to_sklearn / from_sklearn: the same weights in the other library predict the same, for
every target type, and nbnet's converted model goes on training."""

import numpy as np
import pytest
from sklearn import neural_network

from conftest import TARGET_CASES, assert_close, fitted_case
from nbnet import MLPClassifier, MLPRegressor

_X, _y = TARGET_CASES["multiclass-int"][1:3]
_Xr, _Yr = TARGET_CASES["multi-output"][1:3]


def _assert_same_predictions(a, b, X, dtype):
    """Labels equal, probabilities or values equal to round-off."""
    prediction = a.predict(X)
    assert b.predict(X).dtype == prediction.dtype
    if hasattr(a, "predict_proba"):
        np.testing.assert_array_equal(b.predict(X), prediction)
        assert_close(b.predict_proba(X), a.predict_proba(X), dtype)
    else:
        assert_close(b.predict(X), prediction, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(TARGET_CASES))
def test_to_sklearn_predicts_the_same(case, dtype):
    est, X, y = fitted_case(case, dtype)
    model = est.to_sklearn()
    assert type(model).__name__ == type(est).__name__
    assert type(model).__module__.startswith("sklearn.")
    _assert_same_predictions(est, model, X, dtype)
    assert model.score(X, y) == pytest.approx(est.score(X, y), rel=1e-6)
    assert model.coefs_[0] is not est.coefs_[0]  # copies
    model.coefs_[0][:] = 0
    assert np.any(est.coefs_[0] != 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(TARGET_CASES))
def test_from_sklearn_predicts_the_same_and_trains_on(case, dtype):
    model, X, y = fitted_case(case, dtype, neural_network)
    est_class = MLPClassifier if TARGET_CASES[case][0] else MLPRegressor
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
    model, X, y = fitted_case("multiclass-int", np.float64, neural_network, solver="sgd")
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
