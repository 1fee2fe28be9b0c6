"""Same seed, same model: nbnet's estimators reproduce scikit-learn's fitted attributes.

Every test fits ``nbnet.MLP*`` and ``sklearn.neural_network.MLP*`` with identical
parameters (``random_state=0``, a few iterations) and compares ``coefs_``,
``intercepts_``, ``loss_``, ``loss_curve_``, ``n_iter_``, ``t_``, the early-stopping
attributes, the predictions and the warnings both emit. float64 results agree to
:data:`RTOL`; the few exceptions say why where they are made.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import neural_network as sk_nn

from conftest import assert_within
import nbnet

# Five epochs of a few mini-batches: round-off of different but equivalent summation orders
# (BLAS kernels, fused loops) stays around 1e-14, far below this.
RTOL = 1e-8
MAX_ITER = 5
N_SAMPLES = 90  # batch_size=32: batches of 32, 32, 26 (early stopping: 72 rows → 32, 32, 8)
BATCH_SIZE = 32

ESTIMATORS = {"classifier": (nbnet.MLPClassifier, sk_nn.MLPClassifier),
              "regressor": (nbnet.MLPRegressor, sk_nn.MLPRegressor)}
TARGETS = {"classifier": ["binary", "multiclass-str", "multilabel"],
           "regressor": ["single", "multi-output", "poisson"]}

# Solver settings; 'sgd-adaptive' and 'adam-stops' set tol out of reach so that the
# no-improvement counter fires: the adaptive rate is divided by 5 after epochs 3 and 5, and
# 'adam-stops' stops after epoch 3 (with early stopping: restores the best epoch).
SOLVERS = {
    "sgd-nesterov": dict(solver="sgd", learning_rate_init=0.05, momentum=0.9,
                         nesterovs_momentum=True),
    "sgd-momentum-invscaling": dict(solver="sgd", learning_rate_init=0.2, momentum=0.5,
                                    nesterovs_momentum=False, learning_rate="invscaling",
                                    power_t=0.3),
    "sgd-adaptive": dict(solver="sgd", learning_rate_init=0.05, learning_rate="adaptive",
                         n_iter_no_change=1, tol=1e3),
    "adam": dict(solver="adam", learning_rate_init=0.01),
    "adam-stops": dict(solver="adam", learning_rate_init=0.01, n_iter_no_change=1, tol=1e3),
    "lbfgs": dict(solver="lbfgs"),
}
STOCHASTIC = [name for name in SOLVERS if name != "lbfgs"]

MULTICLASS_AND_SINGLE = [("classifier", "multiclass-str"), ("regressor", "single")]
MULTICLASS_AND_MULTI_OUTPUT = [("classifier", "multiclass-str"), ("regressor", "multi-output")]
MULTILABEL_AND_MULTI_OUTPUT = [("classifier", "multilabel"), ("regressor", "multi-output")]


def make_data(target, n=N_SAMPLES, n_features=5, seed=0):
    """``(X, y)`` of a small, learnable problem of the given target kind."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    noise = 0.5 * rng.normal(size=(n, 3))
    if target == "binary":
        y = (X[:, 0] + 0.5 * X[:, 1] + noise[:, 0] > 0).astype(int)
    elif target == "multiclass-str":
        y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3] + noise, axis=1)]
    elif target == "multilabel":
        y = (X[:, :3] + noise > 0).astype(int)
    elif target == "single":
        y = X @ np.linspace(-1, 1, n_features) + noise[:, 0]
    elif target == "multi-output":
        y = np.c_[X @ np.linspace(-1, 1, n_features), np.sin(X[:, 0])] + noise[:, :2]
    elif target == "poisson":
        y = rng.poisson(np.exp(0.3 * X[:, 0] + 0.2 * X[:, 1])).astype(float)
    else:
        raise ValueError(target)
    return X, y


def sample_weight(n, seed=1):
    """Positive, unequal sample weights."""
    return np.random.RandomState(seed).uniform(0.2, 2.0, n)


def params(kind, target, solver, **extra):
    """Constructor parameters shared by the nbnet and scikit-learn models of a test."""
    p = dict(hidden_layer_sizes=(6, 4), random_state=0, max_iter=MAX_ITER,
             batch_size=BATCH_SIZE, alpha=1e-3, validation_fraction=0.2, **SOLVERS[solver])
    if target == "poisson":
        p["loss"] = "poisson"
    p.update(extra)
    return p


