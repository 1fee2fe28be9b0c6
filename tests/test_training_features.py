"""Validation data, best-weight restoring, scikit-learn's callbacks and the loss-curve display."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network._base import LOSS_FUNCTIONS
import sklearn.callback as callback
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import assert_state_unchanged, estimator_state
from nbnet import MLPClassifier, MLPRegressor
from nbnet.callbacks import EarlyStopping


def classification(n=240, seed=0):
    X, y = make_classification(n_samples=n, n_features=8, n_informative=5, n_classes=3,
                               random_state=seed)
    return X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4:], y[n * 3 // 4:]


def regression(n=240, seed=0):
    X, y = make_regression(n_samples=n, n_features=8, noise=5.0, random_state=seed)
    y = y / y.std()
    return X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4:], y[n * 3 // 4:]


class Recorder:
    """A FitCallback that keeps a copy of the weights after every epoch, and may stop."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.weights = []

    def setup(self, estimator, context):
        self.weights = []

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, **kwargs):
        if context.task_name not in ("epoch", "iteration"):
            return False
        self.weights.append(fitted_estimator)
        return self.stop_after is not None and len(self.weights) >= self.stop_after


def fixed_epochs(cls, n, **params):
    return cls(hidden_layer_sizes=(16,), max_iter=n, tol=0.0, n_iter_no_change=n + 1,
               learning_rate_init=0.01, random_state=0, **params)


# ------------------------------------------------------------------------- validation data
@pytest.mark.parametrize("cls, data", [(MLPClassifier, classification),
                                       (MLPRegressor, regression)])
def test_validation_loss_curve_is_the_loss_on_the_validation_set(cls, data):
    """Each entry is scikit-learn's loss of that epoch's weights on (X_val, y_val), without
    the penalty; each score is the epoch's score."""
    X, y, X_val, y_val = data()
    recorder = Recorder()
    est = fixed_epochs(cls, 6).set_callbacks(recorder).fit(X, y, validation_data=(X_val, y_val))
    assert len(est.validation_loss_curve_) == len(est.validation_scores_) == est.n_iter_ == 6
    for epoch, model in enumerate(recorder.weights):
        if cls is MLPClassifier:
            targets = est._label_binarizer.transform(y_val)
            loss = LOSS_FUNCTIONS["log_loss"](targets, model.predict_proba(X_val))
        else:
            loss = LOSS_FUNCTIONS["squared_error"](y_val.reshape(-1, 1),
                                                   model.predict(X_val).reshape(-1, 1))
        np.testing.assert_allclose(est.validation_loss_curve_[epoch], loss, rtol=1e-10)
        assert est.validation_scores_[epoch] == pytest.approx(model.score(X_val, y_val))
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_validation_data_with_sample_weights():
    X, y, X_val, y_val = classification()
    w_val = np.linspace(0.5, 2.0, len(y_val))
    recorder = Recorder()
    est = fixed_epochs(MLPClassifier, 3).set_callbacks(recorder)
    est.fit(X, y, validation_data=(X_val, y_val, w_val))
    model = recorder.weights[-1]
    assert est.validation_scores_[-1] == pytest.approx(model.score(X_val, y_val, w_val))


def test_early_stopping_uses_the_given_validation_set_and_stops_where_the_rule_says():
    """scikit-learn's rule on the given set: stop once the score has failed to beat the best
    by ``tol`` more than ``n_iter_no_change`` times in a row; keep the best epoch."""
    X, y, X_val, y_val = classification()
    est = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, n_iter_no_change=3,
                        tol=1e-3, learning_rate_init=0.05, max_iter=200, random_state=0)
    est.fit(X, y, validation_data=(X_val, y_val))
    best, count, stop = -np.inf, 0, None
    for epoch, score in enumerate(est.validation_scores_, start=1):
        count = count + 1 if score < best + est.tol else 0
        best = max(best, score)
        if count > est.n_iter_no_change:
            stop = epoch
            break
    assert stop == est.n_iter_ < est.max_iter
    assert est.score(X_val, y_val) == pytest.approx(est.best_validation_score_)
    assert est.t_ == est.n_iter_ * len(X)  # all of X trains: nothing was held out


