"""nbnet.onnx: skl2onnx converts nbnet's models (and pipelines holding them), for every target
type, activation and precision; onnxruntime's predictions match nbnet's to round-off."""

import math
import subprocess
import sys

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import TARGET_CASES, assert_close, fitted_case
from nbnet import MLPClassifier, MLPRegressor, SingleClassWarning
from nbnet.kernels.activations import ACTIVATIONS

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
nbnet_onnx = pytest.importorskip("nbnet.onnx")

DTYPES = [np.float32, np.float64]


@pytest.fixture(scope="module", autouse=True)
def registered():
    nbnet_onnx.register()


def _run(model, X, **options):
    """The ONNX graph of ``model`` (converted for ``X``'s dtype) run by onnxruntime on ``X``."""
    onx = skl2onnx.to_onnx(model, X[:1], options=options)
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: X})
    return dict(zip((output.name for output in session.get_outputs()), outputs))


def _assert_matches(model, X, dtype):
    """Labels equal, probabilities (values) equal to round-off; no ZipMap (float-only)."""
    found = _run(model, X, **({"zipmap": False} if hasattr(model, "predict_proba") else {}))
    if hasattr(model, "predict_proba"):
        assert found["probabilities"].dtype == dtype
        assert_close(found["probabilities"], model.predict_proba(X), dtype)
        np.testing.assert_array_equal(found["label"], model.predict(X))
    else:
        (values,) = found.values()
        assert values.dtype == dtype
        assert_close(values, model.predict(X).reshape(len(X), -1), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", list(TARGET_CASES))
def test_every_target_type(case, dtype):
    model, X, _ = fitted_case(case, dtype, activation="relu")
    _assert_matches(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("case", ["multiclass-str", "multi-output"])
def test_every_activation(activation, case, dtype):
    model, X, _ = fitted_case(case, dtype, activation=activation)
    _assert_matches(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_activation_per_layer(dtype):
    model, X, _ = fitted_case("binary", dtype, hidden_layer_sizes=(6, 5, 4))
    model.activation = ["tanh", "relu", "logistic"]  # nbnet's predict takes one per layer
    _assert_matches(model, X, dtype)


# The activations nbnet is getting, by their definitions, for a graph built from a model
# whose activation names them (nbnet's own predict may not know them yet).
REFERENCES = {
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))),
    "silu": lambda z: z / (1 + np.exp(-z)),
    "softplus": lambda z: np.logaddexp(0, z),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(REFERENCES))
def test_activation_formulas(activation, dtype):
    model, X, _ = fitted_case("multi-output", dtype, activation="identity")
    X = 6 * X  # pre-activations well into both sides of each curve
    model.activation = activation
    a = X.astype(np.float64)
    for i, (coef, intercept) in enumerate(zip(model.coefs_, model.intercepts_)):
        a = a @ coef.astype(np.float64) + intercept
        if i < len(model.coefs_) - 1:
            a = REFERENCES[activation](a)
    (found,) = _run(model, X).values()
    assert_close(found, a, dtype)


def test_the_converters_cover_every_activation_and_output():
    from nbnet.kernels.losses import OUTPUTS
    from nbnet.robust_losses import ROBUST_LOSSES

    assert set(ACTIVATIONS) <= set(nbnet_onnx.HIDDEN)
    # the robust losses' rows are keyed by loss; their output activation is 'identity'
    assert set(OUTPUTS) - set(ROBUST_LOSSES) <= set(nbnet_onnx.OUTPUT)


@pytest.mark.parametrize("loss", ["huber", "quantile"])
def test_a_robust_regressor_converts(loss):
    """A regressor trained with a robust loss has an identity output, which ONNX computes."""
    X, y = TARGET_CASES["multi-output"][1:3]
    model = MLPRegressor(hidden_layer_sizes=(8,), loss=loss, max_iter=30, random_state=0)
    _assert_matches(model.fit(X, y), X, np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["multiclass-str", "multi-output"])
def test_pipelines(case, dtype):
    classifier, X, y, params = TARGET_CASES[case]
    estimator = (MLPClassifier if classifier else MLPRegressor)(
        hidden_layer_sizes=(8,), max_iter=30, random_state=0, **params)
    pipeline = make_pipeline(StandardScaler(), estimator).fit(X.astype(dtype), y)
    _assert_matches(pipeline, X.astype(dtype), dtype)


def test_classifier_options():
    model, X, _ = fitted_case("multiclass-str", np.float32)
    found = _run(model, X)  # skl2onnx's default: zipmap
    assert list(found) == ["output_label", "output_probability"]
    np.testing.assert_array_equal(found["output_label"], model.predict(X))
    proba = model.predict_proba(X)
    for row, mapping in zip(proba, found["output_probability"]):
        np.testing.assert_allclose([mapping[c] for c in model.classes_], row, rtol=1e-5)
    found = _run(model, X, zipmap=False, nocl=True)
    np.testing.assert_array_equal(found["label"], proba.argmax(axis=1))
    found = _run(model, X, zipmap=False, output_class_labels=True)
    np.testing.assert_array_equal(found["class_labels"], model.classes_)


def test_class_labels_of_every_kind():
    X, y = TARGET_CASES["binary"][1:3]
    for labels in (y.astype(bool), y + 0.0, y.astype(np.uint8)):
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, labels)
        _assert_matches(model, X, np.float64)


def test_a_single_class():
    X = TARGET_CASES["binary"][1]
    with pytest.warns(SingleClassWarning):
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5).fit(X, ["only"] * len(X))
    _assert_matches(model, X, np.float64)


def test_importing_nbnet_registers_nothing():
    code = "import sys, nbnet; print('skl2onnx' in sys.modules, 'nbnet.onnx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "False"]


def test_the_docstring_example_runs():
    import doctest

    assert doctest.testmod(nbnet_onnx).failed == 0