def call_recording_warnings(method, *args, **kwargs):
    """Call ``method``; return the ``(category, message)`` of each warning it emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        method(*args, **kwargs)
    return [(w.category, str(w.message)) for w in caught]


def fit_both(kind, params_, X, y, **fit_kwargs):
    """Fit the nbnet and the scikit-learn model; both must emit the same warnings."""
    nb_cls, sk_cls = ESTIMATORS[kind]
    nb, sk = nb_cls(**params_), sk_cls(**params_)
    nb_warnings = call_recording_warnings(nb.fit, X, y, **fit_kwargs)
    sk_warnings = call_recording_warnings(sk.fit, X, y, **fit_kwargs)
    assert nb_warnings == sk_warnings
    return nb, sk


def assert_same_model(nb, sk, X, rtol=RTOL):
    """Every fitted attribute of ``sk`` that nbnet shares, and the predictions, agree."""
    assert nb.n_iter_ == sk.n_iter_
    assert nb.t_ == sk.t_
    assert nb.n_layers_ == sk.n_layers_ and nb.n_outputs_ == sk.n_outputs_
    assert nb.out_activation_ == sk.out_activation_
    assert nb.n_features_in_ == sk.n_features_in_
    assert len(nb.coefs_) == len(sk.coefs_) and len(nb.intercepts_) == len(sk.intercepts_)
    for i, (a, b) in enumerate(zip(nb.coefs_, sk.coefs_)):
        assert a.dtype == b.dtype
        assert_within(a, b, rtol, f"coefs_[{i}]")
    for i, (a, b) in enumerate(zip(nb.intercepts_, sk.intercepts_)):
        assert_within(a, b, rtol, f"intercepts_[{i}]")
    assert_within(nb.loss_, sk.loss_, rtol, "loss_")
    for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
        expected = getattr(sk, name, None)
        if expected is None:
            assert getattr(nb, name, None) is None, name
        else:
            assert_within(getattr(nb, name), expected, rtol, name)
    if hasattr(sk, "classes_"):
        np.testing.assert_array_equal(nb.classes_, sk.classes_)
        assert_within(nb.predict_proba(X), sk.predict_proba(X), rtol, "predict_proba")
        np.testing.assert_array_equal(nb.predict(X), sk.predict(X))
    else:
        assert_within(nb.predict(X), sk.predict(X), rtol, "predict")


def kind_target_cases():
    return [(kind, target) for kind in ESTIMATORS for target in TARGETS[kind]]


# ------------------------------------------------------------------------------ fit


@pytest.mark.parametrize("shuffle", [True, False], ids=["shuffle", "no-shuffle"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("early_stopping", [False, True], ids=["no-es", "es"])
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("kind, target", kind_target_cases())
def test_stochastic_fit_matches_sklearn(kind, target, solver, early_stopping, weighted, shuffle):
    """SGD/Adam: 5 epochs with a partial last batch give scikit-learn's model."""
    X, y = make_data(target)
    p = params(kind, target, solver, early_stopping=early_stopping, shuffle=shuffle)
    sw = sample_weight(len(X)) if weighted else None
    nb, sk = fit_both(kind, p, X, y, sample_weight=sw)
    assert_same_model(nb, sk, X)
    # the configurations do exercise what they are named after
    if solver == "sgd-adaptive":
        assert sk._optimizer.learning_rate < p["learning_rate_init"]
    if solver == "adam-stops":
        assert sk.n_iter_ < MAX_ITER


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("kind, target", kind_target_cases())
def test_lbfgs_fit_matches_sklearn(kind, target, weighted):
    """L-BFGS: 5 iterations give scikit-learn's model (same loss, gradient, line search)."""
    X, y = make_data(target)
    sw = sample_weight(len(X)) if weighted else None
    nb, sk = fit_both(kind, params(kind, target, "lbfgs"), X, y, sample_weight=sw)
    assert nb.n_iter_ == MAX_ITER
    assert_same_model(nb, sk, X)


@pytest.mark.parametrize("batch_size", [1, 7, "auto", 500])
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam"])
@pytest.mark.parametrize("kind, target", MULTICLASS_AND_SINGLE)
def test_batch_sizes_match_sklearn(kind, target, solver, batch_size):
    """Single-row batches, a ragged split, 'auto', and a size clipped with a warning."""
    X, y = make_data(target, n=40)
    nb, sk = fit_both(kind, params(kind, target, solver, batch_size=batch_size, max_iter=3), X, y)
    assert_same_model(nb, sk, X)