@pytest.mark.parametrize("bad, match", [
    (("only X",), "must be a tuple"),
    ((np.zeros((5, 8)), np.zeros(4)), "inconsistent numbers of samples"),
    ((np.zeros((5, 3)), np.zeros(5)), "features"),
    ((np.zeros((5, 8)), np.full(5, 9)), "classes not in"),
])
def test_bad_validation_data_raises_and_leaves_the_model_unchanged(bad, match):
    X, y, _, _ = classification()
    est = fixed_epochs(MLPClassifier, 2).fit(X, y)
    coefs = [c.copy() for c in est.coefs_]
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, validation_data=bad)
    assert all(np.array_equal(a, b) for a, b in zip(coefs, est.coefs_))


@pytest.mark.parametrize("method", ["fit", "refit"])
def test_poisson_validation_targets_must_be_non_negative(method):
    """validation_data's y meets the loss's domain as y does: negative Poisson targets raise
    the training targets' error (once scored, they gave scores near -13.6), naming
    validation_data; a refused refit leaves the model as it was."""
    X, y, X_val, y_val = regression()
    y, y_val = np.abs(y), np.abs(y_val)
    est = fixed_epochs(MLPRegressor, 2, loss="poisson")
    if method == "refit":
        est.fit(X, y)
    before = estimator_state(est)
    y_val[3] = -0.5
    with pytest.raises(ValueError, match="Some value.s. of validation_data's y are negative "
                                         "which is not allowed for Poisson regression"):
        est.fit(X, y, validation_data=(X_val, y_val))
    assert_state_unchanged(before, est)
    y_val[3] = 0.0  # zero counts are valid, as in y
    est.fit(X, y, validation_data=(X_val, y_val))
    assert np.isfinite(est.validation_scores_).all()


def test_validation_data_is_refused_by_lbfgs():
    X, y, X_val, y_val = classification()
    with pytest.raises(ValueError, match="only used by the stochastic solvers"):
        MLPClassifier(solver="lbfgs").fit(X, y, validation_data=(X_val, y_val))


# ----------------------------------------------------------------------------- best weights
@pytest.mark.parametrize("with_validation", [False, True])
def test_restore_best_weights_keeps_the_best_epoch(with_validation):
    """The best epoch by validation score where there is a validation set, else by training
    loss; the weights are that epoch's exactly."""
    X, y, X_val, y_val = regression()
    recorder = Recorder()
    # Batches of 8 at a high rate: noisy enough that the last epoch is not the best.
    est = fixed_epochs(MLPRegressor, 25, solver="sgd", restore_best_weights=True,
                       batch_size=8)
    est.set_params(learning_rate_init=0.1).set_callbacks(recorder)
    est.fit(X, y, **({"validation_data": (X_val, y_val)} if with_validation else {}))
    figures = est.validation_scores_ if with_validation else -np.asarray(est.loss_curve_)
    best = int(np.argmax(figures))
    assert best != est.n_iter_ - 1, "the test needs a last epoch that is not the best"
    for mine, theirs in zip(est.coefs_ + est.intercepts_,
                            recorder.weights[best].coefs_ + recorder.weights[best].intercepts_):
        np.testing.assert_array_equal(mine, theirs)


