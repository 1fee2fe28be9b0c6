"""Regression tests of reliability: divergence, failed calls, interrupts, one-class fits.

The rule under test: a call that raises leaves the estimator exactly as it was (compared
through a deep copy of ``__dict__``, see ``conftest.estimator_state``).
"""

import _thread
import re
import signal
import threading
import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from conftest import assert_state_unchanged, estimator_state
from nbnet import (DivergenceError, MLPClassifier, MLPRegressor, NonFinitePredictionWarning,
                   SingleClassWarning)

# pytest.warns still sees the warnings these filters hide from the summary
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

SK_DIVERGENCE = ("Solver produced non-finite parameter weights. The input data may contain "
                 "large values and need to be preprocessed.")
BEGINS_WITH_SK = "^" + re.escape(SK_DIVERGENCE)



def linear_problem(n=400, n_features=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, n_features)
    y = X @ rng.randn(n_features) + 0.1 * rng.randn(n)
    return X, y


def quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", RuntimeWarning)
    return ctx


# early stopping through a divergence ---------------------------------------------------------
def test_early_stopping_divergence_returns_best_epoch():
    X, y = linear_problem()
    est = MLPRegressor(hidden_layer_sizes=(50,), solver="sgd", learning_rate_init=0.319,
                       batch_size=16, early_stopping=True, n_iter_no_change=20, random_state=1)
    with pytest.warns(ConvergenceWarning):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            est.fit(X, y)
    assert np.isnan(est.validation_scores_[-1])
    assert all(np.isfinite(w).all() for w in [*est.coefs_, *est.intercepts_])
    assert np.isfinite(est.best_validation_score_) and est.best_validation_score_ > 0.7
    # scikit-learn's model of the best epoch scores R² 0.809 on X
    assert est.score(X, y) > 0.7


# partial_fit after a divergence --------------------------------------------------------------
def test_partial_fit_recovers_after_divergence():
    rng = np.random.RandomState(0)
    w = rng.randn(5)

    def batch():
        X = rng.randn(100, 5).astype(np.float32)
        return X, (X @ w).astype(np.float32)

    est = MLPRegressor(hidden_layer_sizes=(10,), random_state=0)
    for _ in range(10):
        est.partial_fit(*batch())
    loss_before = est.loss_
    X_bad, y_bad = batch()
    X_bad[3, 2] = 1e30
    before = estimator_state(est)
    with pytest.raises(DivergenceError, match=BEGINS_WITH_SK):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            est.partial_fit(X_bad, y_bad)
    assert_state_unchanged(before, est)
    for _ in range(10):
        est.partial_fit(*batch())
    assert all(np.isfinite(w).all() for w in [*est.coefs_, *est.intercepts_])
    assert np.isfinite(est.loss_curve_).all()
    assert est.loss_curve_[-1] < loss_before


# a diverging refit ---------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_diverging_refit_keeps_the_fitted_model(solver):
    X, y = linear_problem()
    est = MLPRegressor(hidden_layer_sizes=(20,), solver=solver, max_iter=200, random_state=0)
    ctx = quiet()
    try:
        est.fit(X, y)
    finally:
        ctx.__exit__(None, None, None)
    assert est.score(X, y) > 0.9
    before = estimator_state(est)
    coefs = [c.copy() for c in est.coefs_]
    n_iter, loss = est.n_iter_, est.loss_
    with pytest.raises(DivergenceError, match=BEGINS_WITH_SK):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            est.fit(X, y * 1e200)
    assert est.n_iter_ == n_iter and est.loss_ == loss
    for a, b in zip(est.coefs_, coefs):
        np.testing.assert_array_equal(a, b)
    assert_state_unchanged(before, est)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_diverging_first_fit_leaves_an_unfitted_model(solver):
    X, y = linear_problem(n=100)
    est = MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0)
    before = estimator_state(est)
    with pytest.raises(DivergenceError, match=BEGINS_WITH_SK):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            est.fit(X, y * 1e200)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert_state_unchanged(before, est)


# what a divergence message names -------------------------------------------------------------
SUM_TO_ZERO = re.compile(r"sum\w* to zero", re.IGNORECASE)


def _divergence_message(est, X, y, **fit_params):
    with pytest.raises(DivergenceError, match=BEGINS_WITH_SK) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y, **fit_params)
    return str(info.value)


