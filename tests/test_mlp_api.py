"""nbnet's estimators behave as scikit-learn estimators: API checks, meta-estimators,
persistence, parameters, output and documented behaviour."""

import doctest
import inspect
import os
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn import neural_network as sk_nn
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

import nbnet
import nbnet.mlp
from nbnet import MLPClassifier, MLPRegressor

PAIRS = [(MLPClassifier, sk_nn.MLPClassifier), (MLPRegressor, sk_nn.MLPRegressor)]
PAIR_IDS = ["classifier", "regressor"]
REPO_ROOT = Path(nbnet.__file__).resolve().parents[1]


def classification_data(n=120, seed=0):
    """Three string classes, five features on different scales."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5)) * [1.0, 10.0, 0.1, 1.0, 100.0]
    y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3] / [1.0, 10.0, 0.1]
                                                  + 0.3 * rng.normal(size=(n, 3)), axis=1)]
    return X, y


def regression_data(n=120, seed=0):
    """One noisy target, five features on different scales."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5)) * [1.0, 10.0, 0.1, 1.0, 100.0]
    y = X[:, 0] - 0.1 * X[:, 1] + 5 * X[:, 2] + 0.2 * rng.normal(size=n)
    return X, y


def data_for(estimator_class):
    is_clf = estimator_class is MLPClassifier or estimator_class is sk_nn.MLPClassifier
    return classification_data() if is_clf else regression_data()


SMALL = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)


def outputs(model, X):
    """predict_proba for classifiers (pipelines included), predict for regressors."""
    return model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)


# ------------------------------------------------------------------ scikit-learn's checks

# scikit-learn's own per-check parameters (PER_ESTIMATOR_CHECK_PARAMS in
# sklearn/utils/_test_common/instance_generator.py).
# Under dropout a weight of 2 is not two copies of a row (each copy draws its own masks): the
# weight-equivalence checks run the configurations with dropout without it.
CHECK_PARAMS = {
    (MLPClassifier, "check_sample_weight_equivalence_on_dense_data"): dict(solver="lbfgs",
                                                                           dropout=0.0),
    (MLPRegressor, "check_sample_weight_equivalence_on_dense_data"): dict(
        solver="sgd", tol=1e-2, random_state=42, dropout=0.0),
    (MLPClassifier, "check_sample_weight_equivalence_on_sparse_data"): dict(dropout=0.0),
    (MLPRegressor, "check_sample_weight_equivalence_on_sparse_data"): dict(dropout=0.0),
}


# nbnet's parameters beyond scikit-learn's, with their defaults: those of both estimators,
# then each estimator's own.
NBNET_PARAMETERS = {"restore_best_weights": False, "weight_decay": 0.01, "rho": 0.99,
                    "min_learning_rate": 0.0, "lr_step_size": 10, "lr_gamma": None,
                    "warmup_epochs": 0, "clip_grad_norm": None, "init": "glorot",
                    "dropout": 0.0}
OWN_PARAMETERS = {MLPClassifier: {"class_weight": None},
                  MLPRegressor: {"huber_delta": 1.0, "quantile": 0.5}}


@parametrize_with_checks([MLPClassifier(max_iter=100), MLPRegressor(max_iter=100),
                          MLPClassifier(max_iter=100, restore_best_weights=True),
                          MLPRegressor(max_iter=100, solver="sgd", restore_best_weights=True),
                          MLPClassifier(solver="adamw", learning_rate="cosine", warmup_epochs=1,
                                        clip_grad_norm=1.0, max_iter=100),
                          MLPRegressor(solver="rmsprop", learning_rate="step", lr_step_size=20,
                                       clip_grad_norm=5.0, max_iter=100),
                          MLPClassifier(dropout=0.1, max_iter=100),
                          MLPRegressor(loss="huber", huber_delta=0.5, dropout=[0.1],
                                       max_iter=100),
                          MLPRegressor(loss="quantile", quantile=0.4, max_iter=100)])
def test_sklearn_estimator_checks(estimator, check):
    """Every scikit-learn API check passes, with no expected failures. (class_weight='balanced'
    is left out: partial_fit, which the checks call, refuses it as SGDClassifier's does; a dict
    names labels that the checks' data sets do not share.)"""
    name = getattr(check, "func", check).__name__
    estimator = clone(estimator)  # the instance is shared by all checks of the estimator
    estimator.set_params(**CHECK_PARAMS.get((type(estimator), name), {}))
    check(estimator)


