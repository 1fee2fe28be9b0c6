"""nbnet against scikit-learn 1.9's MLP itself, through the estimators' public results only.

Gradients are read off one SGD step: with ``momentum=0`` and one batch of all ``n`` rows,
``partial_fit`` sets ``new = old − lr·grad``. The learning rate is 2**20, not 1 or smaller:
``lr·grad`` is then exact (power of two) and dominates ``new``, so ``(old − new)/lr`` carries
only ~2 ulps of ``grad`` plus ``ulp(old)/lr`` ≈ 1e-22, whereas with ``lr = 1`` the subtraction
would cancel ``old`` and cost up to ``|old|/|grad|`` ulps. ``loss_`` is the penalised batch loss.
"""


import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier, MLPRegressor

from conftest import SKLEARN_HIDDEN, assert_within, no_sparse, no_weights, sample_weights
from nbnet import optimizers
from nbnet.kernels import epochs, network

N, N_FEATURES, HIDDEN_UNITS = 8, 4, (5, 3)
LR = 2.0**20
RTOL = 1e-10
# task: (estimator class, extra parameters, output activation, n_outputs)
TASKS = {
    "multiclass": (MLPClassifier, {}, "softmax", 3),
    "binary": (MLPClassifier, {}, "logistic", 1),
    "multilabel": (MLPClassifier, {}, "logistic", 3),
    "squared_error": (MLPRegressor, {"loss": "squared_error"}, "identity", 2),
    "poisson": (MLPRegressor, {"loss": "poisson"}, "exp", 2),
}


def _task_data(task, seed):
    """Inputs, the y scikit-learn is given, and the target matrix Y it trains against."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, N_FEATURES))
    if task == "multiclass":
        y = rng.permutation(np.arange(N) % 3)
        Y = np.eye(3)[y]
    elif task == "binary":
        y = rng.permutation(np.arange(N) % 2)
        Y = y[:, None].astype(float)
    elif task == "multilabel":
        y = rng.integers(0, 2, (N, 3))
        y[0], y[1] = 0, 1  # every label both on and off somewhere
        Y = y.astype(float)
    elif task == "squared_error":
        y = Y = rng.normal(size=(N, 2))
    else:
        y = Y = rng.poisson(1.5, (N, 2)).astype(float)
    return rng, X, y, np.ascontiguousarray(Y)


def _estimator(task, hidden, alpha, **params):
    cls, extra, _, _ = TASKS[task]
    defaults = dict(hidden_layer_sizes=HIDDEN_UNITS, activation=hidden, alpha=alpha,
                    batch_size=N, max_iter=1, shuffle=False, random_state=0)
    return cls(**{**defaults, **extra, **params})


def _fit_kwargs(task):
    if TASKS[task][0] is not MLPClassifier:
        return {}
    return {"classes": np.arange(2 if task == "binary" else 3)}


def _set_parameters(est, theta, layout):
    coefs, intercepts = network.unpack(theta, layout)
    est.coefs_ = [c.copy() for c in coefs]
    est.intercepts_ = [b.copy() for b in intercepts]


@pytest.mark.parametrize("alpha", [0.0, 0.4])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("hidden", SKLEARN_HIDDEN)
def test_loss_and_gradient_match_sklearn(hidden, task, weighted, alpha):
    """Same weights, same batch: nbnet's penalised loss and every weight and bias gradient equal
    scikit-learn's ``loss_`` and the gradient behind its SGD step, to 1e-10 (float64)."""
    rng, X, y, Y = _task_data(task, seed=list(TASKS).index(task))
    _, _, out, n_out = TASKS[task]
    layout = network.make_layout([N_FEATURES, *HIDDEN_UNITS, n_out], hidden, out)
    theta = 0.5 * rng.normal(size=network.n_parameters(layout))
    sw = sample_weights(rng, N, np.float64) if weighted else None

    est = _estimator(task, hidden, alpha, solver="sgd", momentum=0.0, learning_rate_init=LR)
    est.partial_fit(X, y, **_fit_kwargs(task))  # creates the model; its weights are replaced
    _set_parameters(est, theta, layout)
    old = [p.copy() for p in est.coefs_ + est.intercepts_]
    est.partial_fit(X, y, sample_weight=sw)
    sk_grads = [(a - b) / LR for a, b in zip(old, est.coefs_ + est.intercepts_)]

    work = epochs.make_workspace(layout, N, np.float64, weighted=weighted)
    work.gradient[:] = np.nan
    data = epochs.make_data(X, no_sparse(np.float64), Y,
                            no_weights(np.float64) if sw is None else sw)
    value = epochs.loss_and_gradient(network.Model(theta, layout), data, alpha, work,
                                     np.arange(N))
    assert_within(value, est.loss_, RTOL)
    coefs, intercepts = network.unpack(work.gradient, layout)
    for i, (ours, ref) in enumerate(zip(coefs + intercepts, sk_grads)):
        assert ours.shape == ref.shape
        assert_within(ours, ref, RTOL, f"parameter block {i}")


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("hidden", ["logistic", "relu"])
def test_predict_matches_sklearn(hidden, task):
    """``network.predict`` gives scikit-learn's ``predict_proba`` (classifiers) or ``predict``
    (regressors) for the same weights."""
    rng, X, y, Y = _task_data(task, seed=1)
    _, _, out, n_out = TASKS[task]
    layout = network.make_layout([N_FEATURES, *HIDDEN_UNITS, n_out], hidden, out)
    theta = 0.5 * rng.normal(size=network.n_parameters(layout))
    est = _estimator(task, hidden, 0.0, solver="sgd")
    est.partial_fit(X, y, **_fit_kwargs(task))
    _set_parameters(est, theta, layout)
    result = np.empty((N, n_out))
    network.predict_outputs(network.Model(theta, layout), X, no_sparse(np.float64), result,
                            np.empty(network.workspace_size(layout, 3)))
    if TASKS[task][0] is MLPClassifier:
        ref = est.predict_proba(X)
        if task == "binary":  # predict_proba returns [1 - p, p]
            ref = ref[:, 1:]
    else:
        ref = est.predict(X).reshape(N, n_out)
    assert_within(result, ref, 1e-13)


SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False, learning_rate_init=0.1),
    "nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.1),
    "adam": dict(solver="adam", learning_rate_init=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("task", list(TASKS))
def test_train_epoch_matches_sklearn_fit(task, solver, weighted):
    """One epoch of ``Optimizer.epochs`` (batches of 3 over 8 rows, identity permutation, fresh
    optimizer) ends at scikit-learn's weights after ``fit(max_iter=1, shuffle=False)`` from the
    same start (``warm_start``), with the same ``loss_`` (= loss_sum / n)."""
    rng, X, y, Y = _task_data(task, seed=2)
    _, _, out, n_out = TASKS[task]
    layout = network.make_layout([N_FEATURES, *HIDDEN_UNITS, n_out], "tanh", out)
    theta = 0.5 * rng.normal(size=network.n_parameters(layout))
    sw = sample_weights(rng, N, np.float64) if weighted else None
    batch, alpha, params = 3, 0.2, SOLVERS[solver]

    est = _estimator(task, "tanh", alpha, batch_size=batch, warm_start=True, **params)
    est.fit(X, y)  # creates the model; its weights are replaced
    _set_parameters(est, theta, layout)
    est.fit(X, y, sample_weight=sw)  # warm start: our weights, a fresh optimizer

    opt = optimizers.make_optimizer(params["solver"], theta.size, np.float64, est.get_params())
    work = epochs.make_workspace(layout, batch, np.float64, weighted=weighted)
    data = epochs.make_data(X, no_sparse(np.float64), Y,
                            no_weights(np.float64) if sw is None else sw)
    loss_sum = opt.epochs(network.Model(theta, layout), data, np.arange(N, dtype=np.int64),
                          batch, alpha, work)[0][0]
    assert opt.t == 3
    assert_within(loss_sum / N, est.loss_, RTOL)
    coefs, intercepts = network.unpack(theta, layout)
    for ours, ref in zip(coefs + intercepts, est.coefs_ + est.intercepts_):
        assert_within(ours, ref, RTOL)