def test_divergence_message_names_a_zero_weight_batch():
    X, y = linear_problem(n=100)
    sw = np.r_[np.zeros(20), np.ones(80)]
    est = MLPRegressor(hidden_layer_sizes=(5,), solver="sgd", batch_size=1, shuffle=False,
                       max_iter=2, random_state=0)
    assert SUM_TO_ZERO.search(_divergence_message(est, X, y, sample_weight=sw))


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_divergence_message_names_alpha(solver):
    X, y = linear_problem(n=100)
    est = MLPRegressor(hidden_layer_sizes=(5,), solver=solver, alpha=1e300, max_iter=5,
                       random_state=0)
    assert "alpha" in _divergence_message(est, X, y)


def test_divergence_message_names_lbfgs_weights_summing_to_zero():
    X, y = linear_problem(n=100)
    sw = np.r_[np.ones(50), -np.ones(50)]
    est = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5, random_state=0)
    assert SUM_TO_ZERO.search(_divergence_message(est, X, y, sample_weight=sw))


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_all_zero_sample_weights_raise_sklearns_error(solver):
    """scikit-learn's check rejects all-zero weights before any training."""
    X, y = linear_problem(n=100)
    est = MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero"):
        est.fit(X, y, sample_weight=np.zeros(100))


# float32 models and float64 rows -------------------------------------------------------------
@pytest.mark.parametrize("method", [
    "predict",
    "score",
])
def test_float32_model_rejects_float64_rows_out_of_float32_range(method):
    X, y = linear_problem(n=100)
    ctx = quiet()
    try:
        est = MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(
            X.astype(np.float32), y)
    finally:
        ctx.__exit__(None, None, None)
    X_big = X[:5].copy()
    X_big[0, 0] = 1e300
    before = estimator_state(est)
    with pytest.raises(ValueError):
        if method == "predict":
            est.predict(X_big)
        else:
            est.score(X_big, y[:5])
    assert_state_unchanged(before, est)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # the diverged epoch's score
def test_fuzzed_poisson_fit_that_predicts_inf_warns():
    """The fuzzed case, shrunk: a float32 Poisson model ('sgd', 'invscaling' from 0.1, batches
    of one, early stopping, tanh, two outputs, sample weights) whose second epoch diverges
    keeps the first epoch's weights, finite (up to ~1e11) and with a finite validation
    score, but their raw outputs on half the training rows exceed float32's log-largest
    (88.7): exp overflows to inf. The prediction says so instead of returning inf silently."""
    rng = np.random.RandomState(16)
    X = rng.normal(size=(12, 5)).astype(np.float32)
    y = np.abs(np.round(3 * rng.normal(size=(12, 2))))
    sample_weight = rng.uniform(0.5, 2.0, 12)
    est = MLPRegressor(hidden_layer_sizes=(5,), activation="tanh", loss="poisson",
                       solver="sgd", learning_rate="invscaling", learning_rate_init=0.1,
                       early_stopping=True, batch_size=1, max_iter=2, shuffle=False,
                       random_state=0)
    with pytest.warns(ConvergenceWarning, match="non-finite .* epoch 1's weights"):
        est.fit(X, y, sample_weight=sample_weight)
    assert all(np.isfinite(w).all() for w in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.best_validation_score_)
    with pytest.warns(NonFinitePredictionWarning,
                      match=r"12 of the 24 predicted values are not finite .* the Poisson "
                            r"output exp\(z\) overflowed float32 \(z above 88.7\)"):
        predicted = est.predict(X)
    assert np.isposinf(predicted).sum() == 12


def test_float64_poisson_overflow_at_predict_warns():
    """exp overflows float64 beyond z = 709.8: input 10^4 times the training range."""
    X, y = linear_problem(n=100)
    est = MLPRegressor(hidden_layer_sizes=(5,), loss="poisson", max_iter=3, random_state=0)
    ctx = quiet()
    try:
        est.fit(X, np.exp(y / y.std()))
    finally:
        ctx.__exit__(None, None, None)
    with pytest.warns(NonFinitePredictionWarning, match=r"the Poisson output exp\(z\) "
                                                        r"overflowed float64 \(z above 709.8\)"):
        predicted = est.predict(X[:20] * 1e4)
    assert np.isposinf(predicted).any()