@pytest.mark.parametrize("nb_cls, sk_cls", PAIRS, ids=PAIR_IDS)
def test_constructor_signature_matches_sklearn(nb_cls, sk_cls):
    """scikit-learn's parameter names, order, kinds (keyword-only) and defaults, then nbnet's
    own parameters, keyword-only, with defaults that leave scikit-learn's behaviour as it is."""
    def describe(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]

    sklearn_parameters = describe(sk_cls)
    assert describe(nb_cls)[:len(sklearn_parameters)] == sklearn_parameters
    own = {**NBNET_PARAMETERS, **OWN_PARAMETERS[nb_cls]}
    assert describe(nb_cls)[len(sklearn_parameters):] == [
        (name, inspect.Parameter.KEYWORD_ONLY, default) for name, default in own.items()]
    assert nb_cls().get_params() == {**sk_cls().get_params(), **own}


@pytest.mark.parametrize("nb_cls, sk_cls", PAIRS, ids=PAIR_IDS)
def test_tags_match_sklearn(nb_cls, sk_cls):
    """Estimator tags (sparse input, multilabel, ...) are scikit-learn's."""
    assert get_tags(nb_cls()) == get_tags(sk_cls())


@pytest.mark.parametrize("nb_cls, sk_cls", PAIRS, ids=PAIR_IDS)
def test_get_set_params(nb_cls, sk_cls):
    """set_params returns the estimator, changes only what it is given, and get_params shows it."""
    est = nb_cls()
    before = est.get_params()
    assert est.set_params(alpha=0.5, hidden_layer_sizes=(3, 2), solver="sgd") is est
    after = est.get_params()
    assert after["alpha"] == 0.5 and after["hidden_layer_sizes"] == (3, 2)
    assert after["solver"] == "sgd"
    assert {k: v for k, v in after.items() if k not in ("alpha", "hidden_layer_sizes", "solver")} \
        == {k: v for k, v in before.items() if k not in ("alpha", "hidden_layer_sizes", "solver")}
    assert repr(est) == repr(sk_cls(alpha=0.5, hidden_layer_sizes=(3, 2), solver="sgd"))


# ------------------------------------------------------------------------- meta-estimators


@pytest.mark.parametrize("nb_cls, sk_cls", PAIRS, ids=PAIR_IDS)
def test_pipeline_with_standard_scaler_matches_sklearn(nb_cls, sk_cls):
    """In a pipeline after StandardScaler, nbnet gives scikit-learn's pipeline outputs."""
    X, y = data_for(nb_cls)
    params = dict(SMALL, solver="adam", learning_rate_init=0.05, max_iter=50)
    nb = make_pipeline(StandardScaler(), nb_cls(**params)).fit(X, y)
    sk = make_pipeline(StandardScaler(), sk_cls(**params)).fit(X, y)
    np.testing.assert_allclose(outputs(nb, X), outputs(sk, X), rtol=1e-8, atol=1e-10)
    assert nb.score(X, y) == pytest.approx(sk.score(X, y), rel=1e-8)
    assert nb.score(X, y) > (0.8 if nb_cls is MLPClassifier else 0.9)  # scaling lets it learn


@pytest.mark.slow
@pytest.mark.parametrize("nb_cls, sk_cls", PAIRS, ids=PAIR_IDS)
def test_grid_search_in_two_worker_processes_matches_sklearn(nb_cls, sk_cls):
    """GridSearchCV(n_jobs=2) fits in loky workers and scores as scikit-learn does in-process."""
    X, y = data_for(nb_cls)
    grid = {"mlpclassifier__alpha" if nb_cls is MLPClassifier else "mlpregressor__alpha":
            [1e-4, 1.0]}
    params = dict(SMALL, solver="lbfgs")
    nb = GridSearchCV(make_pipeline(StandardScaler(), nb_cls(**params)), grid, cv=2,
                      n_jobs=2).fit(X, y)
    sk = GridSearchCV(make_pipeline(StandardScaler(), sk_cls(**params)), grid, cv=2,
                      n_jobs=1).fit(X, y)
    np.testing.assert_allclose(nb.cv_results_["mean_test_score"],
                               sk.cv_results_["mean_test_score"], rtol=1e-6)
    assert nb.best_params_ == sk.best_params_
    assert isinstance(nb.best_estimator_[-1], nb_cls)


