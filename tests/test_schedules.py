"""Learning-rate schedules (``nbnet.schedules``) against a step-at-a-time Python twin, and as
the optimizers use them."""

import math

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import naive
from nbnet import MLPClassifier, optimizers, schedules

PARAMS = dict(max_iter=7, min_learning_rate=0.002, lr_step_size=2, lr_gamma=0.6)


@pytest.mark.parametrize("gamma, min_rate", [(0.6, 0.002), (None, 0.002), (None, 0.0)])
@pytest.mark.parametrize("warmup_epochs", [0, 3])
@pytest.mark.parametrize("schedule", list(schedules.SCHEDULES))
@pytest.mark.parametrize("t", [0, 13])
def test_rates_equal_the_formulas_step_by_step(schedule, warmup_epochs, t, gamma, min_rate):
    """Every schedule's rates of an epoch of 5 steps after ``t`` updates (past the end of
    the cosine's ``T`` too) equal the twin's, step by step, with ``lr_gamma`` given or
    derived."""
    per_epoch, n_steps = 5, 5 if t == 0 else 40
    params = dict(PARAMS, lr_gamma=gamma, min_learning_rate=min_rate)
    ours = schedules.rates(schedule, 0.1, t, n_steps, per_epoch, warmup_epochs=warmup_epochs,
                           **params)
    expected = [naive.scheduled_rate(schedule, 0.1, s, per_epoch, 7, min_rate, 2, gamma,
                                     warmup_epochs) for s in range(t, t + n_steps)]
    np.testing.assert_allclose(ours, expected, rtol=1e-14)


@pytest.mark.parametrize("min_rate, end", [(0.002, 0.002), (0.0, 0.01)])
def test_derived_factors_end_the_fit_at_the_final_rate(min_rate, end):
    """With ``lr_gamma=None``, 'exponential' reaches ``min_learning_rate`` (a tenth of the
    initial rate where it is 0) at the end of ``max_iter`` epochs, and 'step' runs its last
    epochs at it, after ⌊(7 − 1) / 2⌋ = 3 decays."""
    params = dict(PARAMS, lr_gamma=None, min_learning_rate=min_rate)
    exponential = schedules.rates("exponential", 0.1, 0, 36, 5, **params)
    assert exponential[0] == 0.1 and np.all(np.diff(exponential) < 0)
    assert exponential[35] == pytest.approx(end, rel=1e-12)  # step T = 35: the fit's end
    step = schedules.rates("step", 0.1, 0, 35, 5, **params)
    assert len(set(step)) == 4 and step[0] == 0.1
    np.testing.assert_allclose(step[30:], end, rtol=1e-12)  # the last epoch


def test_a_step_schedule_without_a_decay_in_the_fit_keeps_the_rate():
    params = dict(PARAMS, lr_gamma=None, lr_step_size=7)
    np.testing.assert_array_equal(schedules.rates("step", 0.1, 0, 50, 5, **params), 0.1)


@pytest.mark.parametrize("lr_gamma", [None, 0.5])
@pytest.mark.parametrize("size", [10**6, 2**70])
def test_a_step_longer_than_the_fit_keeps_the_rate(lr_gamma, size):
    """``lr_step_size`` may be any integer (int64 overflowed before)."""
    params = dict(PARAMS, lr_gamma=lr_gamma, lr_step_size=size)
    np.testing.assert_array_equal(schedules.rates("step", 0.1, 40, 50, 5, **params), 0.1)


def test_warmup_rises_linearly_to_the_schedule():
    rates = schedules.rates("constant", 0.5, 0, 8, 2, warmup_epochs=2)
    np.testing.assert_allclose(rates, [0.125, 0.25, 0.375, 0.5, 0.5, 0.5, 0.5, 0.5])


def test_cosine_starts_at_the_rate_and_ends_at_the_minimum():
    rates = schedules.rates("cosine", 0.1, 0, 36, 5, **PARAMS)
    assert rates[0] == 0.1 and np.all(np.diff(rates[:35]) < 0)
    assert rates[-1] == pytest.approx(0.002)  # steps from T = 35 on


def test_scikit_learns_schedules_are_the_rate_exactly():
    for schedule in ("constant", "invscaling", "adaptive"):
        rates = schedules.rates(schedule, 0.1 / 3, 4, 6, 6, **PARAMS)
        assert rates.dtype == np.float64 and list(rates) == [0.1 / 3] * 6


@pytest.mark.parametrize("solver", ["adam", "adamw"])
def test_bias_correction_multiplies_the_scheduled_rate(solver):
    """Adam's and AdamW's step sizes are the scheduled rate × √(1 − β₂ᵗ)/(1 − β₁ᵗ); AdamW's
    decoupled decay is the scheduled rate × λ, without the correction."""
    params = dict(learning_rate_init=0.1, learning_rate="cosine", warmup_epochs=1,
                  beta_1=0.8, beta_2=0.99, weight_decay=0.3, **PARAMS)
    opt = optimizers.make_optimizer(solver, 3, np.float64, params)
    opt.t = 2
    scheduled = opt.scheduled_rates(6, 4)
    correction = [math.sqrt(1 - 0.99**t) / (1 - 0.8**t) for t in range(3, 9)]
    np.testing.assert_allclose(opt.learning_rates(6, 4), scheduled * correction, rtol=1e-15)
    np.testing.assert_allclose(opt.decays(scheduled), scheduled * 0.3 if solver == "adamw"
                               else 0.0, rtol=1e-15)


@pytest.mark.parametrize("solver", list(optimizers.OPTIMIZERS))
def test_every_optimizer_follows_the_schedule(solver):
    params = dict(learning_rate_init=0.1, learning_rate="step", **PARAMS)
    opt = optimizers.make_optimizer(solver, 3, np.float64, params)
    scheduled = opt.scheduled_rates(20, 5)
    np.testing.assert_allclose(scheduled, [0.1] * 10 + [0.06] * 10, rtol=1e-15)


@pytest.fixture(scope="module")
def digits_fit():
    """``fit(**params)``: the test accuracy (%) of a 60-epoch Adam fit on digits with
    ``params``; batches of 32, so that 'constant' has about converged and a schedule that
    decays in time is not judged on a fit too short for any decay."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)

    def fit(**params):
        model = MLPClassifier(max_iter=60, batch_size=32, random_state=0, **params)
        return 100 * model.fit(X_train, y_train).score(X_test, y_test)

    fit.constant = fit()
    return fit


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("warmup_epochs", [0, 5])
@pytest.mark.parametrize("schedule", list(schedules.SCHEDULES))
def test_every_schedule_trains_at_its_defaults(digits_fit, schedule, warmup_epochs):
    """Each schedule with its parameters at their defaults, with and without warm-up, trains
    digits to within 2 accuracy points of 'constant' (97.6%; 'exponential' with
    ``lr_gamma=0.1`` per epoch reaches 28%). 'invscaling' is scikit-learn's SGD schedule,
    constant for Adam."""
    accuracy = digits_fit(learning_rate=schedule, warmup_epochs=warmup_epochs)
    assert accuracy >= digits_fit.constant - 2
