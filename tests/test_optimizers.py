"""The Python optimizers (``nbnet.optimizers``): schedules, per-step rates and the state contract."""

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from nbnet import optimizers
from nbnet.kernels import updates

PARAMS = dict(learning_rate_init=0.1, learning_rate="constant", momentum=0.8,
              nesterovs_momentum=False, power_t=0.4, beta_1=0.85, beta_2=0.99, epsilon=1e-7)


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_sgd_schedules_match_sklearn(schedule):
    """The learning-rate schedules follow scikit-learn's SGDOptimizer call for call, and every
    step of an epoch gets the current rate."""
    ours = optimizers.make_optimizer("sgd", 3, np.float64, {**PARAMS, "learning_rate": schedule})
    ref = SGDOptimizer([np.zeros(3)], 0.1, schedule, 0.8, False, 0.4)
    for time_step in (10, 25, 40):
        ours.iteration_ends(time_step)
        ref.iteration_ends(time_step)
        assert ours.trigger_stopping("", False) == ref.trigger_stopping("", False)
        assert ours.learning_rate == pytest.approx(ref.learning_rate, rel=1e-15)
        np.testing.assert_array_equal(ours.learning_rates(4), [ours.learning_rate] * 4)
    np.testing.assert_array_equal(ours.hyper, [0.8, 0.0])


def test_adam_rates_are_sklearns_bias_corrected_rates_exactly():
    """Adam's per-step rates continue from ``t`` and equal scikit-learn's ``η √(1−β₂ᵗ)/(1−β₁ᵗ)``
    to the last bit; the adaptive schedule does not apply to Adam."""
    ours = optimizers.make_optimizer("adam", 3, np.float32, PARAMS)
    ref = AdamOptimizer([np.zeros(3)], 0.1, 0.85, 0.99, 1e-7)
    ours.t = ref.t = 4
    expected = []
    for _ in range(7):  # the expression of AdamOptimizer._get_updates
        ref.t += 1
        expected.append(ref.learning_rate_init * np.sqrt(1 - ref.beta_2**ref.t) /
                        (1 - ref.beta_1**ref.t))
    assert list(ours.learning_rates(7)) == expected
    assert ours.trigger_stopping("", False)


@pytest.mark.parametrize("solver", list(optimizers.OPTIMIZERS))
def test_state_is_arrays_and_scalars(solver):
    """The contract a snapshot relies on: mutable state is the ``slots`` array (one row per slot
    of the rule, in the parameters' dtype) and the scalars ``learning_rate`` and ``t``; the
    constructor takes the estimator's parameter names."""
    opt = optimizers.make_optimizer(solver, 5, np.float32, PARAMS)
    rule = updates.UPDATES[solver]
    assert opt.code == rule.code
    assert opt.slots.shape == (rule.n_slots, 5) and opt.slots.dtype == np.float32
    assert not opt.slots.any()
    assert opt.hyper.dtype == np.float64 and opt.hyper.shape == (len(rule.hyper),)
    assert (type(opt.learning_rate), type(opt.t)) == (float, int)
    for value in vars(opt).values():
        assert isinstance(value, (np.ndarray, int, float, str, type(None))), value