def test_restore_best_weights_off_keeps_the_last_epoch():
    X, y, X_val, y_val = regression()
    recorder = Recorder()
    est = fixed_epochs(MLPRegressor, 5).set_callbacks(recorder)
    est.fit(X, y, validation_data=(X_val, y_val))
    np.testing.assert_array_equal(est.coefs_[0], recorder.weights[-1].coefs_[0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("early_stopping", [False, True])
def test_restoring_without_a_finite_validation_score_keeps_the_last_weights(early_stopping):
    """R² of one validation row is undefined (NaN) in every epoch: there is no best epoch, so
    the last weights stay (not the untrained initial ones), with a warning that says so."""
    X, y, X_val, y_val = regression()
    recorder = Recorder()
    est = fixed_epochs(MLPRegressor, 4, restore_best_weights=True,
                       early_stopping=early_stopping).set_callbacks(recorder)
    with pytest.warns(ConvergenceWarning, match=r"No epoch had a finite validation score .* "
                                                r"the last epoch's weights \(epoch 4\) were kept"):
        est.fit(X, y, validation_data=(X_val[:1], y_val[:1]))
    assert np.isnan(est.validation_scores_).all() and len(est.validation_scores_) == 4
    assert est.best_validation_score_ == -np.inf
    for mine, last in zip(est.coefs_ + est.intercepts_,
                          recorder.weights[-1].coefs_ + recorder.weights[-1].intercepts_):
        np.testing.assert_array_equal(mine, last)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_a_warm_start_without_validation_data_is_not_blamed_for_earlier_nan_scores():
    """best_validation_score_ = -inf left by an earlier fit's NaN scores does not make a later
    warm-started fit without a validation set skip its restore of the best epoch."""
    X, y, X_val, y_val = regression()
    est = fixed_epochs(MLPRegressor, 4, restore_best_weights=True, warm_start=True)
    with pytest.warns(ConvergenceWarning, match="No epoch had a finite validation score"):
        est.fit(X, y, validation_data=(X_val[:1], y_val[:1]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert not [w for w in caught if "No epoch had a finite" in str(w.message)]


@pytest.mark.parametrize("with_validation", [False, True])
def test_divergence_keeps_the_best_epoch_with_a_validation_set_or_restoring(with_validation):
    """A learning rate that blows up after a few epochs: the fit returns the best epoch's
    weights and warns instead of raising."""
    X, y, X_val, y_val = regression()
    est = fixed_epochs(MLPRegressor, 25, solver="sgd", batch_size=8,
                       restore_best_weights=not with_validation)
    est.set_params(learning_rate_init=0.2)
    with pytest.warns(ConvergenceWarning, match="non-finite .* kept"):
        est.fit(X, y, **({"validation_data": (X_val, y_val)} if with_validation else {}))
    assert not np.isfinite(est.loss_curve_[-1])
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)
    if with_validation:
        assert np.isnan(est.validation_scores_[-1])
        assert est.score(X_val, y_val) == pytest.approx(est.best_validation_score_)


# -------------------------------------------------------------------------------- callbacks
@pytest.mark.parametrize("cls, data", [(MLPClassifier, classification),
                                       (MLPRegressor, regression)])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_returning_true_stops_at_that_epoch(cls, data, solver):
    X, y, _, _ = data()
    recorder = Recorder(stop_after=3)
    est = fixed_epochs(cls, 50, solver=solver).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a callback stop is not max_iter
        est.fit(X, y)
    assert est.n_iter_ == 3 == len(recorder.weights)
    np.testing.assert_array_equal(est.coefs_[0], recorder.weights[-1].coefs_[0])
    if solver == "adam":
        assert len(est.loss_curve_) == 3 and est.loss_ == est.loss_curve_[-1]


@pytest.mark.parametrize("cls, data, scoring", [(MLPClassifier, classification, "accuracy"),
                                                (MLPRegressor, regression, "r2")])
def test_scoring_monitor_logs_one_row_per_epoch(cls, data, scoring):
    X, y, _, _ = data()
    monitor = callback.ScoringMonitor(scoring=scoring)
    est = fixed_epochs(cls, 4).set_callbacks(monitor).fit(X, y)
    log = monitor.get_logs().data_as_pandas
    epochs = log[log.task_name == "epoch"]
    assert len(epochs) == est.n_iter_ == 4
    assert epochs[scoring].iloc[-1] == pytest.approx(est.score(X, y))


@pytest.mark.parametrize("cls, data", [(MLPClassifier, classification),
                                       (MLPRegressor, regression)])
def test_progress_bar_nests_in_grid_search_and_pipeline(cls, data, capsys):
    pytest.importorskip("rich")
    X, y, _, _ = data()
    fixed_epochs(cls, 3).set_callbacks(callback.ProgressBar()).fit(X, y)
    search = GridSearchCV(make_pipeline(StandardScaler(), fixed_epochs(cls, 3)),
                          {f"{cls.__name__.lower()}__alpha": [1e-4, 1e-2]}, cv=2)
    search.set_callbacks(callback.ProgressBar(max_propagation_depth=None)).fit(X, y)
    shown = capsys.readouterr().out
    assert f"{cls.__name__} - fit" in shown
    assert f"Pipeline - fit-final-estimator | {cls.__name__} - fit" in shown


def test_callbacks_survive_a_failed_fit():
    """A fit that raises tears its callbacks down and leaves no callback state behind."""
    X, y, _, _ = classification()
    est = fixed_epochs(MLPClassifier, 3).set_callbacks(callback.ProgressBar())
    with pytest.raises(ValueError):
        est.fit(X, y[:-1])
    assert not hasattr(est, "_callback_fit_ctx")
    est.fit(X, y)
    assert est.n_iter_ == 3


# ------------------------------------------------------------------- nbnet's EarlyStopping
@pytest.mark.parametrize("monitor", ["loss", "validation_loss", "validation_score"])
def test_early_stopping_callback_stops_after_patience_epochs_without_improvement(monitor):
    X, y, X_val, y_val = classification()
    stopper = EarlyStopping(monitor, patience=3, min_delta=1e-3)
    est = fixed_epochs(MLPClassifier, 300).set_callbacks(stopper)
    est.fit(X, y, validation_data=(X_val, y_val))
    curve = {"loss": est.loss_curve_, "validation_loss": est.validation_loss_curve_,
             "validation_score": -np.asarray(est.validation_scores_)}[monitor]
    best, waited = np.inf, 0
    for epoch, value in enumerate(curve, start=1):
        best, waited = (value, 0) if value < best - 1e-3 else (best, waited + 1)
        if waited >= 3:
            break
    assert est.n_iter_ == epoch < 300


def test_early_stopping_callback_needs_the_curve_it_watches():
    X, y, _, _ = classification()
    est = fixed_epochs(MLPClassifier, 5).set_callbacks(EarlyStopping("validation_loss"))
    with pytest.raises(ValueError, match="validation_data"):
        est.fit(X, y)


@pytest.mark.parametrize("kwargs, match", [(dict(monitor="accuracy"), "monitor"),
                                           (dict(patience=0), "patience"),
                                           (dict(min_delta=-1.0), "min_delta")])
def test_early_stopping_callback_checks_its_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EarlyStopping(**kwargs)


# ---------------------------------------------------------------------------------- display
def test_loss_curve_display_renders_headless():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nbnet.display import LossCurveDisplay

    X, y, X_val, y_val = classification()
    est = fixed_epochs(MLPClassifier, 5).fit(X, y, validation_data=(X_val, y_val))
    display = LossCurveDisplay.from_estimator(est)
    assert len(display.lines_) == 2
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), est.loss_curve_)
    np.testing.assert_array_equal(display.lines_[1].get_ydata(), est.validation_loss_curve_)
    assert display.ax_.get_xlabel() == "epoch"
    plt.close(display.figure_)
    with pytest.raises(ValueError, match="loss_curve_"):
        LossCurveDisplay.from_estimator(MLPClassifier(solver="lbfgs").fit(X, y))


def test_restore_best_weights_in_grid_search():
    X, y, X_val, y_val = classification()
    search = GridSearchCV(fixed_epochs(MLPClassifier, 5), {"restore_best_weights": [False, True]},
                          cv=2).fit(X, y)
    assert set(search.cv_results_["param_restore_best_weights"]) == {False, True}


# -------------------------------------------------- optimizers, schedules, gradient clipping
TWIN_CASES = {
    "adamw": dict(solver="adamw", weight_decay=0.5),
    "rmsprop": dict(solver="rmsprop", rho=0.9),
    "adagrad": dict(solver="adagrad", learning_rate_init=0.05),
    "adam-cosine-warmup": dict(solver="adam", learning_rate="cosine", warmup_epochs=2,
                               min_learning_rate=1e-3),
    "sgd-step": dict(solver="sgd", learning_rate="step", lr_step_size=2, lr_gamma=0.5,
                     learning_rate_init=0.05),
    "adamw-exponential": dict(solver="adamw", learning_rate="exponential", lr_gamma=0.7),
    "adam-exponential-derived": dict(solver="adam", learning_rate="exponential",
                                     min_learning_rate=1e-4),
    "sgd-step-derived": dict(solver="sgd", learning_rate="step", lr_step_size=2,
                             learning_rate_init=0.05),
    "adam-clipped": dict(solver="adam", clip_grad_norm=0.2),
    "sgd-clipped-cosine": dict(solver="sgd", learning_rate="cosine", clip_grad_norm=0.2,
                               learning_rate_init=0.05),
}


def _assert_follows_the_twin(est, X, y, rate, n_epochs, batch):
    """``est`` (fitted float64 on ``X, y`` for ``n_epochs`` epochs, no shuffling, L2 0.01, one
    hidden layer of 7 relu units, random_state 3) equals the NumPy twin updating step by
    step with each rule and the rate ``rate(t)`` of the step after ``t`` updates: weights,
    and every epoch's loss."""
    import naive

    get = est.get_params().get
    units = [X.shape[1], 7, 1]
    theta = naive.initial_weights(units, 3)
    solver = get("solver")
    slots = {"sgd": 1, "adam": 2, "adamw": 2, "rmsprop": 1, "adagrad": 1}[solver]
    state = [np.zeros_like(theta) for _ in range(slots)]
    t, losses = 0, []
    for _ in range(n_epochs):
        theta, state, loss_sum, t = naive.epoch(
            theta, units, X, y.reshape(-1, 1), None, np.arange(len(X)), batch, "relu",
            "identity", 0.01, solver, rate, state, t, momentum=0.9, nesterov=True,
            rho=get("rho"), weight_decay=get("weight_decay"), clip=get("clip_grad_norm"))
        losses.append(loss_sum / len(X))
    np.testing.assert_allclose(est.loss_curve_, losses, rtol=1e-10)
    coefs, intercepts = naive.split(theta, units)
    for mine, theirs in zip(est.coefs_ + est.intercepts_, coefs + intercepts):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def _twin_case(n_epochs, batch, **params):
    return MLPRegressor(hidden_layer_sizes=(7,), max_iter=n_epochs, shuffle=False,
                        batch_size=batch, alpha=0.01, random_state=3, **params)


@pytest.mark.parametrize("case", list(TWIN_CASES))
def test_fit_follows_the_numpy_twin_step_by_step(case):
    """A few epochs of a fit (float64, no shuffling, L2 on) equal the NumPy twin that
    updates step by step with each rule and each step's scheduled rate: weights, and every
    epoch's loss."""
    import naive

    X, y, _, _ = regression(n=90)
    n_epochs, batch = 5, 16
    est = _twin_case(n_epochs, batch, tol=0.0, n_iter_no_change=n_epochs + 1,
                     **TWIN_CASES[case]).fit(X, y)
    get = est.get_params().get
    per_epoch = -(-len(X) // batch)

    def rate(t):
        return naive.scheduled_rate(get("learning_rate"), get("learning_rate_init"), t,
                                    per_epoch, n_epochs, get("min_learning_rate"),
                                    get("lr_step_size"), get("lr_gamma"), get("warmup_epochs"))

    _assert_follows_the_twin(est, X, y, rate, n_epochs, batch)


@pytest.mark.parametrize("solver", ["adam", "adamw", "rmsprop", "adagrad", "sgd"])
def test_adaptive_schedule_divides_the_rate_of_every_solver(solver):
    """'adaptive' divides the rate by 5 on a stall for every stochastic solver, Adam included
    (scikit-learn's Adam ignores it: there a stall stops the fit)."""
    X, y, _, _ = classification()
    est = MLPClassifier(hidden_layer_sizes=(8,), solver=solver, learning_rate="adaptive",
                        n_iter_no_change=1, tol=1e3, max_iter=6, random_state=0).fit(X, y)
    assert est.n_iter_ == 6
    assert est._optimizer.learning_rate == pytest.approx(0.001 / 5**2)  # after epochs 3, 5


def test_adam_with_the_adaptive_schedule_follows_the_twin():
    """Adam with 'adaptive', every epoch a stall (tol out of reach, n_iter_no_change=1): the
    rate is divided by 5 after epochs 3 and 5, Adam's bias correction running on, and the
    fit ends where the NumPy twin with those rates does."""
    X, y, _, _ = regression(n=90)
    n_epochs, batch, lr = 6, 16, 0.01
    est = _twin_case(n_epochs, batch, solver="adam", learning_rate="adaptive",
                     learning_rate_init=lr, tol=1e3, n_iter_no_change=1).fit(X, y)
    assert est.n_iter_ == n_epochs
    assert est._optimizer.learning_rate == pytest.approx(lr / 25)
    per_epoch = -(-len(X) // batch)
    divisions = [0, 0, 0, 1, 1, 2]  # per epoch

    def rate(t):
        return lr / 5 ** divisions[t // per_epoch]

    _assert_follows_the_twin(est, X, y, rate, n_epochs, batch)


def test_clipping_far_above_the_gradients_trains_the_unclipped_model():
    X, y, _, _ = classification()
    plain = fixed_epochs(MLPClassifier, 4, solver="adamw").fit(X, y)
    clipped = fixed_epochs(MLPClassifier, 4, solver="adamw", clip_grad_norm=1e30).fit(X, y)
    for a, b in zip(plain.coefs_ + plain.intercepts_, clipped.coefs_ + clipped.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert plain.loss_curve_ == clipped.loss_curve_


def test_new_parameters_in_grid_search():
    X, y, _, _ = classification()
    grid = {"solver": ["adamw", "rmsprop", "adagrad"], "learning_rate": ["cosine", "step"],
            "clip_grad_norm": [None, 1.0], "warmup_epochs": [0, 1]}
    search = GridSearchCV(fixed_epochs(MLPClassifier, 3), grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 24
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize("name, value", [("solver", "adamax"), ("learning_rate", "linear"),
                                         ("weight_decay", -0.1), ("rho", 1.0),
                                         ("min_learning_rate", -1.0), ("lr_step_size", 0),
                                         ("lr_gamma", 0.0), ("warmup_epochs", -1),
                                         ("clip_grad_norm", 0.0)])
def test_new_parameters_are_validated(name, value):
    X, y, _, _ = classification()
    with pytest.raises(ValueError, match=name):
        MLPClassifier(**{name: value}).fit(X, y)


@pytest.mark.parametrize("solver", ["adamw", "rmsprop", "adagrad"])
def test_partial_fit_continues_the_schedule_and_a_failed_call_changes_nothing(solver):
    """partial_fit carries the step count (the cosine goes on where it was) and the state;
    a call that diverges in its last batch, after updates, leaves the estimator, optimizer
    state included, exactly as it was."""
    from conftest import assert_state_unchanged, estimator_state

    X, y, _, _ = regression()
    est = MLPRegressor(hidden_layer_sizes=(8,), solver=solver, learning_rate="cosine",
                       max_iter=4, clip_grad_norm=0.5, batch_size=20, shuffle=False,
                       random_state=0)
    est.partial_fit(X, y).partial_fit(X, y)
    per_call = -(-len(X) // 20)
    assert est._optimizer.t == 2 * per_call
    before = estimator_state(est)
    huge = X.copy()
    huge[-5:] *= 1e200  # only the last batch overflows
    with pytest.raises(ValueError, match="non-finite"):
        est.partial_fit(huge, y)
    assert_state_unchanged(before, est)
    est.partial_fit(X, y)
    assert est._optimizer.t == 3 * per_call
