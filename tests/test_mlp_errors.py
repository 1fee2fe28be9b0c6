"""Bad input gets scikit-learn-style ValueErrors, a fitted model survives a failed call
unchanged, and a diverging fit raises DivergenceError and leaves the model as it was."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import neural_network as sk_nn
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

import nbnet
from conftest import assert_state_unchanged, estimator_state
from nbnet import DivergenceError, MLPClassifier, MLPRegressor, fitting

ESTIMATORS = {"classifier": MLPClassifier, "regressor": MLPRegressor}
N_FEATURES = 4


def make_data(kind, n=60, seed=0):
    """A small problem: three string classes, or one real target."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, N_FEATURES))
    if kind == "classifier":
        y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3], axis=1)]
    else:
        y = X @ [1.0, -2.0, 0.5, 0.0] + 0.1 * rng.normal(size=n)
    return X, y


def fitted(kind, **params):
    """A model fitted with adam (so that partial_fit is available); Poisson fits |y|."""
    X, y = make_data(kind)
    if params.get("loss") == "poisson":
        y = np.abs(y)
    est = ESTIMATORS[kind](hidden_layer_sizes=(5,), max_iter=5, random_state=0, **params)
    return est.fit(X, y)


class Snapshot:
    """What a user can observe of a fitted model: outputs and public fitted attributes."""

    def __init__(self, est):
        X, _ = make_data("regressor", n=25, seed=7)
        self.X = X
        self.outputs = self._outputs(est)
        self.attributes = {k: self._copy(v) for k, v in self._fitted(est).items()}

    @staticmethod
    def _fitted(est):
        """The public fitted attributes: the instance's, and those the class keeps elsewhere
        (the training state's fields, as ``n_iter_``)."""
        names = [k for k in dir(est) if k.endswith("_") and not k.startswith("_")]
        return {k: getattr(est, k) for k in names if hasattr(est, k)}

    @staticmethod
    def _copy(value):
        if isinstance(value, list):
            return [np.copy(v) for v in value]
        return np.copy(value) if isinstance(value, np.ndarray) else value

    def _outputs(self, est):
        out = {"predict": est.predict(self.X)}
        if hasattr(est, "predict_proba"):
            out["predict_proba"] = est.predict_proba(self.X)
        return out

    def assert_unchanged(self, est):
        """Same attribute names and values, and bit-identical outputs."""
        now = self._fitted(est)
        assert set(now) == set(self.attributes)
        for name, before in self.attributes.items():
            after = now[name]
            if isinstance(before, list):
                assert len(after) == len(before), name
                for a, b in zip(after, before):
                    np.testing.assert_array_equal(a, b, err_msg=name)
            elif isinstance(before, np.ndarray):
                np.testing.assert_array_equal(after, before, err_msg=name)
            else:
                assert after == before or (after is None and before is None), name
        for name, before in self.outputs.items():
            after = self._outputs(est)[name]
            assert after.dtype == before.dtype
            np.testing.assert_array_equal(after, before, err_msg=name)


# --------------------------------------------------------------------------- bad input


def _set(value, where):
    """corrupt(X, y): put ``value`` into row 3 of X (column 1) or of y."""
    def corrupt(X, y):
        X, y = X.copy(), y.copy()
        if where == "X":
            X[3, 1] = value
        else:
            y[3] = value
        return X, y
    return corrupt


def _on_x(transform):
    """corrupt(X, y): replace X by ``transform(X)``."""
    return lambda X, y: (transform(X), y)


def _string_in_x(X):
    X = X.astype(object)
    X[0, 0] = "a"
    return X


