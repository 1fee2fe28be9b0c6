"""nbnet's activations in the estimators: every activation and per-layer lists fit and
predict as the NumPy network does, one compiled function serves them all, and a list of
activations behaves as a scikit-learn parameter (validation, clone, grid search, API checks)."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

import naive
from nbnet import MLPClassifier, MLPRegressor
from nbnet.kernels import epochs, network
from nbnet.kernels.activations import ACTIVATIONS
from test_mlp_api import CHECK_PARAMS

NEW = ["leaky_relu", "elu", "gelu", "silu", "softplus"]
rng = np.random.default_rng(0)
X = rng.normal(size=(120, 5))
Y_CLASS = np.argmax(X[:, :3] + 0.3 * rng.normal(size=(120, 3)), axis=1)
Y_REG = X[:, 0] - 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=120)


def _fit(estimator_class, dtype=np.float64, **params):
    y = Y_CLASS if estimator_class is MLPClassifier else Y_REG
    params = {"max_iter": 30, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator_class(**params).fit(X.astype(dtype), y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("activation", NEW + [["gelu", "relu", "silu"], ("elu", "softplus",
                                                                            "leaky_relu")],
                         ids=str)
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_fit_and_predict_match_the_numpy_network(estimator_class, activation, solver, dtype):
    """A fit learns (training score well above chance, 1/3 or R² 0) and its outputs are those
    of the NumPy forward pass with the fitted weights and the same activations (float32: to
    float32 rounding over three layers)."""
    hidden = (8, 6, 4) if isinstance(activation, (list, tuple)) else (8,)
    est = _fit(estimator_class, dtype, hidden_layer_sizes=hidden, activation=activation,
               solver=solver, learning_rate_init=0.01, max_iter=150)
    Xd = X.astype(dtype)
    assert est.coefs_[0].dtype == dtype
    expected = naive.forward([c.astype(float) for c in est.coefs_],
                             [b.astype(float) for b in est.intercepts_], Xd.astype(float),
                             activation, est.out_activation_)[-1]
    tolerance = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    if estimator_class is MLPClassifier:
        np.testing.assert_allclose(est.predict_proba(Xd), expected, **tolerance)
        assert est.score(Xd, Y_CLASS) > 0.6
    else:
        np.testing.assert_allclose(est.predict(Xd), expected.ravel(), **tolerance)
        assert est.score(Xd, Y_REG) > 0.5


def test_one_compiled_epoch_and_predict_per_dtype_for_every_mix():
    """Fitting and predicting networks of different depths and activation mixes adds at most
    one signature per entry point and dtype: the first fit's."""
    mixes = [((6,), "gelu"), ((6, 5), ["silu", "relu"]), ((6, 5, 4), ["elu", "gelu", "softplus"]),
             ((6, 5), ("leaky_relu", "tanh"))]
    entry_points = (epochs.whole_epochs, network.predict)
    for dtype in (np.float64, np.float32):
        counts = []
        for hidden, activation in mixes:
            est = _fit(MLPClassifier, dtype, hidden_layer_sizes=hidden, activation=activation,
                       max_iter=2)
            est.predict(X.astype(dtype))
            counts.append([len(f.signatures) for f in entry_points])
        assert counts == [counts[0]] * len(mixes), f"signatures grew: {counts}"


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_activation_list_is_validated(estimator_class):
    """Unknown names and a list whose length is not the number of hidden layers raise
    scikit-learn-style ValueErrors before anything changes."""
    y = Y_CLASS if estimator_class is MLPClassifier else Y_REG
    name = estimator_class.__name__
    with pytest.raises(ValueError, match=f"The 'activation' parameter of {name} must be a str "
                                         r"among .* or a list or tuple of them .*'swish'"):
        estimator_class(hidden_layer_sizes=(4, 4), activation=["relu", "swish"]).fit(X, y)
    with pytest.raises(ValueError, match=f"The 'activation' parameter of {name} must be a str "
                                         "among"):
        estimator_class(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match=r"has 3 names for 2 hidden layers \(hidden_layer_sizes="
                                         r"\(4, 4\)\)"):
        estimator_class(hidden_layer_sizes=(4, 4), activation=["relu"] * 3).fit(X, y)
    with pytest.raises(ValueError, match="has 2 names for 1 hidden layers"):
        estimator_class(hidden_layer_sizes=4, activation=("relu", "gelu")).fit(X, y)
    est = _fit(estimator_class, hidden_layer_sizes=(4, 4), activation=["relu", "gelu"])
    coefs = [c.copy() for c in est.coefs_]
    est.set_params(activation=["gelu"])
    with pytest.raises(ValueError, match="has 1 names for 2 hidden layers"):
        est.partial_fit(X, y)
    for before, after in zip(coefs, est.coefs_):
        np.testing.assert_array_equal(before, after)