@pytest.mark.parametrize("nb_cls, sk_cls", PAIRS, ids=PAIR_IDS)
def test_cross_val_score_matches_sklearn(nb_cls, sk_cls):
    """cross_val_score gives scikit-learn's fold scores."""
    X, y = data_for(nb_cls)
    X = StandardScaler().fit_transform(X)
    params = dict(SMALL, solver="sgd", learning_rate_init=0.05, max_iter=10)
    nb = cross_val_score(nb_cls(**params), X, y, cv=3)
    sk = cross_val_score(sk_cls(**params), X, y, cv=3)
    np.testing.assert_allclose(nb, sk, rtol=1e-8)


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_clone_gives_an_unfitted_copy(estimator_class):
    """clone copies the parameters and none of the fitted state."""
    X, y = data_for(estimator_class)
    est = estimator_class(**SMALL, solver="lbfgs", alpha=0.3)
    est.fit(X, y)
    copy = clone(est)
    assert copy is not est and copy.get_params() == est.get_params()
    assert not hasattr(copy, "coefs_") and not hasattr(copy, "n_features_in_")
    with pytest.raises(NotFittedError):
        copy.predict(X)
    check_is_fitted(est)


# ----------------------------------------------------------------------------- pickling

_LOADER = """
import pickle, sys
import numpy as np
model_path, X_path, out_dir = sys.argv[1:]
with open(model_path, "rb") as f:
    model = pickle.load(f)
X = np.load(X_path)
np.save(out_dir + "/predict.npy", model.predict(X))
if hasattr(model, "predict_proba"):
    np.save(out_dir + "/predict_proba.npy", model.predict_proba(X))
model.partial_fit(X, np.load(out_dir + "/y.npy"))
np.save(out_dir + "/coef_after_partial_fit.npy", model.coefs_[0])
"""


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_pickle_round_trip_in_a_fresh_process(estimator_class, dtype, tmp_path):
    """A pickled model, loaded by a new interpreter, predicts identically and keeps training
    exactly as the original does (optimizer state included)."""
    X, y = data_for(estimator_class)
    X = StandardScaler().fit_transform(X).astype(dtype)
    est = estimator_class(**SMALL, solver="adam", learning_rate_init=0.01)
    est.fit(X, y)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(est))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    subprocess.run([sys.executable, "-c", _LOADER, str(tmp_path / "model.pkl"),
                    str(tmp_path / "X.npy"), str(tmp_path)], check=True, env=env,
                   cwd=tmp_path, timeout=300)
    predicted = np.load(tmp_path / "predict.npy")
    assert predicted.dtype == est.predict(X).dtype
    np.testing.assert_array_equal(predicted, est.predict(X))
    if estimator_class is MLPClassifier:
        proba = np.load(tmp_path / "predict_proba.npy")
        assert proba.dtype == dtype
        np.testing.assert_array_equal(proba, est.predict_proba(X))
    est.partial_fit(X, y)
    np.testing.assert_array_equal(np.load(tmp_path / "coef_after_partial_fit.npy"), est.coefs_[0])