# id -> (kinds it applies to, corrupt(X, y) -> (X, y), message regex)
BAD_INPUT = {
    "nan-in-X": (("classifier", "regressor"), _set(np.nan, "X"), "Input X contains NaN"),
    "inf-in-X": (("classifier", "regressor"), _set(np.inf, "X"), "Input X contains infinity"),
    "nan-in-y": (("regressor",), _set(np.nan, "y"), "Input y contains NaN"),
    "nan-in-float-labels": (("classifier",), lambda X, y: _set(np.nan, "y")(
        X, np.unique(y, return_inverse=True)[1].astype(float)), "Input y contains NaN"),
    "inf-in-y": (("regressor",), _set(-np.inf, "y"), "Input y contains infinity"),
    "1d-X": (("classifier", "regressor"), _on_x(lambda X: X[:, 0]), "Expected 2D array"),
    "empty-X": (("classifier", "regressor"), lambda X, y: (X[:0], y[:0]), r"0 sample\(s\)"),
    "wrong-n-features": (("classifier", "regressor"), _on_x(lambda X: X[:, :3]),
                         "X has 3 features, but MLP(Classifier|Regressor) is expecting 4"),
    "y-too-short": (("classifier", "regressor"), lambda X, y: (X, y[:-1]),
                    "inconsistent numbers of samples"),
    "string-in-X": (("classifier", "regressor"), _on_x(_string_in_x),
                    "could not convert string to float"),
    "complex-X": (("classifier", "regressor"), _on_x(lambda X: X + 1j),
                  "Complex data not supported"),
    # a TypeError, as scikit-learn's (which comes from numpy, inside the loss)
    "string-y-regression": (("regressor",), lambda X, y: (X, np.where(y > 0, "big", "small")),
                            "Input y must be numeric"),
}
# A model fitted afresh may change its number of features; the other calls may not.
_NEEDS_STATE = {"wrong-n-features"}
_X_ONLY = ["nan-in-X", "inf-in-X", "1d-X", "empty-X", "wrong-n-features", "string-in-X",
           "complex-X"]


def _cases(methods, names=BAD_INPUT):
    return [pytest.param(kind, method, *BAD_INPUT[name][1:], id=f"{kind}-{method}-{name}")
            for name in names for kind in BAD_INPUT[name][0] for method in methods
            if not (name in _NEEDS_STATE and method in ("fit-unfitted", "fit"))]


@pytest.mark.parametrize("kind, method, corrupt, match",
                         _cases(["fit-unfitted", "fit", "fit-warm", "partial_fit"]))
def test_bad_input_raises_and_leaves_the_model_unchanged(kind, method, corrupt, match):
    """fit/partial_fit reject the input with a ValueError (a TypeError for string targets
    of a regressor); a fitted model is left as it was."""
    X, y = corrupt(*make_data(kind))
    if method == "fit-unfitted":
        est = ESTIMATORS[kind](hidden_layer_sizes=(5,), max_iter=5, random_state=0)
        with pytest.raises((ValueError, TypeError), match=match):
            est.fit(X, y)
        assert not hasattr(est, "coefs_") and not hasattr(est, "n_features_in_")
        return
    est = fitted(kind, warm_start=method == "fit-warm")
    before = Snapshot(est)
    call = est.partial_fit if method == "partial_fit" else est.fit
    with pytest.raises((ValueError, TypeError), match=match):
        call(X, y)
    before.assert_unchanged(est)


