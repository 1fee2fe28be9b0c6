"""MLPClassifier and MLPRegressor: scikit-learn's estimators on nbnet's compiled core.

This is the only module that knows scikit-learn's conventions (input validation, label
encoding, parameter constraints, warnings); it imports scikit-learn's private helpers so
that no other module does. It owns the epoch loop in Python — early stopping, verbose
output, learning-rate schedules — and calls one compiled function per epoch
(:meth:`nbnet.optimizers.Optimizer.epoch`) or per L-BFGS evaluation
(:func:`nbnet.kernels.epochs.loss_and_gradient`).
"""

import copy
import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._docs import DIFFERENCES, SHARED_ATTRIBUTES, SHARED_PARAMETERS
from .kernels.activations import ACTIVATIONS
from .kernels.epochs import Data, loss_and_gradient, make_workspace
from .kernels.network import (Model, make_layout, n_parameters, predict as network_predict, unpack,
                              with_activations, workspace_size)
from .optimizers import make_optimizer

_STOCHASTIC_SOLVERS = ("sgd", "adam")
# Rows per chunk at predict time: bounds the workspace, keeps products BLAS-sized.
_PREDICT_CHUNK = 4096
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class DivergenceError(ValueError):
    """Raised when the training loss becomes non-finite; the model keeps its last finite weights."""


def _csr_arrays(X, dtype):
    """CSR ``(data, indices, indptr)`` of sparse ``X`` in ``dtype``, or None for dense ``X``."""
    if not sp.issparse(X):
        return None
    X = X.tocsr()
    index_dtype = np.int32 if X.nnz < np.iinfo(np.int32).max else np.int64
    return (
        np.ascontiguousarray(X.data, dtype=dtype),
        X.indices.astype(index_dtype, copy=False),
        X.indptr.astype(index_dtype, copy=False),
    )


def _compiled_input(X, dtype):
    """``(dense, sparse)`` arguments of the compiled core for input ``X`` in ``dtype``."""
    if sp.issparse(X):
        return np.empty((0, X.shape[1]), dtype), _csr_arrays(X, dtype)
    return np.ascontiguousarray(X, dtype=dtype), _csr_arrays(X, dtype)