@pytest.mark.parametrize("via_pickle", [False, True], ids=["fitted", "unpickled"])
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_assigned_coefs_are_used_by_predict(estimator_class, via_pickle):
    """New arrays assigned to coefs_ (on a fitted or an unpickled model) are what predict uses."""
    X, y = data_for(estimator_class)
    X = StandardScaler().fit_transform(X)
    est = estimator_class(**SMALL, solver="lbfgs").fit(X, y)
    if via_pickle:
        loaded = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(outputs(loaded, X), outputs(est, X))
        est = loaded
    est.coefs_ = [np.zeros_like(c) for c in est.coefs_]  # outputs become g(last intercept)
    last = np.broadcast_to(est.intercepts_[-1], (len(X), est.n_outputs_))
    if estimator_class is MLPRegressor:
        np.testing.assert_allclose(est.predict(X), last.ravel())
    else:
        np.testing.assert_allclose(est.predict_proba(X),
                                   np.exp(last) / np.exp(last).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_predict_follows_set_params_activation(estimator_class):
    """A fitted model predicts with the activation set after the fit, as scikit-learn's does
    (the estimator keeps its layout for the last activation it saw), and back again."""
    X, y = data_for(estimator_class)
    X = StandardScaler().fit_transform(X)
    est = estimator_class(**SMALL, solver="lbfgs").fit(X, y)
    relu = outputs(est, X)
    for activation, g in (("tanh", np.tanh), ("relu", lambda z: np.maximum(z, 0))):
        est.set_params(activation=activation)
        (W0, W1), (b0, b1) = est.coefs_, est.intercepts_
        z = g(X @ W0 + b0) @ W1 + b1
        if estimator_class is MLPClassifier:  # three classes: softmax
            z = np.exp(z - z.max(axis=1, keepdims=True))
            z /= z.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(outputs(est, X).reshape(z.shape), z, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(outputs(est, X), relu)


# ------------------------------------------------------------------------ outputs, score


def test_predict_log_proba_is_log_of_predict_proba():
    """predict_log_proba == log(predict_proba); probabilities sum to one; argmax is predict."""
    X, y = classification_data()
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(**SMALL, solver="lbfgs").fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.classes_[np.argmax(proba, axis=1)], clf.predict(X))


def test_binary_predict_proba_has_two_columns():
    """Binary problems: one output unit, but two probability columns that sum to one."""
    X, y = classification_data()
    y = (y == "ant").astype(int)
    clf = MLPClassifier(**SMALL, solver="lbfgs").fit(X, y)
    proba = clf.predict_proba(X)
    assert clf.n_outputs_ == 1 and proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("estimator_class, metric", [(MLPClassifier, accuracy_score),
                                                     (MLPRegressor, r2_score)],
                         ids=PAIR_IDS)
def test_score_is_accuracy_or_r2(estimator_class, metric, weighted):
    """score is accuracy (classifier) or R² (regressor), weighted when asked."""
    X, y = data_for(estimator_class)
    X = StandardScaler().fit_transform(X)
    sw = np.random.RandomState(5).uniform(0.1, 3.0, len(X)) if weighted else None
    est = estimator_class(**SMALL, solver="lbfgs").fit(X[:80], y[:80])
    assert est.score(X[80:], y[80:], sample_weight=None if sw is None else sw[80:]) \
        == pytest.approx(metric(y[80:], est.predict(X[80:]),
                                sample_weight=None if sw is None else sw[80:]), rel=1e-12)


def test_feature_names_absent_for_arrays():
    """Fitting on arrays stores n_features_in_ but no feature_names_in_ (no pandas needed)."""
    X, y = classification_data()
    clf = MLPClassifier(**SMALL, solver="lbfgs").fit(X, y)
    assert clf.n_features_in_ == X.shape[1]
    assert not hasattr(clf, "feature_names_in_")


@pytest.mark.parametrize("early_stopping", [False, True], ids=["no-es", "es"])
def test_feature_names_in_with_dataframe(early_stopping):
    """A DataFrame's column names become feature_names_in_ and are checked at predict."""
    pd = pytest.importorskip("pandas")
    X, y = classification_data()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = MLPClassifier(**SMALL, solver="adam", early_stopping=early_stopping)
    with warnings.catch_warnings():
        # ConvergenceWarning is a UserWarning: its "ignore" must come last (filters prepend)
        warnings.simplefilter("error", UserWarning)  # no "X does not have valid feature names"
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(df, y)
        clf.predict(df)
    np.testing.assert_array_equal(clf.feature_names_in_, df.columns.to_numpy(dtype=object))
    with pytest.warns(UserWarning, match="valid feature names"):
        clf.predict(X)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[df.columns[::-1]])


# ------------------------------------------------------------------ verbose and warnings