def test_activation_list_round_trips_through_params_and_clone():
    """get_params shows the list as given; set_params and clone keep it (clone: an equal list)."""
    est = MLPRegressor(hidden_layer_sizes=(4, 3), activation=["gelu", "silu"], init="he")
    assert est.get_params()["activation"] == ["gelu", "silu"]
    copy = clone(est)
    assert copy.get_params()["activation"] == ["gelu", "silu"] and copy.init == "he"
    copy.set_params(activation=("relu", "elu"), init="lecun")
    assert copy.activation == ("relu", "elu") and copy.init == "lecun"
    assert est.activation == ["gelu", "silu"]


def test_grid_search_over_activation_lists_and_init():
    """GridSearchCV over lists of activations and initialisers fits every candidate; the best
    estimator carries its candidate's list."""
    grid = {"activation": [["relu", "relu"], ["gelu", "silu"], ["elu", "softplus"]],
            "init": ["glorot", "he"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(8, 6), max_iter=40,
                                            random_state=0), grid, cv=2).fit(X, Y_CLASS)
    assert len(search.cv_results_["mean_test_score"]) == 6
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.activation == search.best_params_["activation"]
    assert search.best_estimator_.init == search.best_params_["init"]


def test_new_activations_have_table_rows():
    """Every new name has a row; gelu and silu, and only they, keep their pre-activations."""
    assert set(NEW) <= set(ACTIVATIONS)
    assert {n for n, row in ACTIVATIONS.items() if row.needs_preactivation} == {"gelu", "silu"}


@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(20, 10), activation=["gelu", "silu"],
                                        init="he", max_iter=100),
                          MLPRegressor(activation="softplus", init="lecun", max_iter=100),
                          MLPRegressor(hidden_layer_sizes=(20, 10),
                                       activation=("elu", "leaky_relu"), max_iter=100)])
def test_sklearn_estimator_checks(estimator, check):
    """scikit-learn's API checks pass with nbnet's activations, lists of them and initialisers."""
    name = getattr(check, "func", check).__name__
    estimator = clone(estimator)
    estimator.set_params(**CHECK_PARAMS.get((type(estimator), name), {}))
    check(estimator)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_changing_to_gelu_between_fits_sizes_the_workspace_for_it(solver):
    """A warm start (and partial_fit) after switching relu layers to gelu and silu trains with
    the new activations, in a workspace with room for their pre-activations: the outputs are
    the NumPy network's."""
    est = _fit(MLPRegressor, hidden_layer_sizes=(16, 8), solver=solver, max_iter=5)
    est.set_params(activation=["gelu", "silu"], warm_start=True)
    fit_again = est.partial_fit if solver == "adam" else est.fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_again(X, Y_REG)
    expected = naive.forward(est.coefs_, est.intercepts_, X, ["gelu", "silu"], "identity")[-1]
    np.testing.assert_allclose(est.predict(X), expected.ravel(), rtol=1e-10, atol=1e-12)