@pytest.mark.parametrize("kind, method, corrupt, match", _cases(["predict"], _X_ONLY))
def test_bad_input_at_predict_raises(kind, method, corrupt, match):
    """predict, predict_proba and predict_log_proba reject bad X with scikit-learn's errors."""
    X, _ = corrupt(*make_data(kind))
    est = fitted(kind)
    before = Snapshot(est)
    methods = [est.predict] + ([est.predict_proba, est.predict_log_proba]
                               if kind == "classifier" else [])
    for method_ in methods:
        with pytest.raises(ValueError, match=match):
            method_(X)
    before.assert_unchanged(est)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_sample_weight_of_wrong_length(kind, method):
    """A sample_weight of the wrong length is refused; the fitted model is unchanged."""
    X, y = make_data(kind)
    est = fitted(kind)
    before = Snapshot(est)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(59,\), expected \(60,\)"):
        getattr(est, method)(X, y, sample_weight=np.ones(len(X) - 1))
    before.assert_unchanged(est)
    with pytest.raises(ValueError, match="Sample weights must be 1D"):
        getattr(est, method)(X, y, sample_weight=np.ones((len(X), 2)))
    before.assert_unchanged(est)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_non_finite_sample_weight_of_a_float32_fit_names_the_weights_dtype():
    """scikit-learn checks the weights in their own dtype: a float64 inf is named float64 for
    float32 input too; weights beyond float32's range are refused for a float32 model."""
    X, y = make_data("regressor")
    X = X.astype(np.float32)
    for Estimator in (sk_nn.MLPRegressor, MLPRegressor):
        with pytest.raises(ValueError, match=re.escape("too large for dtype('float64')")):
            Estimator(max_iter=1).fit(X, y, sample_weight=np.full(len(X), np.inf))
    with pytest.raises(ValueError, match=re.escape("too large for dtype('float32')")):
        MLPRegressor(max_iter=1).fit(X, y, sample_weight=np.full(len(X), 1e39))


def test_single_class_is_fitted_with_a_warning():
    """One class trains as in scikit-learn, with a warning naming it; the model predicts that
    class, with one probability column of ones matching ``classes_``."""
    X, _ = make_data("classifier")
    est = MLPClassifier(max_iter=5)
    with pytest.warns(nbnet.SingleClassWarning, match="'ant'"):
        est.fit(X, np.full(len(X), "ant"))
    np.testing.assert_array_equal(est.classes_, ["ant"])
    np.testing.assert_array_equal(est.predict(X), np.full(len(X), "ant"))
    np.testing.assert_array_equal(est.predict_proba(X), np.ones((len(X), 1)))
    assert est.score(X, np.full(len(X), "ant")) == 1.0