def test_float32_model_overflow_at_predict_warns():
    """Input within float32's range can still overflow a float32 network's values."""
    X, y = linear_problem(n=100)
    est = MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    ctx = quiet()
    try:
        est.fit(X.astype(np.float32), y)
    finally:
        ctx.__exit__(None, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFinitePredictionWarning)
        assert np.isfinite(est.predict(X)).all()  # finite predictions: no warning
    with pytest.warns(NonFinitePredictionWarning,
                      match=r"not finite .* a value of the network overflowed float32 "
                            r"\(largest 3.4e\+38\)"):
        predicted = est.predict(np.full((2, 6), 3e38, dtype=np.float32))
    assert not np.isfinite(predicted).all()


# hidden_layer_sizes of other types -----------------------------------------------------------
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("sizes", [(5.5,), (True,)], ids=["float", "bool"])
def test_non_integer_hidden_layer_sizes_raise_type_error(Estimator, sizes):
    X, y = linear_problem(n=20)
    if Estimator is MLPClassifier:
        y = y > 0
    est = Estimator(hidden_layer_sizes=sizes, max_iter=2)
    before = estimator_state(est)
    with pytest.raises(TypeError):
        est.fit(X, y)
    assert_state_unchanged(before, est)


# interrupts ----------------------------------------------------------------------------------
# Seconds a fit has to stop after an interrupt: an epoch takes ~10 ms, scoring less.
ANSWER_WITHIN = 60


def _interrupted_fit(est, X, y, after=0.5, trigger=None):
    """Fit ``est`` while another thread interrupts the main thread (``_thread.interrupt_main``).

    The interrupt comes ``after`` seconds into the fit, or, with ``trigger`` (an Event), as
    soon as the fit sets it. Fails the test (rather than killing the run) when a
    KeyboardInterrupt escapes the fit, when the fit ended before the interrupt, and when the
    fit did not answer the interrupt within ``ANSWER_WITHIN`` seconds: a second interrupt
    then ends it, so a lost signal fails the test instead of running to ``max_iter``.
    """
    # A shell's background job starts with SIGINT ignored, where interrupts never arrive:
    # give the fit Python's default handler, as an interactive session has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _fit_interrupted(est, X, y, after, trigger)
    finally:
        signal.signal(signal.SIGINT, previous)


def _fit_interrupted(est, X, y, after, trigger):
    fired, finished, unanswered = threading.Event(), threading.Event(), threading.Event()

    def interrupt():
        if trigger is not None and not trigger.wait(60):
            return
        fired.set()
        _thread.interrupt_main()
        if not finished.wait(ANSWER_WITHIN):
            unanswered.set()
            _thread.interrupt_main()

    timer = threading.Timer(0 if trigger is not None else after, interrupt)
    escaped = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                timer.start()
                est.fit(X, y)
            except KeyboardInterrupt as exc:
                escaped = exc
            finally:
                finished.set()
                timer.cancel()
            # a late interrupt (the fit ended as the timer fired) is delivered here
            time.sleep(0.05)
    except KeyboardInterrupt as exc:
        escaped = exc
    if unanswered.is_set():
        pytest.fail(f"the fit did not answer an interrupt within {ANSWER_WITHIN} s")
    if escaped is not None:
        pytest.fail(f"KeyboardInterrupt escaped the fit: {escaped!r}")
    assert fired.is_set(), "the fit finished before the interrupt: make it longer"
    messages = [str(w.message) for w in caught]
    assert "Training interrupted by user." in messages
    return est


def _interrupt_problem():
    """About 10 ms per epoch (or L-BFGS iteration) with 64 hidden units."""
    rng = np.random.RandomState(0)
    X = rng.randn(20000, 40)
    y = np.sin(X[:, 0]) + rng.randn(20000)  # noise: the solvers run to max_iter
    return X, y


def _warm_compile(**params):
    X, y = _interrupt_problem()
    ctx = quiet()
    try:
        MLPRegressor(**{**params, "max_iter": 1}).fit(X[:50], y[:50])
    finally:
        ctx.__exit__(None, None, None)