@pytest.mark.parametrize("hidden_layer_sizes", [(), 5, (5, 4, 3)], ids=["none", "int", "three"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("kind, target", MULTICLASS_AND_MULTI_OUTPUT)
def test_architectures_match_sklearn(kind, target, solver, activation, hidden_layer_sizes):
    """Every hidden activation, with no, one and three hidden layers."""
    X, y = make_data(target, n=50)
    p = params(kind, target, solver, activation=activation, hidden_layer_sizes=hidden_layer_sizes)
    nb, sk = fit_both(kind, p, X, y)
    assert_same_model(nb, sk, X)


# ----------------------------------------------------------------- partial_fit, warm_start


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("solver", ["sgd-nesterov", "sgd-momentum-invscaling", "adam"])
@pytest.mark.parametrize("kind, target", kind_target_cases())
def test_partial_fit_sequence_matches_sklearn(kind, target, solver, weighted):
    """Three partial_fit calls on different chunks; the model agrees after each call."""
    X, y = make_data(target)
    if target == "multiclass-str":  # the middle chunk lacks a class
        order = np.argsort(y == "cat", kind="stable")
        X, y = X[order], y[order]
    sw = sample_weight(len(X)) if weighted else None
    nb_cls, sk_cls = ESTIMATORS[kind]
    p = params(kind, target, solver, batch_size=8)
    nb, sk = nb_cls(**p), sk_cls(**p)
    for i, chunk in enumerate(np.array_split(np.arange(len(X)), 3)):
        kwargs = {} if sw is None else {"sample_weight": sw[chunk]}
        if kind == "classifier" and i == 0:  # multilabel: any non-None value will do
            kwargs["classes"] = np.arange(3) if target == "multilabel" else np.unique(y)
        assert (call_recording_warnings(nb.partial_fit, X[chunk], y[chunk], **kwargs)
                == call_recording_warnings(sk.partial_fit, X[chunk], y[chunk], **kwargs))
        assert_same_model(nb, sk, X)
    assert nb.t_ == len(X)


@pytest.mark.parametrize("solver, early_stopping", [
    ("sgd-nesterov", False), ("sgd-nesterov", True), ("adam", False), ("adam", True),
    ("lbfgs", False)], ids=["sgd", "sgd-es", "adam", "adam-es", "lbfgs"])
@pytest.mark.parametrize("kind, target", MULTICLASS_AND_SINGLE)
def test_warm_start_matches_sklearn(kind, target, solver, early_stopping):
    """fit, then fit again on other rows with warm_start=True, continues as scikit-learn does."""
    X, y = make_data(target)
    nb_cls, sk_cls = ESTIMATORS[kind]
    p = params(kind, target, solver, warm_start=True, early_stopping=early_stopping)
    nb, sk = nb_cls(**p), sk_cls(**p)
    first_fit = None
    for rows, max_iter in ((slice(0, 70), 3), (slice(20, 90), 4)):
        nb.set_params(max_iter=max_iter)
        sk.set_params(max_iter=max_iter)
        assert (call_recording_warnings(nb.fit, X[rows], y[rows])
                == call_recording_warnings(sk.fit, X[rows], y[rows]))
        if first_fit is None:
            assert_same_model(nb, sk, X)
            first_fit = [c.copy() for c in nb.coefs_ + nb.intercepts_]
    if early_stopping and max(sk.validation_scores_[3:]) <= max(sk.validation_scores_[:3]):
        # The second fit never beat the first fit's best validation score. scikit-learn
        # then returns the second fit's last weights, because after the first fit its
        # _best_coefs are the very arrays that training updates in place (aliasing);
        # nbnet restores the first fit's best weights, as early stopping promises.
        for a, b in zip(nb.coefs_ + nb.intercepts_, first_fit):
            np.testing.assert_array_equal(a, b)
        assert nb.n_iter_ == sk.n_iter_ and nb.t_ == sk.t_
        assert_within(nb.loss_curve_, sk.loss_curve_, RTOL)
        assert_within(nb.validation_scores_, sk.validation_scores_, RTOL)
        assert_within(nb.best_validation_score_, sk.best_validation_score_, RTOL)
    else:
        assert_same_model(nb, sk, X)


# ---------------------------------------------------------------------------- input types


def sparse_data(target):
    """``make_data`` with about half the entries zeroed and one all-zero row."""
    X, y = make_data(target)
    X[np.random.RandomState(2).uniform(size=X.shape) < 0.5] = 0.0
    X[3] = 0.0
    return X, y


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
@pytest.mark.parametrize("kind, target", MULTICLASS_AND_MULTI_OUTPUT)
def test_sparse_input_matches_dense(kind, target, solver, fmt):
    """CSR/CSC input gives the dense model (and scikit-learn's) and the same predictions.

    The sparse kernels sum rows in CSR order instead of BLAS order: still within RTOL.
    """
    X, y = sparse_data(target)
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    Xs_copy = Xs.copy()
    p = params(kind, target, solver, early_stopping=solver != "lbfgs")
    nb_cls, _ = ESTIMATORS[kind]
    dense = nb_cls(**p)
    call_recording_warnings(dense.fit, X, y)
    nb, sk = fit_both(kind, p, Xs, y)
    assert_same_model(nb, dense, X)
    assert_same_model(nb, sk, Xs)
    assert_within(nb.predict(Xs) if kind == "regressor" else nb.predict_proba(Xs),
                  dense.predict(X) if kind == "regressor" else dense.predict_proba(X), RTOL)
    # the input is left untouched
    assert (Xs != Xs_copy).nnz == 0 and Xs.format == fmt


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("kind, target", MULTILABEL_AND_MULTI_OUTPUT)
def test_predict_in_chunks_matches_sklearn(kind, target, fmt):
    """Prediction over more rows than one compiled chunk (4096) gives scikit-learn's outputs."""
    X, y = make_data(target, n=60)
    nb, sk = fit_both(kind, params(kind, target, "adam"), X, y)
    X_big = np.random.RandomState(3).normal(size=(9001, X.shape[1]))
    X_big[np.abs(X_big) < 0.5] = 0.0
    if fmt == "csr":
        X_big = sp.csr_matrix(X_big)
    if kind == "classifier":
        assert_within(nb.predict_proba(X_big), sk.predict_proba(X_big), RTOL)
        np.testing.assert_array_equal(nb.predict(X_big), sk.predict(X_big))
    else:
        assert_within(nb.predict(X_big), sk.predict(X_big), RTOL)


@pytest.mark.parametrize("kind, target", kind_target_cases())
def test_one_row_predictions_match_sklearn(kind, target):
    """Single rows (GEMV products, the fast input check, the multiclass label shortcut) give
    scikit-learn's outputs, and the ones of a whole-batch prediction."""
    X, y = make_data(target)
    nb, sk = fit_both(kind, params(kind, target, "adam"), X, y)
    methods = ["predict", "predict_proba"] if kind == "classifier" else ["predict"]
    for method in methods:
        rows = np.concatenate([getattr(nb, method)(X[i : i + 1]) for i in range(5)])
        expected = getattr(sk, method)(X[:5])
        if method == "predict" and kind == "classifier":
            np.testing.assert_array_equal(rows, expected)
            np.testing.assert_array_equal(rows, nb.predict(X[:5]))
        else:
            assert_within(rows, expected, RTOL)


# float32 runs in float32 end to end: ~1e-7 round-off per operation, amplified by a few
# training steps; 1e-3 relative to the largest entry is loose but catches a wrong model.
F32_RTOL = 1e-3


@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
@pytest.mark.parametrize("kind, target", kind_target_cases())
def test_float32_input_stays_float32(kind, target, solver):
    """float32 input trains a float32 model, whose outputs are float32 and near float64's."""
    X, y = make_data(target)
    nb_cls, sk_cls = ESTIMATORS[kind]
    p = params(kind, target, solver)
    m32, m64 = nb_cls(**p), nb_cls(**p)
    call_recording_warnings(m32.fit, X.astype(np.float32), y)
    call_recording_warnings(m64.fit, X, y)
    for a32, a64 in zip(m32.coefs_ + m32.intercepts_, m64.coefs_ + m64.intercepts_):
        assert a32.dtype == np.float32
        assert_within(a32, a64, F32_RTOL)
    assert np.isfinite(m32.loss_)
    assert_within(m32.loss_, m64.loss_, F32_RTOL)
    X32 = X.astype(np.float32)
    if kind == "classifier":
        proba = m32.predict_proba(X32)
        assert proba.dtype == np.float32
        assert m32.predict_log_proba(X32).dtype == np.float32
        assert_within(proba, m64.predict_proba(X), F32_RTOL)
    else:
        pred = m32.predict(X32)
        assert pred.dtype == np.float32
        assert_within(pred, m64.predict(X), F32_RTOL)
    if solver != "lbfgs":  # scikit-learn keeps float32 for sgd/adam too (not for lbfgs)
        sk = sk_cls(**p)
        call_recording_warnings(sk.fit, X32, y)
        for a, b in zip(m32.coefs_, sk.coefs_):
            assert b.dtype == np.float32
            assert_within(a, b, F32_RTOL)


def test_float32_sparse_stays_float32():
    """float32 CSR input keeps float32 too, and matches float32 dense input."""
    X, y = sparse_data("multiclass-str")
    X32 = X.astype(np.float32)
    p = params("classifier", "multiclass-str", "adam")
    sparse = nbnet.MLPClassifier(**p)
    dense = nbnet.MLPClassifier(**p)
    call_recording_warnings(sparse.fit, sp.csr_matrix(X32), y)
    call_recording_warnings(dense.fit, X32, y)
    for a, b in zip(sparse.coefs_, dense.coefs_):
        assert a.dtype == np.float32
        assert_within(a, b, 1e-5)  # float32 round-off of two summation orders
    assert sparse.predict_proba(sp.csr_matrix(X32)).dtype == np.float32