class BaseMultilayerPerceptron(BaseEstimator, ABC):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor`."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    @abstractmethod
    def __init__(self, hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
                 learning_rate_init, power_t, max_iter, loss, shuffle, random_state, tol, verbose,
                 warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
                 beta_1, beta_2, epsilon, n_iter_no_change, max_fun):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.loss = loss
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # ------------------------------------------------------------------ parameters
    def _parameters(self) -> np.ndarray:
        """The flat parameter vector behind ``coefs_`` and ``intercepts_``.

        It is re-packed from ``coefs_``/``intercepts_`` when those are no longer views of
        it: after unpickling, or when a user assigned new arrays.
        """
        theta = self.__dict__.get("_theta")
        arrays = [*self.coefs_, *self.intercepts_]
        if theta is None or any(a.base is not theta for a in arrays):
            units = [self.coefs_[0].shape[0], *(c.shape[1] for c in self.coefs_)]
            dtype = np.result_type(*arrays)
            theta = np.concatenate([np.ravel(a) for a in arrays]).astype(dtype, copy=False)
            self._adopt(theta, make_layout(units, self.activation, self.out_activation_))
        return theta

    def _adopt(self, theta: np.ndarray, layout) -> None:
        """Make ``theta`` the parameters: ``coefs_`` and ``intercepts_`` become its views."""
        self._theta, self._layout = theta, layout
        self.coefs_, self.intercepts_ = unpack(theta, layout)

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_theta", None)  # coefs_/intercepts_ carry the weights; re-packed on use
        return state

    def _initialize(self, y, layer_units, dtype):
        """Draw the initial weights exactly as scikit-learn does (same calls, same order)."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        if not is_classifier(self):
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:
            self.out_activation_ = "logistic"
        layout = make_layout(layer_units, self.activation, self.out_activation_)
        theta = np.empty(n_parameters(layout), dtype=dtype)
        coefs, intercepts = unpack(theta, layout)  # views: filling them fills theta
        factor = ACTIVATIONS[self.activation].init_factor
        for coef, intercept in zip(coefs, intercepts):
            fan_in, fan_out = coef.shape
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef[:] = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
            intercept[:] = self._random_state.uniform(-bound, bound, fan_out)
        self._adopt(theta, layout)
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None
        self._best_theta = theta.copy()

    # ------------------------------------------------------------------ fitting
    def _fit_keeping_state_on_error(self, X, y, sample_weight, incremental, before_fit=None):
        """Fit; on bad input, leave the estimator exactly as it was (a fitted one still predicts).

        ``before_fit`` (optional) runs first, under the same protection. Divergence is the
        exception: the model then keeps the weights of its last finished epoch, which is what
        :class:`DivergenceError` promises.
        """
        saved = copy.deepcopy(self.__dict__)  # deep: a warm-started fit trains in place
        try:
            if before_fit is not None:
                before_fit()
            return self._fit(X, y, sample_weight, incremental)
        except DivergenceError:
            raise
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit(self, X, y, sample_weight, incremental):
        hidden_layer_sizes = self.hidden_layer_sizes
        if not hasattr(hidden_layer_sizes, "__iter__"):
            hidden_layer_sizes = [hidden_layer_sizes]
        hidden_layer_sizes = list(hidden_layer_sizes)
        if np.any(np.array(hidden_layer_sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden_layer_sizes}.")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if not first_pass:  # a fitted model keeps its dtype
            X = X.astype(self._parameters().dtype, copy=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        layer_units = [X.shape[1], *hidden_layer_sizes, y.shape[1]]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, X.dtype)
        elif list(self._layout.sizes) != layer_units:
            raise ValueError(
                f"The network has layer sizes {list(self._layout.sizes)} but this call needs "
                f"{layer_units}: hidden_layer_sizes or the number of outputs changed since "
                "the last fit. Set warm_start=False to start afresh."
            )
        self.n_outputs_ = y.shape[1]
        if self.solver in _STOCHASTIC_SOLVERS:
            self._fit_stochastic(X, y, sample_weight, incremental)
        else:
            self._fit_lbfgs(X, y, sample_weight)
        return self

    def _compiled_model(self):
        """Parameters and layout (with the current activations), as the compiled core takes them."""
        theta = self._parameters()
        return Model(theta, with_activations(self._layout, self.activation, self.out_activation_))

    def _fit_lbfgs(self, X, y, sample_weight):
        model = self._compiled_model()
        theta, layout = model
        dtype = theta.dtype
        X_in, sparse = _compiled_input(X, dtype)
        Y = np.ascontiguousarray(y, dtype=dtype)
        sw = np.empty(0, dtype) if sample_weight is None else np.ascontiguousarray(sample_weight, dtype)
        data = Data(X_in, sparse, Y, sw)
        work = make_workspace(layout, X.shape[0], dtype, sparse_input=sp.issparse(X),
                              weighted=sample_weight is not None)
        alpha = float(self.alpha)
        last_accepted = theta.copy()

        def loss_grad(x):
            theta[:] = x
            loss = loss_and_gradient(model, data, alpha, work)
            return loss, work.gradient.astype(np.float64)  # a copy: scipy keeps the gradients it gets

        def iteration_done(intermediate_result):
            last_accepted[:] = intermediate_result.x
            if self.verbose:
                iteration_done.count += 1
                print("Iteration %d, loss = %.8f" % (iteration_done.count, intermediate_result.fun))

        iteration_done.count = 0
        result = scipy.optimize.minimize(
            loss_grad, theta.astype(np.float64), method="L-BFGS-B", jac=True,
            callback=iteration_done,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
        )
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        if not (np.isfinite(result.fun) and np.isfinite(result.x).all()):
            theta[:] = last_accepted
            raise DivergenceError(_divergence_message("lbfgs", self.n_iter_, self))
        theta[:] = result.x
        self.loss_ = float(result.fun)

    def _fit_stochastic(self, X, y, sample_weight, incremental):
        model = self._compiled_model()
        theta, layout = model
        dtype = theta.dtype
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = make_optimizer(self.solver, theta.size, dtype, self.get_params())
        optimizer = self._optimizer
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        X_val = y_val = sample_weight_val = None
        if self.early_stopping:
            stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
            arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
            split = train_test_split(*arrays, random_state=self._random_state,
                                     test_size=self.validation_fraction, stratify=stratify)
            X, X_val, y, y_val = split[:4]
            if sample_weight is not None:
                sample_weight, sample_weight_val = split[4:]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the "
                    "size of your dataset."
                )
            if is_classifier(self):
                y_val = self._label_binarizer.inverse_transform(y_val)
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is going to "
                    "be clipped"
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        X_in, sparse = _compiled_input(X, dtype)
        Y = np.ascontiguousarray(y, dtype=dtype)
        sw = np.empty(0, dtype) if sample_weight is None else np.ascontiguousarray(sample_weight, dtype)
        work = make_workspace(layout, batch_size, dtype, sparse_input=sp.issparse(X),
                              weighted=sample_weight is not None)
        data = Data(X_in, sparse, Y, sw)
        alpha = float(self.alpha)
        order = np.arange(n_samples, dtype=np.int64)
        previous_finished = theta.copy()
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle:
                    # The draws of scikit-learn's `shuffle(X, y, random_state=...)`, which
                    # permutes by a shuffled arange, applied in place: 0.15 ms less per epoch.
                    self._random_state.shuffle(order)
                last_finished = theta.copy()
                loss_sum = optimizer.epoch(model, data, order, batch_size, alpha, work)
                if not (np.isfinite(loss_sum) and np.isfinite(theta).all()):
                    # The last finished epoch's final update may itself have blown the
                    # weights up to finite but useless values: fall back one more epoch then.
                    theta[:] = last_finished
                    if not np.isfinite(self._forward(X, check_input=False)).all():
                        theta[:] = previous_finished
                    raise DivergenceError(_divergence_message(self.solver, self.n_iter_ + 1, self))
                previous_finished = last_finished
                self.n_iter_ += 1
                self.loss_ = loss_sum / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
                self._update_no_improvement_count(X_val, y_val, sample_weight_val)
                optimizer.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    watched = "Validation score" if self.early_stopping else "Training loss"
                    msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (
                        watched, self.tol, self.n_iter_no_change)
                    if optimizer.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                        "optimization hasn't converged yet." % self.max_iter,
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        if self.early_stopping:
            theta[:] = self._best_theta

    def _update_no_improvement_count(self, X_val, y_val, sample_weight_val):
        if self.early_stopping:
            score = self._score(X_val, y_val, sample_weight=sample_weight_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print("Validation score: %f" % score)
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_theta = self._theta.copy()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains a float32 model; other dtypes float64.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets (class labels in classification, real numbers in regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit_keeping_state_on_error(X, y, sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. %s is not "
                "stochastic." % self.solver
            )
        return True

    # ------------------------------------------------------------------ prediction
    def _forward(self, X, check_input=True):
        """Outputs of the network (probabilities, or regression values) for ``X``."""
        if check_input:
            X = self._validated_input(X)
        model = self._compiled_model()
        theta, layout = model
        X_in, sparse = _compiled_input(X, theta.dtype)
        out = np.empty((X.shape[0], self.n_outputs_), dtype=theta.dtype)
        chunk = max(1, min(X.shape[0], _PREDICT_CHUNK))
        workspace = np.empty(workspace_size(layout, chunk), dtype=theta.dtype)
        network_predict(model, X_in, sparse, out, workspace)
        return out

    def _validated_input(self, X):
        """``validate_data(self, X, reset=False)``, skipped for input it would return unchanged.

        A finite float32/float64 ndarray of the fitted width, given to a model fitted without
        feature names, passes ``validate_data`` as it is; checking that directly saves about
        0.1 ms per call, most of a one-row prediction. Anything else takes the full check,
        with its conversions, warnings and error messages.
        """
        if (type(X) is np.ndarray and X.ndim == 2 and X.dtype in _FLOAT_DTYPES
                and X.shape[0] > 0 and X.shape[1] == self.n_features_in_
                and not hasattr(self, "feature_names_in_")):
            with np.errstate(over="ignore"):  # an overflowing sum takes the full check
                if np.isfinite(X.sum()):
                    return X
        return validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)

    def _score_with_function(self, X, y, sample_weight, score_function):
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _divergence_message(solver, iteration, estimator):
    cause = "" if solver == "lbfgs" else (
        f"The learning rate may be too high (learning_rate_init="
        f"{estimator.learning_rate_init}), or the inputs unscaled")
    cause = cause or "The inputs or targets may be unscaled"
    return (
        f"The training loss became non-finite (inf or nan) in iteration {iteration} of solver "
        f"'{solver}'. {cause}: scale them, e.g. with sklearn.preprocessing.StandardScaler. "
        "The weights of the last finished iteration were kept."
    )


class MLPClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    __doc__ = """Multi-layer perceptron classifier, trained by nbnet's compiled core.

    Optimises the log-loss with L-BFGS, SGD or Adam; a drop-in replacement for
    :class:`sklearn.neural_network.MLPClassifier`. Binary, multiclass (labels of any type)
    and multilabel targets; dense or sparse (CSR/CSC) input.

{differences}

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    {attributes}

    See Also
    --------
    MLPRegressor : Multi-layer perceptron regressor.

    Examples
    --------
    >>> from nbnet import MLPClassifier
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = make_classification(n_samples=100, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y,
    ...                                                     random_state=1)
    >>> clf = MLPClassifier(random_state=1, max_iter=300).fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:1]).round(3)
    array([[0.038, 0.962]])
    >>> clf.predict(X_test[:5, :])
    array([1, 0, 1, 0, 1])
    >>> round(clf.score(X_test, y_test), 2)
    0.88
    """.format(differences=DIFFERENCES, parameters=SHARED_PARAMETERS,
               attributes=SHARED_ATTRIBUTES.format(score="Accuracy"))

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            loss="log_loss", shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
        )

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
            if self._label_binarizer.y_type_ != "multilabel-indicator" and len(self.classes_) < 2:
                raise ValueError(
                    "The number of classes has to be greater than one; got %d class"
                    % len(self.classes_)
                )
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        y = self._label_binarizer.transform(y).astype(bool)
        return X, y

    def predict(self, X):
        """Predict the class labels of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes (an indicator matrix for multilabel targets).
        """
        check_is_fitted(self)
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward(X, check_input=check_input)
        if self._label_binarizer.y_type_ == "multiclass":
            # LabelBinarizer.inverse_transform's rule for dense multiclass scores (the first
            # largest score wins), without its checks: a tenth of a millisecond per call.
            return self.classes_.take(y_pred.argmax(axis=1), mode="clip")
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, accuracy_score)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            The target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            All the classes of the problem; required on the first call, ignored later.

        Returns
        -------
        self : object
            The trained model.
        """
        def encode_classes_on_first_call():
            if _check_partial_fit_first_call(self, classes):
                self._label_binarizer = LabelBinarizer()
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)

        return self._fit_keeping_state_on_error(X, y, sample_weight, incremental=True,
                                                before_fit=encode_classes_on_first_call)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log`` of :meth:`predict_proba`.
        """
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def predict_proba(self, X):
        """Class probabilities of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        check_is_fitted(self)
        y_pred = self._forward(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMultilayerPerceptron):
    __doc__ = """Multi-layer perceptron regressor, trained by nbnet's compiled core.

    Optimises the squared error (or the Poisson half-deviance) with L-BFGS, SGD or Adam; a
    drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`. Single- and
    multi-output targets; dense or sparse (CSR/CSC) input.

