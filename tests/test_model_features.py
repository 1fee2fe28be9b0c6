"""The model features beyond scikit-learn, through the estimators: dropout, class_weight and
the robust regression losses (huber, absolute_error, quantile)."""

import subprocess
import sys
import threading

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss, mean_pinball_loss, r2_score, recall_score
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_sample_weight

import naive
from conftest import assert_state_unchanged, estimator_state
from nbnet import MLPClassifier, MLPRegressor
from nbnet.robust_losses import ROBUST_LOSSES

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=120, seed=0):
    return make_classification(n_samples=n, n_features=6, n_informative=4, n_classes=3,
                               random_state=seed)


def _regression(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, X[:, 0] - 2 * X[:, 1] + rng.exponential(size=n)


# ------------------------------------------------------------------------------------ dropout


def test_dropout_rate_zero_is_exactly_no_dropout():
    """Rates of 0 (one or per layer) train the no-dropout model bit for bit: no seed is drawn,
    and the epoch is the one compiled without dropout."""
    X, y = _data()
    fits = [MLPClassifier((8, 5), max_iter=5, random_state=0, **kw).fit(X, y)
            for kw in ({}, {"dropout": 0.0}, {"dropout": [0.0, 0.0]})]
    for fit in fits[1:]:
        for a, b in zip(fits[0].coefs_ + fits[0].intercepts_, fit.coefs_ + fit.intercepts_):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_trains_and_predicts_deterministically(dtype):
    """Dropout changes training (not the rates-0 model) but not prediction: predict is the plain
    forward pass of the fitted weights (the twin's, without masks), the same on every call."""
    X, y = _data()
    X = X.astype(dtype)
    plain = MLPClassifier((8, 5), max_iter=5, random_state=0).fit(X, y)
    model = MLPClassifier((8, 5), max_iter=5, random_state=0, dropout=[0.5, 0.2]).fit(X, y)
    assert not np.array_equal(plain.coefs_[0], model.coefs_[0])
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(proba, model.predict_proba(X))
    expected = naive.forward(model.coefs_, model.intercepts_, X.astype(np.float64), "relu",
                             "softmax")[-1]
    np.testing.assert_allclose(proba, expected, rtol=1e-4 if dtype == np.float32 else 1e-10)
    assert model.score(X, y) == plain.__class__.score(model, X, y)  # score: no dropout either


_FIT_IN_A_PROCESS = """
import sys, warnings
import numpy as np
from sklearn.datasets import make_classification
from nbnet import MLPClassifier
warnings.simplefilter("ignore")
X, y = make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3,
                           random_state=0)
model = MLPClassifier((8, 5), max_iter=5, random_state=3, dropout=0.3).fit(X, y)
sys.stdout.write(np.concatenate([c.ravel() for c in model.coefs_]).tobytes().hex())
"""


def test_dropout_is_reproducible_across_processes_and_threads():
    """The same random_state gives bit-identical weights in two fresh processes, in this one,
    and in two threads fitting at once (the masks have no generator state to share)."""
    runs = [subprocess.run([sys.executable, "-c", _FIT_IN_A_PROCESS], capture_output=True,
                           text=True, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    X, y = _data()
    here = MLPClassifier((8, 5), max_iter=5, random_state=3, dropout=0.3).fit(X, y)
    assert np.concatenate([c.ravel() for c in here.coefs_]).tobytes().hex() == runs[0]
    models = [MLPClassifier((8, 5), max_iter=5, random_state=3, dropout=0.3) for _ in range(2)]
    threads = [threading.Thread(target=m.fit, args=(X, y)) for m in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for model in models:
        np.testing.assert_array_equal(model.coefs_[0], here.coefs_[0])


def test_dropout_lowers_the_train_test_gap():
    """An over-fitting problem: 100 training rows of make_classification(n_features=40,
    n_informative=5, flip_y=0.1, random_state=0), tested on 1,000 more, a (128, 128) relu
    network, 100 epochs of Adam, random_state 0 and 1. Without dropout the network learns
    the training rows by heart; dropout=0.5 makes the mean gap between test and train
    log-loss 22% smaller (2-core AVX-512 AMD EPYC, 2026-12), so the test asks for 10%."""
    X, y = make_classification(n_samples=1100, n_features=40, n_informative=5, flip_y=0.1,
                               random_state=0)
    gaps = {}
    for rate in (0.0, 0.5):
        gaps[rate] = []
        for seed in (0, 1):
            model = MLPClassifier((128, 128), dropout=rate, max_iter=100,
                                  random_state=seed).fit(X[:100], y[:100])
            gaps[rate].append(log_loss(y[100:], model.predict_proba(X[100:]))
                              - log_loss(y[:100], model.predict_proba(X[:100])))
    assert np.mean(gaps[0.5]) < 0.9 * np.mean(gaps[0.0])


def test_dropout_errors_change_nothing():
    """'lbfgs' with dropout, and a list of rates of the wrong length or range, raise a clear
    ValueError and leave a fitted model as it was."""
    X, y = _data()
    model = MLPClassifier((8, 5), max_iter=3, random_state=0).fit(X, y)
    before = estimator_state(model)
    for params, match in [(dict(solver="lbfgs", dropout=0.2), "stochastic solver"),
                          (dict(dropout=[0.2]), "one such rate per hidden layer"),
                          (dict(dropout=[0.2, 1.0]), r"in \[0, 1\)")]:
        model.set_params(**params)
        with pytest.raises(ValueError, match=match):
            model.fit(X, y)
        model.set_params(solver="adam", dropout=0.0)
        assert_state_unchanged(before, model)
    with pytest.raises(InvalidParameterError):
        MLPClassifier(dropout=1.0).fit(X, y)
    MLPClassifier(solver="lbfgs", dropout=[0.0, 0.0], hidden_layer_sizes=(3, 3),
                  max_iter=2).fit(X, y)  # rates of 0: no dropout, allowed


# ------------------------------------------------------------------------------- class_weight


def test_balanced_class_weight_raises_minority_recall():
    """make_classification(n_samples=2000, weights=[0.95, 0.05], flip_y=0, random_state=0),
    1,000 rows each to train and test, (16,) relu, 200 epochs: recall of the minority class on
    the test half 0.783 without weights, 0.891 with class_weight='balanced' (46 minority rows)."""
    X, y = make_classification(n_samples=2000, weights=[0.95, 0.05], flip_y=0, random_state=0)
    recall = {}
    for class_weight in (None, "balanced"):
        model = MLPClassifier((16,), max_iter=200, random_state=0, class_weight=class_weight)
        model.fit(X[:1000], y[:1000])
        recall[class_weight] = recall_score(y[1000:], model.predict(X[1000:]))
    assert recall["balanced"] > recall[None]


def _assert_same_weights(a, b):
    for x, z in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(x, z)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("class_weight", ["balanced", {"a": 2.0, "c": 0.5}])
def test_class_weight_is_the_equivalent_sample_weight(class_weight, early_stopping):
    """class_weight trains exactly the model of sample_weight=compute_sample_weight(...), times
    the given sample_weight (early stopping's held-out part weighted alike)."""
    X, y = _data()
    labels = np.array(["a", "b", "c"])[y]
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0,
                  early_stopping=early_stopping)
    weighted = MLPClassifier(class_weight=class_weight, **params).fit(X, labels)
    equivalent = MLPClassifier(**params).fit(
        X, labels, sample_weight=compute_sample_weight(class_weight, labels))
    _assert_same_weights(weighted, equivalent)
    weighted = MLPClassifier(class_weight={"a": 2.0, "c": 0.5}, **params)
    sw = np.linspace(0.5, 1.5, len(y))
    weighted.fit(X, labels, sample_weight=sw)
    equivalent = MLPClassifier(**params).fit(
        X, labels, sample_weight=sw * compute_sample_weight({"a": 2.0, "c": 0.5}, labels))
    _assert_same_weights(weighted, equivalent)


@pytest.mark.parametrize("class_weight", ["balanced", [{0: 1.0, 1: 3.0}, {1: 0.5}]])
def test_multilabel_class_weight(class_weight):
    """Multilabel targets take 'balanced' or one dict per label (keys 0 and 1), multiplied over
    the labels as compute_sample_weight does; a plain dict is an error."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = (X[:, :2] + 0.5 * rng.normal(size=(60, 2)) > 0).astype(int)
    params = dict(hidden_layer_sizes=(6,), max_iter=4, random_state=0)
    weighted = MLPClassifier(class_weight=class_weight, **params).fit(X, Y)
    equivalent = MLPClassifier(**params).fit(X, Y,
                                             sample_weight=compute_sample_weight(class_weight, Y))
    _assert_same_weights(weighted, equivalent)
    with pytest.raises(ValueError, match="one dict per label"):
        MLPClassifier(class_weight={0: 1.0}, **params).fit(X, Y)


def test_class_weight_errors_change_nothing():
    """A class the targets do not have, or a list for single-output targets, raise a clear
    ValueError and change nothing."""
    X, y = _data()
    model = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    before = estimator_state(model)
    for class_weight, match in [({0: 1.0, 7: 2.0}, r"classes not in .*\[7\]"),
                                ([{0: 1.0}], "a list of dicts is for multilabel")]:
        model.set_params(class_weight=class_weight)
        with pytest.raises(ValueError, match=match):
            model.fit(X, y)
        model.set_params(class_weight=None)
        assert_state_unchanged(before, model)


def test_partial_fit_class_weight():
    """partial_fit refuses 'balanced' as SGDClassifier does (a batch's frequencies are not the
    data's); a dict weights each batch, also batches that lack some of the classes."""
    X, y = _data()
    model = MLPClassifier((8,), random_state=0, class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight 'balanced' is not supported for "
                                         "partial_fit"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(model, "coefs_")
    model.set_params(class_weight={0: 3.0, 1: 0.5})
    model.partial_fit(X[y == 2], y[y == 2], classes=[0, 1, 2])
    reference = MLPClassifier((8,), random_state=0)
    reference.partial_fit(X[y == 2], y[y == 2], classes=[0, 1, 2])
    _assert_same_weights(model, reference)  # no class of the batch is weighted
    model.partial_fit(X, y)
    reference.partial_fit(X, y, sample_weight=compute_sample_weight({0: 3.0, 1: 0.5}, y))
    _assert_same_weights(model, reference)


# ----------------------------------------------------------------------------- robust losses


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_huber_with_a_huge_delta_is_squared_error(solver):
    """Huber's ½r² convention (scikit-learn's squared error is ½ mean (y − p)², per output):
    with a δ beyond every residual the fit is squared error's, to round-off."""
    X, y = _regression()
    params = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, solver=solver)
    huber = MLPRegressor(loss="huber", huber_delta=1e12, **params).fit(X, y)
    squared = MLPRegressor(**params).fit(X, y)
    np.testing.assert_allclose(huber.coefs_[0], squared.coefs_[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(huber.loss_, squared.loss_, rtol=1e-10)


def test_quantile_tracks_the_median_of_skewed_targets():
    """y = sin(x) + lognormal(0, 1) noise, x uniform in [−2, 2], 1,000 rows to train, (32,)
    relu, 200 epochs of Adam at 0.01: the mean distance of the predictions to the conditional
    median sin(x) + 1 on 1,000 new rows is 0.530 for squared error (which tracks the mean,
    sin(x) + e^½) and 0.159 for quantile=0.5."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (2000, 1))
    y = np.sin(X[:, 0]) + rng.lognormal(0, 1, 2000)
    median = np.sin(X[1000:, 0]) + 1.0
    distance = {}
    for loss in ("squared_error", "quantile"):
        model = MLPRegressor(hidden_layer_sizes=(32,), loss=loss, max_iter=200, random_state=0,
                             learning_rate_init=0.01).fit(X[:1000], y[:1000])
        distance[loss] = np.abs(model.predict(X[1000:]) - median).mean()
    assert distance["quantile"] < 0.5 * distance["squared_error"]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("loss", list(ROBUST_LOSSES))
def test_robust_losses_fit_score_and_curves(loss, solver):
    """Every robust loss trains with both kinds of solver; score is R²; the validation loss is
    the NumPy definition (robust_losses) of the loss at the model's predictions."""
    X, y = _regression()
    model = MLPRegressor(hidden_layer_sizes=(8,), loss=loss, huber_delta=0.5, quantile=0.8,
                         max_iter=30, random_state=0, solver=solver)
    if solver == "lbfgs":
        model.fit(X, y)
    else:
        model.fit(X[:150], y[:150], validation_data=(X[150:], y[150:]))
        parameter = {"huber": 0.5, "quantile": 0.8}.get(loss)
        expected = ROBUST_LOSSES[loss](y[150:], model.predict(X[150:]), None, parameter)
        assert model.validation_loss_curve_[-1] == pytest.approx(expected, rel=1e-12)
        assert len(model.loss_curve_) == model.n_iter_
    assert np.isfinite(model.loss_)
    assert model.score(X, y) == pytest.approx(r2_score(y, model.predict(X)))
    if solver == "adam":
        assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert model.out_activation_ == "identity"


def test_robust_loss_definitions():
    """The NumPy losses are scikit-learn's metrics where it has them (pinball, absolute)."""
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(2, 50))
    assert ROBUST_LOSSES["quantile"](y, p, None, 0.3) == pytest.approx(
        mean_pinball_loss(y, p, alpha=0.3))
    assert ROBUST_LOSSES["absolute_error"](y, p) == pytest.approx(np.abs(y - p).mean())
    assert ROBUST_LOSSES["huber"](y, p, None, 1e9) == pytest.approx(0.5 * ((y - p) ** 2).mean())


@pytest.mark.parametrize("params", [dict(huber_delta=0.0), dict(huber_delta=-1.0),
                                    dict(quantile=0.0), dict(quantile=1.0),
                                    dict(loss="pinball")])
def test_robust_loss_parameters_are_validated(params):
    """huber_delta > 0 and 0 < quantile < 1, checked as scikit-learn checks its parameters."""
    X, y = _regression()
    with pytest.raises(InvalidParameterError):
        MLPRegressor(**params).fit(X, y)


# ---------------------------------------------------------------------------------- search


def test_grid_search_over_the_new_parameters():
    """GridSearchCV clones and sets dropout, class_weight, loss, huber_delta and quantile."""
    X, y = _data()
    search = GridSearchCV(MLPClassifier((8,), max_iter=5, random_state=0),
                          {"dropout": [0.0, 0.3], "class_weight": [None, "balanced"]}, cv=2)
    assert len(search.fit(X, y).cv_results_["params"]) == 4
    X, y = _regression()
    grid = [{"loss": ["huber"], "huber_delta": [0.5, 2.0]},
            {"loss": ["quantile"], "quantile": [0.5, 0.9], "dropout": [0.0, 0.1]}]
    search = GridSearchCV(MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
                          grid, cv=2).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