_ITERATION_LINE = re.compile(r"^Iteration (\d+), loss = (\d+\.\d{8})$")


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_verbose_prints_one_line_per_iteration(estimator_class, solver, capsys):
    """verbose=True prints 'Iteration N, loss = L' for N = 1..n_iter_, the last L being loss_."""
    X, y = data_for(estimator_class)
    X = StandardScaler().fit_transform(X)
    est = estimator_class(**dict(SMALL, max_iter=4), solver=solver, verbose=True)
    est.fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Iteration")]
    matches = [_ITERATION_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert [int(m.group(1)) for m in matches] == list(range(1, est.n_iter_ + 1))
    assert est.n_iter_ == 4
    assert float(matches[-1].group(2)) == pytest.approx(est.loss_, abs=1e-8)
    if solver != "lbfgs":
        np.testing.assert_allclose([float(m.group(2)) for m in matches], est.loss_curve_,
                                   atol=1e-8)


def test_verbose_output_matches_sklearn_for_stochastic_solvers(capsys):
    """With early stopping, the printed epoch and validation lines are scikit-learn's."""
    X, y = classification_data()
    X = StandardScaler().fit_transform(X)
    params = dict(SMALL, solver="sgd", learning_rate_init=0.1, early_stopping=True,
                  n_iter_no_change=2, verbose=True)
    MLPClassifier(**params).fit(X, y)
    nb_out = capsys.readouterr().out
    sk_nn.MLPClassifier(**params).fit(X, y)
    sk_out = capsys.readouterr().out
    assert "Validation score: " in nb_out
    assert nb_out == sk_out


@pytest.mark.parametrize("solver, message", [("sgd", r"Maximum iterations \(3\) reached"),
                                             ("adam", r"Maximum iterations \(3\) reached"),
                                             ("lbfgs", "lbfgs failed to converge")])
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_convergence_warning_at_max_iter(estimator_class, solver, message):
    """Stopping at max_iter warns, as scikit-learn does."""
    X, y = data_for(estimator_class)
    est = estimator_class(**dict(SMALL, max_iter=3), solver=solver)
    with pytest.warns(ConvergenceWarning, match=message):
        est.fit(X, y)
    assert est.n_iter_ == 3


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_no_convergence_warning_when_converged(estimator_class):
    """A run stopped by the tolerance does not warn."""
    X, y = data_for(estimator_class)
    est = estimator_class(**SMALL, solver="adam", n_iter_no_change=1, tol=1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ < SMALL["max_iter"]


# ------------------------------------------------------------------------ early stopping


@pytest.mark.parametrize("nb_cls, sk_cls", PAIRS, ids=PAIR_IDS)
def test_early_stopping_restores_the_best_epoch(nb_cls, sk_cls):
    """The fitted weights are those of the best validation epoch, not the last one: the same
    as scikit-learn's, and the same as a run stopped right after the best epoch."""
    X, y = data_for(nb_cls)
    X = StandardScaler().fit_transform(X)
    params = dict(SMALL, solver="sgd", learning_rate_init=0.2, early_stopping=True,
                  validation_fraction=0.25, n_iter_no_change=3, max_iter=40)
    nb = nb_cls(**params).fit(X, y)
    sk = sk_cls(**params).fit(X, y)
    best_epoch = int(np.argmax(nb.validation_scores_)) + 1
    assert best_epoch < nb.n_iter_  # restoring matters
    assert nb.best_validation_score_ == max(nb.validation_scores_)
    np.testing.assert_allclose(nb.validation_scores_, sk.validation_scores_, rtol=1e-8)
    if nb_cls is MLPClassifier:
        np.testing.assert_array_equal(nb.predict(X), sk.predict(X))
        np.testing.assert_allclose(nb.predict_proba(X), sk.predict_proba(X), rtol=1e-8)
    else:
        np.testing.assert_allclose(nb.predict(X), sk.predict(X), rtol=1e-8)
    stopped = nb_cls(**dict(params, max_iter=best_epoch)).fit(X, y)
    for a, b in zip(nb.coefs_ + nb.intercepts_, stopped.coefs_ + stopped.intercepts_):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- partial_fit


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_partial_fit_unavailable_for_lbfgs(estimator_class):
    """partial_fit raises AttributeError for solver='lbfgs' (scikit-learn's regressor differs:
    it silently runs a full fit)."""
    X, y = data_for(estimator_class)
    est = estimator_class(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as raised:
        est.partial_fit(X, y)
    assert "partial_fit is only available for stochastic" in str(raised.value.__cause__)
    assert hasattr(estimator_class(solver="sgd"), "partial_fit")


# ------------------------------------------------------------------------------ doctests

_DOCTESTS = [t for t in doctest.DocTestFinder().find(nbnet.mlp) if t.examples]


def _doctest_param(test):
    return pytest.param(test, id=test.name)


def test_docstrings_have_examples():
    """Both estimators document a runnable example."""
    assert {t.name for t in _DOCTESTS} >= {"nbnet.mlp.MLPClassifier", "nbnet.mlp.MLPRegressor"}


@pytest.mark.slow
@pytest.mark.parametrize("test", [_doctest_param(t) for t in _DOCTESTS])
def test_docstring_examples_run(test):
    """Each docstring example of nbnet.mlp gives its documented output."""
    report = []
    result = doctest.DocTestRunner(verbose=False).run(test, out=report.append)
    assert result.attempted > 0
    assert result.failed == 0, "".join(report)
