"""``nbnet.initializers`` and the ``init`` parameter: scikit-learn's draws, with Glorot's, He's
or LeCun's bound."""

import numpy as np
import pytest
from sklearn import neural_network as sk_nn

import naive
from nbnet import MLPClassifier, MLPRegressor
from nbnet.initializers import INITIALIZERS, draw

X = np.random.default_rng(0).normal(size=(40, 6))
Y_REG = X[:, 0] - X[:, 1]


def _initial_theta(estimator):
    """The estimator's initial weights, flat: one epoch of plain SGD at a rate so small that
    no update changes a weight (η·g is below half an ulp of every weight)."""
    estimator.set_params(solver="sgd", momentum=0.0, learning_rate_init=1e-300, max_iter=1,
                         shuffle=False)
    with pytest.warns(Warning):  # ConvergenceWarning after one epoch
        estimator.fit(X, Y_REG)
    return naive.join(estimator.coefs_, estimator.intercepts_)


@pytest.mark.parametrize("init", list(INITIALIZERS))
def test_init_draws_scikit_learns_stream_with_its_bound(init):
    """Each layer's weights then biases, uniform in ±bound, from random_state's stream in
    scikit-learn's order: the NumPy twin's draws exactly."""
    theta = _initial_theta(MLPRegressor(hidden_layer_sizes=(7, 5), init=init, random_state=3))
    np.testing.assert_array_equal(theta, naive.initial_weights([6, 7, 5, 1], 3, init=init))


def test_glorot_is_scikit_learns_initialisation():
    """The default draws scikit-learn's initial weights bit for bit, logistic's c = 2 included."""
    for activation in ("relu", "logistic"):
        ours = _initial_theta(MLPRegressor(activation=activation, random_state=1))
        theirs = _initial_theta(sk_nn.MLPRegressor(activation=activation, random_state=1))
        np.testing.assert_array_equal(ours, theirs)


def test_glorot_factor_per_layer_follows_the_activation_it_feeds():
    """With one activation per hidden layer, layer i's c is that of hidden layer i's
    activation (2 for logistic, else 6), the output layer's that of the last hidden layer."""
    est = MLPRegressor(hidden_layer_sizes=(7, 5), activation=["logistic", "gelu"],
                       random_state=2)
    theta = _initial_theta(est)
    rng = np.random.RandomState(2)
    expected = [[], []]
    for (fan_in, fan_out), c in zip([(6, 7), (7, 5), (5, 1)], [2.0, 6.0, 6.0]):
        bound = np.sqrt(c / (fan_in + fan_out))
        expected[0].append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        expected[1].append(rng.uniform(-bound, bound, fan_out))
    np.testing.assert_array_equal(theta, naive.join(*expected))
    assert est.init == "glorot"


def test_draw_fills_in_place():
    """``draw`` writes into the given arrays (views of the flat vector in the estimators)."""
    coefs, intercepts = [np.zeros((4, 3))], [np.zeros(3)]
    draw(coefs, intercepts, "he", [6.0], np.random.RandomState(0))
    bound = np.sqrt(6 / 4)
    assert 0 < np.abs(coefs[0]).max() <= bound and 0 < np.abs(intercepts[0]).max() <= bound


def test_unknown_init_is_rejected():
    with pytest.raises(ValueError, match="The 'init' parameter of MLPClassifier must be"):
        MLPClassifier(init="xavier").fit(X, Y_REG > 0)