def test_poisson_with_negative_targets_raises():
    """The Poisson loss needs y >= 0 (scikit-learn silently trains to a NaN loss)."""
    X, y = make_data("regressor")
    est = MLPRegressor(loss="poisson", max_iter=5)
    with pytest.raises(ValueError, match="negative"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")
    est = fitted("regressor", loss="poisson", warm_start=True)
    before = Snapshot(est)
    for call in (est.fit, est.partial_fit):
        with pytest.raises(ValueError, match="negative"):
            call(X, y)
        before.assert_unchanged(est)


def test_poisson_accepts_zero_targets():
    """Zero counts are valid Poisson targets."""
    X, y = make_data("regressor")
    est = MLPRegressor(loss="poisson", max_iter=5).fit(X, np.maximum(y, 0))
    assert np.all(est.predict(X) > 0)


# ----------------------------------------------------------------------- bad parameters

BAD_PARAMS = [
    ("solver", "newton"), ("activation", "softmax"), ("hidden_layer_sizes", 0),
    ("hidden_layer_sizes", "10"), ("alpha", -1.0), ("batch_size", 0), ("batch_size", "big"),
    ("learning_rate", "cyclic"), ("learning_rate_init", 0.0), ("power_t", -0.5),
    ("max_iter", 0), ("shuffle", "yes"), ("random_state", "seed"), ("tol", -1e-3),
    ("warm_start", 1), ("momentum", 1.5), ("nesterovs_momentum", None),
    ("early_stopping", "no"), ("validation_fraction", 1.0), ("beta_1", 1.0), ("beta_2", -0.1),
    ("epsilon", 0.0), ("n_iter_no_change", 0), ("max_fun", 0),
]


def _bad_param_cases():
    cases = [(kind, name, value) for name, value in BAD_PARAMS
             for kind in ("classifier", "regressor")]
    cases.append(("regressor", "loss", "pinball"))  # the classifier has no loss
    return [pytest.param(*case, id=f"{case[0]}-{case[1]}={case[2]!r}") for case in cases]


@pytest.mark.parametrize("kind, name, value", _bad_param_cases())
def test_unknown_parameter_values_raise_invalid_parameter_error(kind, name, value):
    """Out-of-range parameter values raise InvalidParameterError (a ValueError) at fit, exactly
    when scikit-learn does, with its message (where it lists options, nbnet's own solvers and
    schedules too); a fitted model is left as it was."""
    X, y = make_data(kind)
    sk = (sk_nn.MLPClassifier if kind == "classifier" else sk_nn.MLPRegressor)(**{name: value})
    with pytest.raises(InvalidParameterError) as sk_error:
        sk.fit(X, y)
    est = fitted(kind)
    before = Snapshot(est)
    original = est.get_params()[name]
    est.set_params(**{name: value})
    with pytest.raises(InvalidParameterError) as nb_error:
        est.fit(X, y)
    assert isinstance(nb_error.value, ValueError)
    assert f"The '{name}' parameter of {type(est).__name__} must be" in str(nb_error.value)
    nb_message, sk_message = str(nb_error.value), str(sk_error.value)
    assert _SETS.sub("{}", nb_message) == _SETS.sub("{}", sk_message)
    for theirs, ours in zip(_options(sk_message), _options(nb_message)):
        assert theirs <= ours  # nbnet's own solvers and schedules are listed too
    if name != "solver":  # an unknown solver hides partial_fit (AttributeError) instead
        # validated by the first partial_fit only (scikit-learn skips it once fitted)
        fresh = ESTIMATORS[kind](**{name: value})
        with pytest.raises(InvalidParameterError):
            fresh.partial_fit(X, y, **({"classes": np.unique(y)} if kind == "classifier" else {}))
        assert not hasattr(fresh, "coefs_")
    est.set_params(**{name: original})  # predict reads the parameters (as scikit-learn's does)
    before.assert_unchanged(est)


_SETS = re.compile(r"\{[^{}]*\}")


def _options(message):
    """The ``{...}`` sets of options a message lists (their order depends on hashing)."""
    return [set(found[1:-1].split(", ")) for found in _SETS.findall(message)]


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_zero_sized_hidden_layer_raises(kind):
    """A zero-sized layer inside a tuple is refused at fit, with scikit-learn's message."""
    X, y = make_data(kind)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes must be > 0, got \[3, 0\]"):
        ESTIMATORS[kind](hidden_layer_sizes=(3, 0)).fit(X, y)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_set_params_with_unknown_name_raises(kind):
    """set_params refuses a name that is not a parameter."""
    with pytest.raises(ValueError, match="Invalid parameter 'learning_rate_max'"):
        ESTIMATORS[kind]().set_params(learning_rate_max=1.0)


# nbnet's own parameters: (parameters, error, message regex), on labels 0, 1, 2
OWN_BAD_PARAMS = {
    "nan-weight": ({"class_weight": {0: np.nan}}, InvalidParameterError,
                   r"The 'class_weight' parameter of MLPClassifier must be 'balanced', a dict "
                   r".*: class_weight\[0\] = nan is not a finite number >= 0. Got \{0: nan\}"),
    "inf-weight": ({"class_weight": {0: np.inf}}, InvalidParameterError,
                   r"class_weight\[0\] = inf is not a finite number >= 0"),
    "all-zero-weights": ({"class_weight": {0: 0, 1: 0, 2: 0}}, ValueError,
                         r"class_weight=\{0: 0, 1: 0, 2: 0\} gives every sample weight 0"),
    "string-weight": ({"class_weight": {0: "a"}}, InvalidParameterError,
                      r"class_weight\[0\] = 'a' is not a number"),
    # refused as _check_sample_weight(..., ensure_non_negative=True) refuses negative weights
    "negative-weight": ({"class_weight": {0: -5.0}}, InvalidParameterError,
                        r"class_weight\[0\] = -5.0 is not a finite number >= 0"),
    "rate-rises": ({"learning_rate": "cosine", "min_learning_rate": 1.0}, InvalidParameterError,
                   r"The 'min_learning_rate' parameter of MLPClassifier must be <= "
                   r"learning_rate_init=0.001 with learning_rate='cosine', .* Got 1.0 instead"),
}


@pytest.mark.parametrize("params, error, match", OWN_BAD_PARAMS.values(), ids=OWN_BAD_PARAMS)
def test_own_parameters_raise_naming_the_parameter(params, error, match):
    """Each of nbnet's own parameters is checked at fit (and at a partial_fit after
    set_params), with a message that names it; a fitted model is left exactly as it was."""
    X, y = make_data("classifier")
    y = np.unique(y, return_inverse=True)[1]
    fresh = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, **params)
    with pytest.raises(error, match=match):
        fresh.fit(X, y)
    assert not hasattr(fresh, "coefs_")
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    original = {name: est.get_params()[name] for name in params}
    before = estimator_state(est)
    est.set_params(**params)
    for call in (est.fit, est.partial_fit):
        with pytest.raises(error, match=match):
            call(X, y)
    est.set_params(**original)
    assert_state_unchanged(before, est)


