"""Many epochs a compiled call (:class:`nbnet.kernels.epochs.Run`): the same fit, bit for bit,
as one epoch a call, and scikit-learn's stopping rule in compiled code."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from conftest import assert_state_unchanged, estimator_state
from nbnet import MLPClassifier, MLPRegressor, fitting, optimizers
from nbnet.kernels import epochs
from nbnet.kernels.network import make_layout
from nbnet.kernels.shuffling import NO_SHUFFLE

CASES = {
    "adam": dict(),
    "sgd-adaptive-stalls": dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.3,
                                tol=1e-2, n_iter_no_change=2),
    "adamw-cosine-warmup-dropout": dict(solver="adamw", learning_rate="cosine", warmup_epochs=3,
                                        dropout=0.3),
    "rmsprop-step-clipped": dict(solver="rmsprop", learning_rate="step", lr_step_size=4,
                                 clip_grad_norm=0.5),
    "no-shuffle-stops-early": dict(shuffle=False, tol=0.05, n_iter_no_change=3),
    "sgd-invscaling": dict(solver="sgd", learning_rate="invscaling"),
}


def _data(rng):
    X = rng.normal(size=(150, 6))
    y = X @ rng.normal(size=6) + 0.1 * rng.normal(size=150)
    return X, y


def _fit(est, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **fit_params)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_many_epochs_a_call_fit_as_one_epoch_a_call(estimator, case, monkeypatch):
    """Weights, curves, counters, optimizer state and the RandomState's state after the fit
    are the same bit for bit; and the default fit did run several epochs a call (SGD's
    'invscaling' excepted: it changes the rate after every epoch)."""
    X, y = _data(np.random.default_rng(0))
    y = y if estimator is MLPRegressor else np.digitize(y, [-1.0, 1.0])
    weights = np.random.default_rng(1).uniform(0.5, 2.0, y.shape[0])
    params = dict(hidden_layer_sizes=(9, 5), batch_size=32, max_iter=30, random_state=0,
                  **CASES[case])
    calls = []
    epochs_call = optimizers.stochastic_epochs

    def counted(*args):
        calls.append(args[8].epochs)
        return epochs_call(*args)

    monkeypatch.setattr(optimizers, "stochastic_epochs", counted)
    many = _fit(estimator(**params), X, y, sample_weight=weights)
    assert len(calls) < many.n_iter_ or case == "sgd-invscaling"
    monkeypatch.setattr(fitting, "epochs_per_call", lambda *args: 1)
    one = _fit(estimator(**params), X, y, sample_weight=weights)
    assert_state_unchanged(estimator_state(many), one)


def test_a_run_stops_at_max_iter_and_warns_once():
    X, y = _data(np.random.default_rng(2))
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(7\\)") as caught:
        est = MLPRegressor(hidden_layer_sizes=(5,), max_iter=7, tol=0.0, random_state=0).fit(X, y)
    assert est.n_iter_ == 7 == len(est.loss_curve_)
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 1


def test_epochs_per_call_follows_the_work_of_an_epoch():
    """iris-sized fits run hundreds of epochs a call, MNIST-sized ones one."""
    small = make_layout([4, 100, 3], ["relu"], "softmax")
    large = make_layout([784, 512, 512, 10], ["relu", "relu"], "softmax")
    assert epochs.epochs_per_call(small, 150) > 100
    assert epochs.epochs_per_call(large, 60_000) == 1


@pytest.mark.parametrize("never", [np.inf, 2**70])
def test_a_patience_past_any_count_never_stops_the_fit(never):
    """``n_iter_no_change`` may be np.inf or any integer, as scikit-learn's: such a fit runs
    every epoch, as one whose patience exceeds its epochs does (int64 overflowed before)."""
    X = np.random.default_rng(0).standard_normal((40, 5))
    y = X[:, 0] > 0

    def fit(patience):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPClassifier(hidden_layer_sizes=(4,), max_iter=6, tol=1e3,
                                 n_iter_no_change=patience, random_state=0).fit(X, y)

    found, expected = fit(never), fit(7)
    assert found.n_iter_ == expected.n_iter_ == 6
    for ours, theirs in zip(found.coefs_, expected.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def _sklearn_rule(losses, tol, patience):
    """scikit-learn's own ``_update_no_improvement_count`` (training loss) on ``losses``:
    the counter and best loss after each, and where its fit would stop."""
    sk = SkMLPRegressor(tol=tol, n_iter_no_change=patience)
    sk.loss_curve_, sk.best_loss_, sk._no_improvement_count = [], np.inf, 0
    for epoch, loss in enumerate(losses, start=1):
        sk.loss_curve_.append(loss)
        sk._update_no_improvement_count(False, None, None, None)
        if sk._no_improvement_count > patience:
            return epoch, sk.best_loss_, sk._no_improvement_count
    return len(losses), sk.best_loss_, sk._no_improvement_count


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_stopping_rule_is_scikit_learns(seed):
    """``_stalls`` (the compiled rule, fed an epoch's loss sum over ``rows`` rows) against
    scikit-learn's method fed the mean loss, as a fit's ``loss_curve_`` holds it, on
    sequences with plateaus, steps of exactly ``tol`` and rises."""
    rng = np.random.default_rng(seed)
    tol, patience, rows = 1e-3, 3, 7
    sums = (np.cumsum(rng.choice([-2e-3, -1e-3, 0.0, 1e-3], size=40)) + 1.0) * rows
    run = epochs.Run(len(sums), NO_SHUFFLE, tol, patience, np.array([np.inf, 0.0]),
                     np.empty(len(sums)))
    for epoch, loss_sum in enumerate(sums, start=1):
        if epochs._stalls(run, loss_sum, rows):
            break
    assert (epoch, run.progress[0], run.progress[1]) == _sklearn_rule(
        [loss_sum / rows for loss_sum in sums.tolist()], tol, patience)


def test_a_warm_start_after_early_stopping_starts_the_training_loss_rule_afresh():
    """Early stopping leaves no best training loss (None, as scikit-learn); a warm-started
    fit without it counts from the first epoch's loss (scikit-learn raises a TypeError)."""
    X, y = _data(np.random.default_rng(3))
    est = _fit(MLPRegressor(hidden_layer_sizes=(5,), early_stopping=True, warm_start=True,
                            max_iter=5, random_state=0), X, y)
    assert est.best_loss_ is None
    est.set_params(early_stopping=False)
    _fit(est, X, y)
    assert est.best_loss_ == min(est.loss_curve_[-5:])
