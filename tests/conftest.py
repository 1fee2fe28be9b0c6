"""Shared fixtures, tolerances and problem builders for the kernel tests.

Helpers are plain functions (``from conftest import ...``); tests/ has no ``__init__.py`` so
pytest puts this directory on ``sys.path``.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from nbnet.kernels import activations, network

HIDDEN = list(activations.ACTIVATIONS)  # ['identity', 'logistic', 'tanh', 'relu', 'leaky_relu', ...]
SKLEARN_HIDDEN = ["identity", "logistic", "tanh", "relu"]  # the ones scikit-learn's MLP has

# (output activation, number of outputs): multiclass, binary, multilabel, regression, Poisson
OUTPUT_CASES = [("softmax", 3), ("logistic", 1), ("logistic", 3), ("identity", 2), ("exp", 2)]
OUTPUT_IDS = ["softmax", "binary", "multilabel", "identity", "poisson"]

# float32 kernels are compared with float64 references computed from the same float32 inputs,
# so 1e-5 covers a few dozen float32 roundings (eps 1.2e-7); float64 compares like with like.
RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    """Every kernel test runs in both working precisions."""
    return request.param


def rtol(dtype):
    """Relative tolerance of ``dtype`` (see :data:`RTOL`)."""
    return RTOL[np.dtype(dtype)]


def assert_within(actual, desired, r, err_msg=""):
    """Same shape, and ``|actual - desired| <= r (|desired| + max|desired|)``.

    The absolute slack scales with the array's largest entry because entries produced by
    cancellation (gradient sums near 0) carry errors relative to their summands, not to themselves.
    """
    actual = np.asarray(actual, dtype=np.float64)
    desired = np.asarray(desired, dtype=np.float64)
    assert actual.shape == desired.shape, err_msg
    scale = float(np.max(np.abs(desired))) if desired.size else 0.0
    np.testing.assert_allclose(actual, desired, rtol=r, atol=r * scale, err_msg=err_msg)


def assert_close(actual, desired, dtype, factor=1.0, err_msg=""):
    """:func:`assert_within` at ``factor × rtol(dtype)``."""
    assert_within(actual, desired, factor * rtol(dtype), err_msg)


# ------------------------------------------------------------------------------- builders


def targets(rng, out, n, n_out, dtype):
    """Targets of the right kind: one-hot, 0/1 columns, reals, or counts (with zeros)."""
    if out == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    elif out == "logistic":
        Y = rng.integers(0, 2, (n, n_out)).astype(float)
    elif out in ("identity", "huber", "absolute_error", "quantile"):
        Y = rng.normal(size=(n, n_out))
    else:
        Y = rng.poisson(1.5, (n, n_out)).astype(float)
        Y[0, 0] = 0.0  # xlogy(0, .) branch
    return np.ascontiguousarray(Y, dtype=dtype)


def sample_weights(rng, n, dtype):
    """Positive, unequal sample weights."""
    return rng.uniform(0.2, 2.0, n).astype(dtype)


def inputs(rng, n, n_features, dtype, density=None):
    """Dense inputs; with ``density``, about that fraction non-zero and row 1 empty."""
    X = rng.normal(size=(n, n_features))
    if density is not None:
        X[rng.uniform(size=X.shape) > density] = 0.0
        X[1] = 0.0
    return np.ascontiguousarray(X, dtype=dtype)


def parameters(rng, layout, dtype, scale=0.6):
    """A random flat parameter vector for ``layout``."""
    return (scale * rng.normal(size=network.n_parameters(layout))).astype(dtype)


def problem(seed, dtype, units, hidden, out, n, density=None, scale=0.6):
    """A random network on a random batch: ``(rng, layout, theta, X, Y)``.

    ``units = [n_features, *hidden_units, n_outputs]``; ``hidden`` names the hidden
    activation(s) and ``out`` the output activation; ``X`` has ``n`` rows (see :func:`inputs`).
    """
    rng = np.random.default_rng(seed)
    layout = network.make_layout(units, hidden, out)
    theta = parameters(rng, layout, dtype, scale)
    X = inputs(rng, n, units[0], dtype, density)
    Y = targets(rng, out, n, units[-1], dtype)
    return rng, layout, theta, X, Y


def csr_arrays(X):
    """``(data, indices, indptr)`` of ``X`` as CSR with int32 indices, plus the matrix itself."""
    M = sp.csr_matrix(X)
    arrays = (M.data.astype(X.dtype), M.indices.astype(np.int32), M.indptr.astype(np.int32))
    return arrays, M


def no_sparse(dtype):
    """What the compiled core takes as the CSR arrays of dense input."""
    return None


def no_weights(dtype):
    """The empty sample-weight array that means unit weights."""
    return np.empty(0, dtype)


def f64(a):
    """A float64 copy, never a view (dense arrays, scipy sparse matrices or None)."""
    if a is None:
        return None
    if sp.issparse(a):
        return a.astype(np.float64, copy=True)
    return np.array(a, dtype=np.float64, copy=True)


# ------------------------------------------------------------------------- estimator state


# Attributes that calls keep for themselves, not state of the model: the rollback's buffers
# (overwritten by every training call), the parameters last validated by partial_fit and the
# layout with the activations last used (a cache, not pickled).
CALL_SCRATCH = ("_rollback", "_validated_params", "_activated_layout")


def estimator_state(est):
    """A deep copy of ``est.__dict__``: everything a failed call must leave as it was."""
    import copy

    return copy.deepcopy({k: v for k, v in est.__dict__.items() if k not in CALL_SCRATCH})


def _assert_same(before, after, path):
    if isinstance(before, np.random.RandomState):
        assert isinstance(after, np.random.RandomState), path
        _assert_same(before.get_state(), after.get_state(), path + ".get_state()")
    elif isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{path}: {type(after)}"
        assert before.shape == after.shape and before.dtype == after.dtype, path
        np.testing.assert_array_equal(after, before, err_msg=path)
    elif sp.issparse(before):
        assert sp.issparse(after) and (before != after).nnz == 0, path
    elif isinstance(before, dict):
        assert set(before) == set(after), f"{path}: keys {set(before) ^ set(after)}"
        for key in before:
            _assert_same(before[key], after[key], f"{path}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert type(before) is type(after) and len(before) == len(after), path
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_same(b, a, f"{path}[{i}]")
    elif isinstance(before, float) and before != before:
        assert isinstance(after, float) and after != after, path
    elif hasattr(before, "__dict__") and not isinstance(before, type):
        assert type(before) is type(after), path
        _assert_same(vars(before), vars(after), f"{path}.__dict__")
    else:
        assert type(before) is type(after) and before == after, f"{path}: {before!r} -> {after!r}"


def assert_state_unchanged(before, est):
    """``est.__dict__`` equals the :func:`estimator_state` ``before`` (arrays by value)."""
    after = {k: v for k, v in est.__dict__.items() if k not in CALL_SCRATCH}
    _assert_same(before, after, type(est).__name__)


# ------------------------------------------------------------------ every target type, fitted

def _target_cases():
    from sklearn.datasets import (make_classification, make_multilabel_classification,
                                  make_regression)

    X, y = make_classification(n_samples=80, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    Xm, Ym = make_multilabel_classification(n_samples=80, n_features=6, n_classes=3,
                                            random_state=0)
    Xr, Yr = make_regression(n_samples=80, n_features=6, n_targets=2, random_state=0)
    Yr = Yr / Yr.std()
    return {  # name: (classifier?, X, y, parameters)
        "binary": (True, X, y % 2, {}),
        "multiclass-int": (True, X, y * 7 - 3, {}),
        "multiclass-str": (True, X, np.array(["ant", "bee", "cat"])[y], {}),
        "multilabel": (True, Xm, Ym, {}),
        "regression": (False, Xr, Yr[:, 0], {}),
        "multi-output": (False, Xr, Yr, {}),
        "poisson": (False, Xr, np.exp(Yr[:, 0]), {"loss": "poisson"}),
    }


TARGET_CASES = _target_cases()


def fitted_case(case, dtype, library=None, **params):
    """``(estimator, X, y)``: nbnet's (or ``library``'s, e.g. ``sklearn.neural_network``) MLP
    of ``TARGET_CASES[case]`` fitted briefly on its standardised X in ``dtype``."""
    import nbnet

    classifier, X, y, case_params = TARGET_CASES[case]
    estimator_class = getattr(library or nbnet, "MLPClassifier" if classifier else "MLPRegressor")
    X = (X / X.std(axis=0)).astype(dtype)
    params = {"hidden_layer_sizes": (7, 5), "activation": "tanh", "max_iter": 20,
              "random_state": 0, **case_params, **params}
    return estimator_class(**params).fit(X, y), X, y