{differences}
    - As in scikit-learn, the reported squared-error ``loss_`` is divided by the number
      of outputs while the gradient is that of the sum over outputs.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        The loss: squared error with an identity output, or the Poisson half-deviance with
        an exponential output (targets must be non-negative).

    {parameters}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MLPClassifier : Multi-layer perceptron classifier.

    Examples
    --------
    >>> from nbnet import MLPRegressor
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = make_regression(n_samples=200, n_features=20, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    >>> regr = MLPRegressor(random_state=1, max_iter=2000, tol=0.1)
    >>> regr = regr.fit(X_train, y_train)
    >>> regr.predict(X_test[:2]).round(1)
    array([  29. , -290.8])
    >>> round(regr.score(X_test, y_test), 2)
    0.98
    """.replace("{differences}", DIFFERENCES).format(
        parameters=SHARED_PARAMETERS, attributes=SHARED_ATTRIBUTES.format(score="R²"))

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            loss=loss, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
        )

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson regression."
            )
        return X, y

    def predict(self, X):
        """Predict with the multi-layer perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        check_is_fitted(self)
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward(X, check_input=check_input)
        if y_pred.shape[1] == 1:
            return y_pred.ravel()
        return y_pred

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, r2_score)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The trained model.
        """
        return self._fit_keeping_state_on_error(X, y, sample_weight, incremental=True)
