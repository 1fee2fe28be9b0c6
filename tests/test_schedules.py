"""Learning-rate schedules (``nbnet.schedules``) against a step-at-a-time Python twin, and as
the optimizers use them."""

import math

import numpy as np
import pytest

import naive
from nbnet import optimizers, schedules

PARAMS = dict(max_iter=7, min_learning_rate=0.002, lr_step_size=2, lr_gamma=0.6)


@pytest.mark.parametrize("warmup_epochs", [0, 3])
@pytest.mark.parametrize("schedule", list(schedules.SCHEDULES))
@pytest.mark.parametrize("t", [0, 13])
def test_rates_equal_the_formulas_step_by_step(schedule, warmup_epochs, t):
    """Every schedule's rates of an epoch of 5 steps after ``t`` updates (past the end of
    the cosine's ``T`` too) equal the twin's, step by step."""
    per_epoch, n_steps = 5, 5 if t == 0 else 40
    ours = schedules.rates(schedule, 0.1, t, n_steps, per_epoch, warmup_epochs=warmup_epochs,
                           **PARAMS)
    expected = [naive.scheduled_rate(schedule, 0.1, s, per_epoch, 7, 0.002, 2, 0.6,
                                     warmup_epochs) for s in range(t, t + n_steps)]
    np.testing.assert_allclose(ours, expected, rtol=1e-14)


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