def _assert_consistent_after_interrupt(est, X):
    assert est.n_iter_ >= 1
    assert len(est.loss_curve_) == est.n_iter_
    assert est.loss_ == est.loss_curve_[-1]
    if est.early_stopping:
        assert len(est.validation_scores_) == est.n_iter_
    assert all(np.isfinite(w).all() for w in [*est.coefs_, *est.intercepts_])
    assert np.isfinite(est.predict(X[:10])).all()


def _stochastic_params(solver, early_stopping):
    return dict(hidden_layer_sizes=(64,), solver=solver, early_stopping=early_stopping,
                random_state=0, tol=0.0, n_iter_no_change=np.inf, learning_rate_init=1e-4)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupted_stochastic_fit_is_consistent(solver):
    """An interrupt 0.5 s into a fit of ~10 ms epochs: it lands in the compiled epoch."""
    params = _stochastic_params(solver, early_stopping=False)
    _warm_compile(**params)
    X, y = _interrupt_problem()
    est = _interrupted_fit(MLPRegressor(max_iter=100000, **params), X, y)
    _assert_consistent_after_interrupt(est, X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupted_early_stopping_fit_is_consistent(solver):
    """Early stopping, interrupted 0.5 s in by a timer thread.

    The interrupt may land in the compiled epoch or in the validation scoring; this test
    checks what holds wherever it lands, the next one pins down the scoring case.
    """
    params = _stochastic_params(solver, early_stopping=True)
    _warm_compile(**params)
    X, y = _interrupt_problem()
    est = _interrupted_fit(MLPRegressor(max_iter=100000, **params), X, y, after=0.5)
    assert est.n_iter_ >= 1 and len(est.loss_curve_) == est.n_iter_
    assert all(np.isfinite(w).all() for w in [*est.coefs_, *est.intercepts_])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupt_during_validation_scoring_is_consistent(solver):
    """The interrupt is sent (from another thread) while the third validation scoring runs.

    A wrapper of the estimator's ``_validate`` (the validation scoring) sets the trigger and
    sleeps; the interrupt then arrives inside the scoring, as a Ctrl-C can.
    """
    params = _stochastic_params(solver, early_stopping=True)
    _warm_compile(**params)
    X, y = _interrupt_problem()
    est = MLPRegressor(max_iter=100000, **params)
    scoring = threading.Event()
    score, calls = est._validate, []

    def score_then_wait(*args, **kwargs):
        calls.append(None)
        if len(calls) == 3:
            scoring.set()
            for _ in range(50):  # the interrupt arrives meanwhile (between short sleeps)
                time.sleep(0.01)
        return score(*args, **kwargs)

    est._validate = score_then_wait
    _interrupted_fit(est, X, y, trigger=scoring)
    del est._validate
    _assert_consistent_after_interrupt(est, X)


def test_interrupted_lbfgs_fit_keeps_the_last_accepted_iterate():
    params = dict(hidden_layer_sizes=(64,), solver="lbfgs", random_state=0, tol=0.0)
    _warm_compile(**params)
    X, y = _interrupt_problem()
    est = _interrupted_fit(MLPRegressor(max_iter=100000, max_fun=10**6, **params), X, y)
    assert est.n_iter_ >= 1
    assert hasattr(est, "loss_") and np.isfinite(est.loss_)
    assert all(np.isfinite(w).all() for w in [*est.coefs_, *est.intercepts_])
    # loss_ is the loss of the weights kept: squared error / 2 plus the L2 penalty
    residual = est.predict(X) - y
    penalty = est.alpha * sum((c ** 2).sum() for c in est.coefs_) / (2 * len(y))
    np.testing.assert_allclose(est.loss_, (residual ** 2).mean() / 2 + penalty, rtol=1e-6)


# one-class fits ------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_one_class_fits_with_a_warning(solver):
    X, _ = linear_problem(n=30)
    est = MLPClassifier(hidden_layer_sizes=(5,), solver=solver, max_iter=3, random_state=0)
    with pytest.warns(SingleClassWarning, match="'a'"):
        est.fit(X, ["a"] * 30)
    assert list(est.classes_) == ["a"]
    assert list(est.predict(X)) == ["a"] * 30
    proba = est.predict_proba(X)
    assert proba.shape == (30, 1)
    np.testing.assert_array_equal(proba, np.ones((30, 1)))