def test_multilabel_class_weight_errors_name_the_label():
    """A list of dicts is checked dict by dict; a label all of whose weights are 0 leaves
    every sample weight 0."""
    X, _ = make_data("classifier")
    Y = (X[:, :2] > 0).astype(int)
    for class_weight, error, match in [
            ([{0: 1.0, 1: np.nan}, {}], InvalidParameterError,
             r"class_weight\[0\]\[1\] = nan is not a finite number >= 0"),
            ([{0: 1.0}, 2.0], InvalidParameterError, r"class_weight\[1\] is a float, not a dict"),
            ([{0: 0, 1: 0.0}, {1: 2.0}], ValueError, "gives every sample weight 0")]:
        est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, class_weight=class_weight)
        with pytest.raises(error, match=match):
            est.fit(X, Y)
        assert not hasattr(est, "coefs_")


def test_class_weights_that_zero_every_sample_raise():
    """Positive weights for classes the batch lacks, or sample weights that zero the others,
    leave no weight to train on: sample weights' rule (at least one non-zero) applies."""
    X, y = make_data("classifier")
    y = np.unique(y, return_inverse=True)[1]
    est = MLPClassifier(hidden_layer_sizes=(5,), class_weight={0: 0.0, 1: 2.0}, random_state=0)
    est.partial_fit(X, y, classes=[0, 1, 2])
    before = estimator_state(est)
    with pytest.raises(ValueError, match=r"class_weight=\{0: 0.0, 1: 2.0\} gives every sample "
                                         r"weight 0: sample weights must contain"):
        est.partial_fit(X[y == 0], y[y == 0])
    with pytest.raises(ValueError, match=r"gives every sample weight 0 \(times sample_weight\)"):
        est.partial_fit(X, y, sample_weight=(y == 0).astype(float))
    assert_state_unchanged(before, est)
    est.partial_fit(X[y == 1], y[y == 1])  # a batch of a positively weighted class trains


def test_min_learning_rate_bound_applies_to_the_schedules_that_decay_to_it():
    """min_learning_rate may equal learning_rate_init (a constant rate); 'cosine', and 'step'
    and 'exponential' with a derived factor, decay to it and check it; the schedules that
    ignore it (an explicit lr_gamma included) do not."""
    X, y = make_data("regressor")
    params = dict(hidden_layer_sizes=(3,), max_iter=2, learning_rate_init=0.01)
    MLPRegressor(learning_rate="cosine", min_learning_rate=0.01, **params).fit(X, y)
    MLPRegressor(learning_rate="constant", min_learning_rate=1.0, **params).fit(X, y)
    for schedule in ("step", "exponential"):
        MLPRegressor(learning_rate=schedule, min_learning_rate=1.0, lr_gamma=0.5,
                     **params).fit(X, y)
    for schedule in ("cosine", "step", "exponential"):
        with pytest.raises(InvalidParameterError, match="'min_learning_rate' parameter of "
                                                        "MLPRegressor must be <="):
            MLPRegressor(learning_rate=schedule, min_learning_rate=0.0100001,
                         **params).fit(X, y)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_predict_before_fit_raises_not_fitted(kind):
    """An unfitted model refuses to predict with NotFittedError (a ValueError)."""
    X, _ = make_data(kind)
    with pytest.raises(NotFittedError):
        ESTIMATORS[kind]().predict(X)


# ------------------------------------------------------------------------ state misuse


def test_partial_fit_classes_errors():
    """classes is required on the first call, fixed afterwards, and y must stay inside it."""
    X, y = make_data("classifier")
    est = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, y)
    assert not hasattr(est, "classes_") and not hasattr(est, "coefs_")

    keep = y != "cat"
    est.partial_fit(X[keep], y[keep], classes=["ant", "bee"])
    before = Snapshot(est)
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        est.partial_fit(X, y)
    before.assert_unchanged(est)
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        est.partial_fit(X[keep], y[keep], classes=["ant", "bee", "cat"])
    before.assert_unchanged(est)


def test_fit_model_partial_fit_with_new_class_raises():
    """A model fitted on two classes rejects a third in partial_fit, and stays as it was."""
    X, y = make_data("classifier")
    keep = y != "cat"
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(
        X[keep], y[keep])
    before = Snapshot(est)
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        est.partial_fit(X, y)
    before.assert_unchanged(est)


def test_warm_start_with_other_classes_raises():
    """warm_start needs the classes of the previous fit."""
    X, y = make_data("classifier")
    est = fitted("classifier", warm_start=True)
    before = Snapshot(est)
    keep = y != "cat"
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
        est.fit(X[keep], y[keep])
    before.assert_unchanged(est)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_warm_start_with_other_architecture_raises(kind):
    """Changing hidden_layer_sizes between warm-started fits is refused, not crashed on."""
    X, y = make_data(kind)
    est = fitted(kind, warm_start=True)
    before = Snapshot(est)
    est.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="layer sizes"):
        est.fit(X, y)
    est.set_params(hidden_layer_sizes=(5,))
    before.assert_unchanged(est)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_partial_fit_with_early_stopping_raises(kind):
    """early_stopping has no meaning for partial_fit."""
    X, y = make_data(kind)
    est = fitted(kind)
    before = Snapshot(est)
    est.set_params(early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        est.partial_fit(X, y)
    est.set_params(early_stopping=False)
    before.assert_unchanged(est)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_validation_set_too_small_raises(kind):
    """Early stopping on too few rows raises after initialisation: the fitted model survives."""
    X, y = make_data(kind)
    est = fitted(kind)
    before = Snapshot(est)
    est.set_params(early_stopping=True, validation_fraction=0.05)
    with pytest.raises(ValueError, match="The validation set is too small"):
        est.fit(X[:12], y[:12])
    est.set_params(early_stopping=False)
    before.assert_unchanged(est)


def test_warm_start_fit_interrupted_by_warning_error_leaves_a_consistent_model():
    """With ConvergenceWarning turned into an error, a warm-started fit that raises leaves the
    model as it was (the contract of a failed fit), not half rolled back."""
    X, y = make_data("classifier")
    est = fitted("classifier", warm_start=True, solver="adam")
    before = Snapshot(est)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            est.fit(X, y)
    before.assert_unchanged(est)


# --------------------------------------------------------------------------- divergence

def _divergence_case(dtype, y_scale, activation, batch_size="auto", max_iter=10):
    return pytest.param(dtype, y_scale, activation, batch_size, max_iter,
                        id=f"{np.dtype(dtype).name}-y{y_scale:.0e}-{activation}-"
                           f"batch{batch_size}-iter{max_iter}")


@pytest.mark.parametrize("dtype, y_scale, activation, batch_size, max_iter", [
    _divergence_case(np.float64, 1e5, "relu"),
    _divergence_case(np.float64, 1e8, "identity"),
    _divergence_case(np.float64, 1e3, "relu"),
    _divergence_case(np.float32, 1e5, "tanh"),
    _divergence_case(np.float32, 1e3, "relu"),
    _divergence_case(np.float32, 1e8, "identity"),
    _divergence_case(np.float32, 1e4, "relu", batch_size=80, max_iter=2),
])
def test_divergence_raises_and_leaves_the_model_as_it_was(dtype, y_scale, activation,
                                                          batch_size, max_iter):
    """A huge learning rate on unscaled targets raises DivergenceError (a ValueError) that
    begins with scikit-learn's message and names the cause; an unfitted model stays unfitted,
    a fitted one unchanged."""
    rng = np.random.RandomState(0)
    if batch_size == "auto":
        X = rng.normal(size=(60, N_FEATURES))
        y = y_scale * (X @ [1.0, 2.0, 3.0, 0.0]) + y_scale
    else:  # non-negative, unscaled inputs too
        X = rng.uniform(0, 100, (80, N_FEATURES))
        y = y_scale * X.sum(axis=1)
    X, y = X.astype(dtype), y.astype(dtype)
    params = dict(hidden_layer_sizes=(5,), activation=activation, batch_size=batch_size,
                  max_iter=max_iter, random_state=0)
    cause = "targets y have values up to" if np.abs(y).max() > fitting.HUGE_VALUE else (
        "learning_rate_init=1000.0")
    if batch_size != "auto":
        cause = "input X has values up to" if np.abs(X).max() > fitting.HUGE_VALUE else cause
    unfitted = MLPRegressor(solver="sgd", learning_rate_init=1e3, **params)
    well_fitted = MLPRegressor(solver="sgd", learning_rate_init=1e-3, **params).fit(
        X, y / y_scale)
    before = Snapshot(well_fitted)
    for est in (unfitted, well_fitted.set_params(learning_rate_init=1e3)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(DivergenceError) as raised:
                est.fit(X, y)
        assert isinstance(raised.value, ValueError)
        message = str(raised.value)
        assert message.startswith(fitting.NON_FINITE_MESSAGE)
        assert cause in message and "Solver 'sgd'" in message
    assert not hasattr(unfitted, "coefs_")
    before.assert_unchanged(well_fitted)


def test_lbfgs_divergence_raises_and_leaves_the_model_as_it_was():
    """L-BFGS on inputs so large that the loss overflows raises DivergenceError naming the
    input's scale; an unfitted model stays unfitted."""
    rng = np.random.RandomState(0)
    X, y = 1e160 * rng.normal(size=(30, 3)), rng.normal(size=30)
    est = MLPRegressor(solver="lbfgs", hidden_layer_sizes=(4,), random_state=0)
    with pytest.raises(DivergenceError, match=r"input X has values up to \d.*e\+160"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        est.predict(X)


def test_model_trains_normally_after_divergence():
    """After a DivergenceError, fixing the learning rate and refitting gives a good model."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = 1e5 * (X @ [1.0, 2.0, 3.0]) + 1e5
    est = MLPRegressor(solver="sgd", learning_rate_init=1e3, hidden_layer_sizes=(5,),
                       random_state=0, max_iter=10)
    with pytest.raises(DivergenceError):
        est.fit(X, y)
    est.set_params(learning_rate_init=1e-2, solver="lbfgs", max_iter=200)
    est.fit(X, y / 1e5)
    assert est.score(X, y / 1e5) > 0.95


def test_divergence_error_is_exported():
    """DivergenceError is public and a ValueError, so `except ValueError` catches it."""
    assert nbnet.DivergenceError is DivergenceError
    assert issubclass(DivergenceError, ValueError)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_nan_is_rejected(fmt):
    """NaN stored in a sparse matrix is caught like dense NaN."""
    X, y = make_data("classifier")
    X[2, 1] = np.nan
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MLPClassifier(max_iter=5).fit(Xs, y)
