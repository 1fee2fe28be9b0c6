"""MLPClassifier and MLPRegressor: scikit-learn's estimators on nbnet's compiled core.

This is the only module that knows scikit-learn's conventions (input validation, label
encoding, parameter constraints, warnings); it imports scikit-learn's private helpers so
that no other module does. It validates the input, prepares the arrays in the model's dtype
and hands them, with its :class:`nbnet.training_state.TrainingState`, to
:mod:`nbnet.fitting`, which runs the epochs (or L-BFGS) around the compiled core; every
training call is rolled back if it raises.
"""

import warnings
from abc import ABC, abstractmethod
from functools import partial
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import sklearn.exceptions
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context, is_classifier
from sklearn.callback import CallbackSupportMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils._param_validation import (Hidden, InvalidParameterError, Interval, Options,
                                            StrOptions)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import (_check_sample_weight, check_array,
                                      check_consistent_length, check_is_fitted, validate_data)

from . import bridge
from ._docs import (CLASSIFIER_PARAMETERS, DIFFERENCES, REGRESSOR_PARAMETERS, SHARED_ATTRIBUTES,
                    SHARED_PARAMETERS)
from .fitting import Rollback, Settings, Tasks, fit_lbfgs, fit_stochastic
from .initializers import INITIALIZERS, draw
from .kernels.activations import ACTIVATIONS
from .kernels.dropout import make_dropout
from .kernels.epochs import Data, make_data, make_halves, make_workspace, splits_batches
from .kernels.network import (Model, make_layout, n_parameters, predict_outputs, unpack,
                              with_activations, workspace_size)
from .optimizers import OPTIMIZERS, make_optimizer
from .robust_losses import ROBUST_LOSSES, SKLEARN_LOSSES
from .schedules import SCHEDULES, decays_to_min
from .threads import note_blas_use, second_core_free
from .training_state import ATTRIBUTE_NAMES, TrainingState


_STOCHASTIC_SOLVERS = tuple(OPTIMIZERS)
# Rows per chunk at predict time: bounds the workspace, keeps products BLAS-sized.
_PREDICT_CHUNK = 4096
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class InconsistentVersionWarning(sklearn.exceptions.InconsistentVersionWarning):
    """Warns that an estimator is unpickled by a version of nbnet other than the one that
    pickled it (scikit-learn's warning, about nbnet's version).

    Parameters
    ----------
    estimator_name : str
        The estimator's class name.
    current_version, original_version : str
        nbnet's version now, and the one that pickled the estimator.
    """

    def __init__(self, *, estimator_name: str, current_version: str, original_version: str):
        super().__init__(estimator_name=estimator_name, current_sklearn_version=current_version,
                         original_sklearn_version=original_version)

    def __str__(self):
        return (f"Trying to unpickle estimator {self.estimator_name} from nbnet version "
                f"{self.original_sklearn_version} when using version "
                f"{self.current_sklearn_version}. This might lead to breaking code or invalid "
                "results. Use at your own risk.")


class SingleClassWarning(RuntimeWarning):
    """Warns that a classifier was fitted on a single class, which it then always predicts.

    A RuntimeWarning rather than a UserWarning: scikit-learn's MLP fits one class silently,
    and its tests turn UserWarnings into errors on that path.
    """


class NonFinitePredictionWarning(RuntimeWarning):
    """Warns that predictions are not finite (inf or NaN) although the weights and the input
    are: a value overflowed the model's dtype (the Poisson output's exp, a float32 model's
    range), typically for input far outside the training data's range.
    """


def _warn_non_finite(out: np.ndarray, out_activation: str) -> None:
    """Warn that the network outputs ``out`` hold inf or NaN, with the likely cause."""
    dtype = out.dtype
    largest = np.finfo(dtype).max
    if out_activation == "exp" and np.isposinf(out).any():
        cause = (f"the Poisson output exp(z) overflowed {dtype} (z above "
                 f"{np.log(largest):.1f})")
    else:
        cause = f"a value of the network overflowed {dtype} (largest {largest:.3g})"
    wider = " or a float64 model (fitted on float64 X)" if dtype == np.float32 else ""
    n_bad = int(np.count_nonzero(~np.isfinite(out)))
    warnings.warn(
        f"{n_bad} of the {out.size} predicted values are not finite (inf or NaN): {cause}. "
        f"The input may lie far outside the training data's range; scaled input{wider} "
        "may help.",
        NonFinitePredictionWarning,
    )


def _in_dtype(a, dtype, name):
    """``a`` (dense or sparse, numeric) in ``dtype``; values beyond its range are an error.

    A float64 value past float32's largest would otherwise become inf and the result NaN.
    """
    if a.dtype == dtype:
        return a
    if a.dtype.kind not in "biuf":  # numbers as strings are not silently parsed
        raise TypeError(f"Input {name} must be numeric; got dtype {a.dtype}.")
    if a.dtype.kind == "f" and np.dtype(dtype).itemsize < a.dtype.itemsize:
        values = a.data if sp.issparse(a) else a
        limit = np.finfo(dtype).max
        if values.size and (values.max() > limit or values.min() < -limit):
            raise ValueError(
                f"Input {name} contains infinity or a value too large for {np.dtype(dtype)!r}."
            )
    return a.astype(dtype)


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
    X = _in_dtype(X, dtype, "X")
    if sp.issparse(X):
        return np.empty((0, X.shape[1]), dtype), _csr_arrays(X, dtype)
    return np.ascontiguousarray(X, dtype=dtype), _csr_arrays(X, dtype)


class _OnState:
    """A fitted attribute that is a field of the estimator's training state
    (:data:`nbnet.training_state.ATTRIBUTE_NAMES`): read and written there, absent where the
    field is. Setting one on an estimator without a state (as ``from_sklearn`` does) gives it
    a bare one."""

    def __init__(self, field: str, name: str):
        self.field, self.name = field, name

    def __get__(self, estimator, owner=None):
        if estimator is None:
            return self
        try:
            return getattr(estimator.__dict__["_state"], self.field)
        except (KeyError, AttributeError):
            raise AttributeError(f"{type(estimator).__name__!r} object has no attribute "
                                 f"{self.name!r}") from None

    def __set__(self, estimator, value):
        setattr(estimator._training_state(), self.field, value)


class BaseMultilayerPerceptron(CallbackSupportMixin, BaseEstimator, ABC):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor`."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        # lists are checked in _validate_params; hidden, so that a wrong name gets
        # scikit-learn's message
        "activation": [StrOptions(set(ACTIVATIONS)), Hidden(list), Hidden(tuple)],
        "solver": [StrOptions({"lbfgs", *OPTIMIZERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
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
        "restore_best_weights": ["boolean"],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "min_learning_rate": [Interval(Real, 0, None, closed="left")],
        "lr_step_size": [Interval(Integral, 1, None, closed="left")],
        "lr_gamma": [Interval(Real, 0, None, closed="neither"), None],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "init": [StrOptions(set(INITIALIZERS))],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
    }

    @abstractmethod
    def __init__(self, hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
                 learning_rate_init, power_t, max_iter, loss, shuffle, random_state, tol, verbose,
                 warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
                 beta_1, beta_2, epsilon, n_iter_no_change, max_fun, restore_best_weights,
                 weight_decay, rho, min_learning_rate, lr_step_size, lr_gamma, warmup_epochs,
                 clip_grad_norm, init, dropout):
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
        self.restore_best_weights = restore_best_weights
        self.weight_decay = weight_decay
        self.rho = rho
        self.min_learning_rate = min_learning_rate
        self.lr_step_size = lr_step_size
        self.lr_gamma = lr_gamma
        self.warmup_epochs = warmup_epochs
        self.clip_grad_norm = clip_grad_norm
        self.init = init
        self.dropout = dropout

    def _validate_params(self):
        """scikit-learn's declarative checks, then those that relate parameters: a schedule's
        floor, a list of activations (known names, one per hidden layer)."""
        super()._validate_params()
        if (decays_to_min(self.learning_rate, self.lr_gamma)
                and self.min_learning_rate > self.learning_rate_init):
            raise InvalidParameterError(
                f"The 'min_learning_rate' parameter of {type(self).__name__} must be <= "
                f"learning_rate_init={self.learning_rate_init!r} with learning_rate="
                f"{self.learning_rate!r}, which decays the rate from learning_rate_init to "
                f"min_learning_rate. Got {self.min_learning_rate!r} instead."
            )
        if isinstance(self.activation, str):
            return
        names = list(self.activation)
        if not all(isinstance(name, str) and name in ACTIVATIONS for name in names):
            raise InvalidParameterError(
                f"The 'activation' parameter of {type(self).__name__} must be a str among "
                f"{sorted(ACTIVATIONS)}, or a list or tuple of them (one per hidden layer). "
                f"Got {self.activation!r} instead."
            )
        n_hidden = len(self._hidden_sizes())
        if len(names) != n_hidden:
            raise InvalidParameterError(
                f"The 'activation' parameter of {type(self).__name__} has {len(names)} names "
                f"for {n_hidden} hidden layers (hidden_layer_sizes="
                f"{self.hidden_layer_sizes!r}): give one name "
                f"per hidden layer, or one name for all. Got {self.activation!r}."
            )

    def _hidden_sizes(self) -> list:
        """``hidden_layer_sizes`` as a list (one int stands for one hidden layer), unchecked."""
        sizes = self.hidden_layer_sizes
        return list(sizes) if hasattr(sizes, "__iter__") else [sizes]

    def _init_factors(self, n_layers: int) -> list:
        """Glorot's ``c`` for each layer's weights: that of the activation the layer feeds, the
        output layer taking the last hidden layer's; with one name for all, that name's
        everywhere (scikit-learn's rule)."""
        if isinstance(self.activation, str):
            return [ACTIVATIONS[self.activation].init_factor] * n_layers
        factors = [ACTIVATIONS[name].init_factor for name in self.activation]
        return factors + [factors[-1] if factors else ACTIVATIONS["relu"].init_factor]

    # ------------------------------------------------------------------ parameters
    def _training_state(self) -> TrainingState:
        """The training state; a bare one if the estimator has none yet."""
        state = self.__dict__.get("_state")
        if state is None:
            state = self._state = TrainingState()
        return state

    def _parameters(self) -> np.ndarray:
        """The flat parameter vector behind ``coefs_`` and ``intercepts_`` (the training
        state's).

        It is re-packed from ``coefs_``/``intercepts_`` when those are no longer views of
        it: after unpickling, or when a user assigned new arrays.
        """
        theta = getattr(self.__dict__.get("_state"), "theta", None)
        arrays = [*self.coefs_, *self.intercepts_]
        if theta is None or any(a.base is not theta for a in arrays):
            units = [self.coefs_[0].shape[0], *(c.shape[1] for c in self.coefs_)]
            dtype = np.result_type(*arrays)
            theta = np.concatenate([np.ravel(a) for a in arrays]).astype(dtype, copy=False)
            self._adopt(theta, make_layout(units, self.activation, self.out_activation_))
        return theta

    def _adopt(self, theta: np.ndarray, layout) -> None:
        """Make ``theta`` the parameters: ``coefs_`` and ``intercepts_`` become its views."""
        self._training_state().theta, self._layout = theta, layout
        self.coefs_, self.intercepts_ = unpack(theta, layout)

    # A pickle holds only arrays, builtins and scikit-learn's objects besides the estimator,
    # so that skops trusts it with the estimator's class alone: the layout is rebuilt from
    # coefs_, the training state's fields are kept under the estimator's attribute names (as
    # before the state had one home, so that every version's pickles are alike), the
    # optimizer as plain data.
    def __getstate__(self):
        from . import __version__

        state = dict(super().__getstate__())
        training = state.pop("_state", None)  # coefs_/intercepts_ carry its weights
        if training is not None:
            state.update(training.as_attributes())
        state.pop("_layout", None)
        state.pop("_activated_layout", None)
        state.pop("_rollback", None)  # buffers of the last call, not part of the model
        state.pop("_validated_params", None)
        state["_nbnet_version"] = __version__
        return state

    def __setstate__(self, state):
        from . import __version__

        state = dict(state)
        version = state.pop("_nbnet_version", "unknown")
        if version != __version__:
            warnings.warn(InconsistentVersionWarning(
                estimator_name=type(self).__name__, current_version=__version__,
                original_version=version))
        if "_state" not in state:  # a pickle's fields (a copy of vars() holds the state)
            training = TrainingState.from_attributes(state)
            if vars(training):
                state["_state"] = training
        super().__setstate__(state)
        if "coefs_" in state:
            self._parameters()  # the flat vector and its layout

    def _initialize(self, y, layer_units, dtype):
        """Draw the initial weights as scikit-learn does (same calls, same order), with the
        bound of ``init`` (scikit-learn's own for 'glorot')."""
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
        draw(coefs, intercepts, self.init, self._init_factors(len(coefs)), self._random_state)
        self._state = TrainingState.initial(theta, self.solver in _STOCHASTIC_SOLVERS,
                                            self.early_stopping)
        self._adopt(theta, layout)

    # ------------------------------------------------------------------ fitting
    def _fit_or_roll_back(self, X, y, sample_weight, incremental, before_fit=None,
                          validation_data=None):
        """Fit; if anything raises, leave the estimator exactly as it was before the call.

        ``before_fit`` (optional) runs first, under the same protection. What a call may
        change of the training state is kept by a :class:`nbnet.fitting.Rollback` whose
        buffers outlive the call, so that ``partial_fit`` copies the parameters and optimizer
        state instead of allocating; the estimator's other attributes (a new training state,
        classes, layout) by a shallow copy of them. The callbacks' context is set up first,
        outside the rollback, so that scikit-learn tears the callbacks down whether the call
        succeeds or not.
        """
        if incremental:
            self._validate_changed_params()
        context = self._callback_context(incremental)
        rollback = self.__dict__.get("_rollback") or Rollback()
        in_place = hasattr(self, "coefs_") and (incremental or self.warm_start)
        attributes = dict(self.__dict__)
        rollback.save(self.__dict__.get("_state"), in_place)
        try:
            if before_fit is not None:
                before_fit()
            self._fit(X, y, sample_weight, incremental, validation_data, context)
        except BaseException:
            rollback.restore()
            self.__dict__.clear()
            self.__dict__.update(attributes)
            raise
        rollback.release()
        self._rollback = rollback
        return self

    def _validate_changed_params(self):
        """Validate the parameters if any was set since they were last validated.

        scikit-learn's ``partial_fit`` skips the validation once the model is fitted; a
        parameter set since then would reach the fit unchecked. Comparing the parameters by
        identity costs a few microseconds per call, the validation itself about 0.1 ms.
        """
        params = tuple(getattr(self, name) for name in self._parameter_constraints)
        validated = self.__dict__.get("_validated_params")
        if validated is None or any(a is not b for a, b in zip(params, validated)):
            self._validate_params()
            self._validated_params = params

    def _callback_context(self, incremental):
        """The root context of scikit-learn's callbacks for this call, or None without any."""
        if not getattr(self, "_skl_callbacks", None):
            return None
        tasks = 1 if incremental else self.max_iter + (self.solver == "lbfgs")
        return self._init_callback_context(max_subtasks=tasks)

    def _fitted_attributes(self) -> dict:
        """What a copy of this estimator needs to predict as the current weights do."""
        return {"coefs_": [c.copy() for c in self.coefs_],
                "intercepts_": [b.copy() for b in self.intercepts_]}

    def _fit(self, X, y, sample_weight, incremental, validation_data, context):
        hook_arguments = dict(
            X=X, y=y, metadata=None if sample_weight is None else {"sample_weight": sample_weight})
        if context is not None:
            context.call_on_fit_task_begin(estimator=self, **hook_arguments)
        tasks = Tasks(self, context, self._fitted_attributes, **hook_arguments)
        hidden_layer_sizes = self._hidden_sizes()
        for size in hidden_layer_sizes:
            if not isinstance(size, Integral) or isinstance(size, (bool, np.bool_)):
                raise TypeError(
                    f"'{type(size).__name__}' object cannot be interpreted as an integer: "
                    f"hidden_layer_sizes must hold integers, got {self.hidden_layer_sizes}."
                )
        if np.any(np.array(hidden_layer_sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden_layer_sizes}.")
        if self._dropout_rates(len(hidden_layer_sizes)).any() and self.solver == "lbfgs":
            raise ValueError(
                f"dropout={self.dropout!r} needs a stochastic solver {_STOCHASTIC_SOLVERS}: "
                "'lbfgs' minimises one deterministic full-batch loss, which new dropout masks "
                "would change at every evaluation. Set dropout=0.0 or choose another solver."
            )
        if validation_data is not None and self.solver not in _STOCHASTIC_SOLVERS:
            raise ValueError("validation_data is only used by the stochastic solvers "
                             f"{_STOCHASTIC_SOLVERS}; got solver='{self.solver}'.")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            # scikit-learn's checks in the weights' own dtype (its messages), then in the
            # model's: a float32 model refuses weights beyond float32's range
            sample_weight = _in_dtype(_check_sample_weight(sample_weight, X), X.dtype,
                                      "sample_weight")
        sample_weight = self._class_weighted(y, sample_weight, incremental)
        if not first_pass:  # a fitted model keeps its dtype
            X = _in_dtype(X, self._parameters().dtype, "X")
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
            self._fit_stochastic(X, y, sample_weight, incremental, validation_data, tasks)
        else:
            self._fit_lbfgs(X, y, sample_weight, tasks)
        if context is not None:
            context.call_on_fit_task_end(estimator=self, **hook_arguments,
                                         reconstruction_attributes=self._fitted_attributes)
        return self

    def _settings(self) -> Settings:
        """The parameters that steer the training loop."""
        return Settings(*(getattr(self, name) for name in Settings._fields))

    def _compiled_model(self):
        """Parameters and layout (with the current activations), as the compiled core takes them.

        The layout with the activations is kept for the names (and output parameter) it was
        built for, so that it follows ``set_params(activation=...)`` without being rebuilt on
        every call (1.5 µs, a tenth of a one-row prediction); a new ``_layout``
        (:meth:`_adopt`) replaces it.
        """
        theta = self._parameters()
        names = self.activation if isinstance(self.activation, str) else tuple(self.activation)
        key = (names, *self._output())
        cached = self.__dict__.get("_activated_layout")
        if cached is None or cached[0] is not self._layout or cached[1] != key:
            cached = (self._layout, key,
                      with_activations(self._layout, self.activation, *key[1:]))
            self._activated_layout = cached
        return Model(theta, cached[2])

    def _output(self) -> tuple[str, float]:
        """The output's key in :data:`nbnet.kernels.losses.OUTPUTS`, and its loss's parameter."""
        return self.out_activation_, 0.0

    def _class_weighted(self, Y, sample_weight, incremental):
        """``sample_weight`` with the class weights of the targets ``Y`` applied (classifier)."""
        return sample_weight

    def _dropout_rates(self, n_hidden: int) -> np.ndarray:
        """The dropout rate of each of the ``n_hidden`` hidden layers (float64), checked."""
        if isinstance(self.dropout, Real):
            return np.full(n_hidden, float(self.dropout))
        rates = np.asarray(self.dropout, dtype=np.float64)
        if rates.shape != (n_hidden,) or not np.all((rates >= 0) & (rates < 1)):
            raise ValueError(
                f"dropout must be a rate in [0, 1), or a list of one such rate per hidden "
                f"layer ({n_hidden}); got {self.dropout!r}."
            )
        return rates

    def _dropout(self, batch_size: int, dtype):
        """The compiled core's dropout for this fit, or None without dropout.

        Its seed is drawn from the fit's random state after every draw scikit-learn makes
        before the first epoch, and only when there is dropout, so that a fit without it
        draws exactly scikit-learn's numbers.
        """
        rates = self._dropout_rates(len(self._layout.sizes) - 2)
        if not rates.any():
            return None
        seed = self._random_state.randint(np.iinfo(np.int64).max, dtype=np.int64)
        masks = workspace_size(self._layout, batch_size, preactivations=False)
        return make_dropout(rates, seed, masks, dtype)

    def _data(self, X, y, sample_weight) -> Data:
        """The training arrays in the model's dtype, as the compiled core takes them."""
        dtype = self._parameters().dtype
        X_in, sparse = _compiled_input(X, dtype)
        sw = np.empty(0, dtype) if sample_weight is None else _in_dtype(
            np.ascontiguousarray(sample_weight), dtype, "sample_weight")
        return make_data(X_in, sparse, np.ascontiguousarray(_in_dtype(y, dtype, "y")), sw)

    def _fit_lbfgs(self, X, y, sample_weight, tasks):
        data = self._data(X, y, sample_weight)
        model = self._compiled_model()
        work = make_workspace(model.layout, X.shape[0], data.Y.dtype,
                              sparse_input=sp.issparse(X), weighted=sample_weight is not None)
        result, stopped = fit_lbfgs(model, self._settings(), data, work, tasks)
        self.n_iter_ = result.nit if stopped else _check_optimize_result(
            "lbfgs", result, self.max_iter)
        self.loss_ = float(result.fun)

    def _fit_stochastic(self, X, y, sample_weight, incremental, validation_data, tasks):
        theta = self._parameters()
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = make_optimizer(self.solver, theta.size, theta.dtype,
                                             self.get_params())
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        validation = None
        if validation_data is not None:
            validation = self._validation_set(validation_data)
        elif self.early_stopping:
            stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
            arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
            split = train_test_split(*arrays, random_state=self._random_state,
                                     test_size=self.validation_fraction, stratify=stratify)
            X, X_val, y, Y_val = split[:4]
            sample_weight_val = None
            if sample_weight is not None:
                sample_weight, sample_weight_val = split[4:]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the "
                    "size of your dataset."
                )
            y_val = self._label_binarizer.inverse_transform(Y_val) if is_classifier(self) else Y_val
            validation = (X_val, Y_val, y_val, sample_weight_val)
        validate = None
        if validation is not None:
            self._state.start_validation_curves()
            validate = partial(self._validate, *validation)
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
        data = self._data(X, y, sample_weight)
        # sized for the current activations (gelu and silu layers need more room)
        model = self._compiled_model()
        layout = model.layout
        shapes = dict(sparse_input=sp.issparse(X), weighted=sample_weight is not None)
        work = make_workspace(layout, batch_size, theta.dtype, **shapes)
        dropout = self._dropout(batch_size, theta.dtype)
        halves = None
        if splits_batches(layout, batch_size):
            # a helper thread for a whole fit, not for one partial_fit epoch
            threads = 2 if not incremental and second_core_free() else 1
            halves = make_halves(layout, batch_size, theta.dtype, threads, dropout=dropout,
                                 **shapes)
        fit_stochastic(self._state, model, self._settings(), data, batch_size, incremental, work,
                       self._random_state, validate, tasks, dropout, halves)

    def _validation_set(self, validation_data):
        """``(X_val, Y_val, y_val, sample_weight_val)`` from ``validation_data``, checked.

        ``Y_val`` are the targets as the network learns them (the binarized labels of a
        classifier), ``y_val`` as :meth:`score` takes them.
        """
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, "
                f"sample_weight_val); got {type(validation_data).__name__}"
                + (f" of length {len(validation_data)}." if hasattr(validation_data, "__len__")
                   else ".")
            )
        X_val, y_val, *weights = validation_data
        X_val = self._validated_input(X_val)
        y_val = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val")
        check_consistent_length(X_val, y_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        Y_val = self._validation_targets(y_val)
        if Y_val.ndim == 1:
            Y_val = Y_val.reshape(-1, 1)
        if Y_val.shape[1] != self.n_outputs_:
            raise ValueError(f"validation_data's y has {Y_val.shape[1]} outputs; the model has "
                             f"{self.n_outputs_}.")
        sample_weight_val = _check_sample_weight(weights[0], X_val) if weights else None
        return X_val, Y_val, y_val, sample_weight_val

    def _validate(self, X_val, Y_val, y_val, sample_weight_val):
        """Validation score and loss of the current weights (one forward pass).

        The loss is scikit-learn's loss of the model without the L2 penalty, as ``loss_``
        reports it with the penalty.
        """
        outputs = self._forward(X_val, check_input=False)
        name = "binary_log_loss" if self.out_activation_ == "logistic" else self.loss
        if name in ROBUST_LOSSES:
            loss = float(ROBUST_LOSSES[name](Y_val, outputs, sample_weight_val, self._output()[1]))
        else:
            loss = float(SKLEARN_LOSSES[name](Y_val, outputs, sample_weight_val))
        return self._score_outputs(outputs, y_val, sample_weight_val), loss

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, validation_data=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains a float32 model; other dtypes float64.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets (class labels in classification, real numbers in regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), \
default=None
            A validation set (stochastic solvers only). After each epoch the model's score and
            loss on it are recorded in ``validation_scores_`` and ``validation_loss_curve_``;
            with ``early_stopping=True`` it replaces the held-out ``validation_fraction``.
            The loss is the training loss without the L2 penalty.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit_or_roll_back(X, y, sample_weight, incremental=False,
                                      validation_data=validation_data)

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
        predict_outputs(model, X_in, sparse, out, workspace)
        if check_input:  # a prediction, not a fit's validation pass between its epochs
            note_blas_use()
            if not np.isfinite(out).all():
                _warn_non_finite(out, self.out_activation_)
        return out

    def _validated_input(self, X):
        """``validate_data(self, X, reset=False)``, skipped for input it would return unchanged.

        Saves about 0.1 ms per call, most of a one-row prediction (see :meth:`_is_plain_input`).
        """
        if self._is_plain_input(X):
            return X
        return validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)

    def _validated_training_data(self, X, y, reset, **checks):
        """``validate_data(self, X, y, ...)``, skipped for a later call's plain arrays.

        The full check took a third of a small ``partial_fit``. A fitted model given a plain
        ``X`` (:meth:`_is_plain_input`) and a 1-D or 2-D ``y`` of as many rows, of integers,
        booleans, finite floats or (labels only) strings, gets them back as they are.
        """
        kinds = "iub" if checks.get("y_numeric") else "iubUS"  # labels may be strings
        if not reset and self._is_plain_input(X) and type(y) is np.ndarray and (
                y.ndim in (1, 2) and y.shape[0] == X.shape[0] and y.size
                and (y.dtype.kind in kinds or y.dtype.kind == "f" and np.isfinite(y).all())):
            return X, y
        return validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset, **checks)

    def _is_plain_input(self, X) -> bool:
        """Whether ``validate_data`` would return ``X`` unchanged and silent.

        True for a finite float32/float64 ndarray of the fitted width, given to a model
        fitted without feature names; anything else takes the full check, with its
        conversions, warnings and error messages.
        """
        if (type(X) is np.ndarray and X.ndim == 2 and X.dtype in _FLOAT_DTYPES
                and X.shape[0] > 0 and X.shape[1] == self.n_features_in_
                and not hasattr(self, "feature_names_in_")):
            with np.errstate(over="ignore"):  # an overflowing sum takes the full check
                return bool(np.isfinite(X.sum()))
        return False

    def _score_outputs(self, outputs, y, sample_weight):
        """:meth:`score` of the network outputs ``outputs`` (NaN where they are not finite)."""
        y_pred = self._predictions(outputs)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    # ------------------------------------------------------------------ scikit-learn bridge
    def to_sklearn(self) -> BaseEstimator:
        """This fitted model as scikit-learn's MLP, with copies of its weights.

        The scikit-learn estimator has the parameters both libraries share and the fitted
        attributes its ``predict``, ``predict_proba`` and ``score`` use; it predicts as this
        model does, to round-off. The optimizer's state is not carried: a later
        ``partial_fit`` starts a new one.

        Returns
        -------
        model : sklearn.neural_network.MLPClassifier or MLPRegressor
            The fitted scikit-learn estimator.

        Raises
        ------
        ValueError
            Where scikit-learn lacks what this model has: one activation per hidden layer, an
            activation, loss, solver or schedule of nbnet's own (a solver or schedule only
            trains: ``set_params`` another first).
        """
        return bridge.to_sklearn(self)

    @classmethod
    def from_sklearn(cls, model: BaseEstimator) -> "BaseMultilayerPerceptron":
        """nbnet's estimator of scikit-learn's fitted MLP ``model``, with copies of its weights.

        The result has ``model``'s parameters and fitted attributes; it predicts as ``model``
        does, to round-off, and goes on training with ``partial_fit`` or a warm-start ``fit``
        (with a new optimizer state).

        Parameters
        ----------
        model : sklearn.neural_network.MLPClassifier or MLPRegressor
            A fitted scikit-learn MLP of this estimator's kind.

        Returns
        -------
        estimator : MLPClassifier or MLPRegressor
            The fitted nbnet estimator.
        """
        return bridge.from_sklearn(cls, model)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# scikit-learn's fitted attributes of training (n_iter_, loss_curve_, ...) are the training
# state's fields.
for _field, _name in ATTRIBUTE_NAMES.items():
    setattr(BaseMultilayerPerceptron, _name, _OnState(_field, _name))


def _weight_table(class_weight: dict, classes: np.ndarray, name: str) -> np.ndarray:
    """The weight of each of ``classes`` (float64) given by the dict ``class_weight``; 1 for a
    class it does not name. A key that is none of the classes is an error."""
    table = np.ones(len(classes))
    unknown = []
    for label, weight in class_weight.items():
        where = np.flatnonzero(classes == label)
        if where.size:
            table[where[0]] = weight
        else:
            unknown.append(label)
    if unknown:
        raise ValueError(f"{name} has classes not in the targets' classes {classes.tolist()}: "
                         f"{unknown}.")
    return table


def _class_weight_problem(class_weight) -> str | None:
    """What makes ``class_weight`` (a dict, or a list of them) invalid whatever the targets:
    an entry that is no dict, or a weight that is not a finite number >= 0. None if nothing."""
    if not isinstance(class_weight, (dict, list)):
        return None
    listed = isinstance(class_weight, list)
    for k, weights in enumerate(class_weight if listed else [class_weight]):
        where = f"class_weight[{k}]" if listed else "class_weight"
        if not isinstance(weights, dict):
            return f"{where} is a {type(weights).__name__}, not a dict"
        for label, weight in weights.items():
            if not isinstance(weight, Real):
                return f"{where}[{label!r}] = {weight!r} is not a number"
            if not (np.isfinite(weight) and weight >= 0):
                return f"{where}[{label!r}] = {weight!r} is not a finite number >= 0"
    return None


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
    """.format(differences=DIFFERENCES, parameters=SHARED_PARAMETERS + CLASSIFIER_PARAMETERS,
               attributes=SHARED_ATTRIBUTES.format(score="Accuracy"))

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, list, None],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 restore_best_weights=False, weight_decay=0.01, rho=0.99, min_learning_rate=0.0,
                 lr_step_size=10, lr_gamma=None, warmup_epochs=0, clip_grad_norm=None,
                 init="glorot", dropout=0.0, class_weight=None):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            loss="log_loss", shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            restore_best_weights=restore_best_weights, weight_decay=weight_decay, rho=rho,
            min_learning_rate=min_learning_rate, lr_step_size=lr_step_size, lr_gamma=lr_gamma,
            warmup_epochs=warmup_epochs, clip_grad_norm=clip_grad_norm, init=init,
            dropout=dropout,
        )
        self.class_weight = class_weight

    def _validate_params(self):
        """The base checks, then each class weight: a finite number >= 0."""
        super()._validate_params()
        problem = _class_weight_problem(self.class_weight)
        if problem is not None:
            raise InvalidParameterError(
                f"The 'class_weight' parameter of {type(self).__name__} must be 'balanced', a "
                "dict {class_label: weight} of finite weights >= 0, a list of such dicts (one "
                f"per label of multilabel targets) or None: {problem}. Got "
                f"{self.class_weight!r} instead."
            )

    def _class_weighted(self, Y, sample_weight, incremental):
        """``sample_weight`` times the weights ``class_weight`` gives the samples of the
        binarized targets ``Y``: those of scikit-learn's ``compute_sample_weight``."""
        class_weight = self.class_weight
        if class_weight is None:
            return sample_weight
        multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        # Each sample's class, as an index into classes_ (a column of 0/1 per label).
        labels = Y.astype(np.intp) if multilabel else (
            Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp))
        if isinstance(class_weight, str):  # 'balanced'
            if incremental:
                raise ValueError(
                    "class_weight '{0}' is not supported for partial_fit. In order to use "
                    "'balanced' weights, use compute_class_weight('{0}', classes=classes, y=y). "
                    "In place of y you can use a large enough sample of the full training set "
                    "target to properly estimate the class frequency distributions. Pass the "
                    "resulting weights as the class_weight parameter.".format(class_weight))
            weights = compute_sample_weight(class_weight, labels)
        elif multilabel:
            if (not isinstance(class_weight, list) or len(class_weight) != Y.shape[1]
                    or not all(isinstance(weights, dict) for weights in class_weight)):
                raise ValueError(
                    f"For multilabel targets, class_weight must be 'balanced' or a list of one "
                    f"dict per label ({Y.shape[1]}), keyed by 0 and 1; got {class_weight!r}.")
            tables = [_weight_table(weights, np.array([0, 1]), f"class_weight[{k}]")
                      for k, weights in enumerate(class_weight)]
            weights = np.prod([table[labels[:, k]] for k, table in enumerate(tables)], axis=0,
                              dtype=np.float64)
        elif isinstance(class_weight, dict):
            weights = _weight_table(class_weight, self.classes_, "class_weight")[labels]
        else:
            raise ValueError("class_weight must be 'balanced', a dict or None (a list of dicts "
                             f"is for multilabel targets); got {class_weight!r}.")
        weighted = weights if sample_weight is None else sample_weight * weights
        if not weighted.any():  # scikit-learn's rule for sample weights (_check_sample_weight)
            raise ValueError(
                f"class_weight={class_weight!r} gives every sample weight 0"
                + ("" if sample_weight is None else " (times sample_weight)")
                + ": sample weights must contain at least one non-zero number. Give at least "
                "one class of the targets a positive weight."
            )
        return weighted

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validated_training_data(X, y, reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
            self._warn_if_single_class()
        elif not self.warm_start and (encoded := self._encode_known_labels(y)) is not None:
            return X, encoded  # every label is in classes_
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
        encoded = self._encode_known_labels(y)
        return X, self._label_binarizer.transform(y).astype(bool) if encoded is None else encoded

    def _validation_targets(self, y_val):
        """The binarized labels of a validation set; labels unknown to the model are an error."""
        encoded = self._encode_known_labels(y_val)
        if encoded is None:
            unknown = np.setdiff1d(unique_labels(y_val), self.classes_)
            if len(unknown):
                raise ValueError(f"validation_data's y has classes not in `self.classes_`: "
                                 f"{unknown}. `self.classes_` has {self.classes_}.")
            encoded = self._label_binarizer.transform(y_val).astype(bool)
        return encoded

    def _encode_known_labels(self, y):
        """``y`` as the label binarizer's 0/1 targets (bool), if it has only known labels.

        Covers a 1-D array of binary or multiclass labels, all of them in ``classes_``;
        returns None for anything else, which goes through scikit-learn's checks and the
        binarizer, with their errors. Those checks took most of a small ``partial_fit``.
        """
        classes = self.classes_
        if not (type(y) is np.ndarray and y.ndim == 1 and y.dtype == classes.dtype
                and self._label_binarizer.y_type_ in ("binary", "multiclass")):
            return None
        index = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        if not np.array_equal(classes[index], y):
            return None
        if self._label_binarizer.y_type_ == "binary":
            return (index == 1).reshape(-1, 1)
        encoded = np.zeros((y.shape[0], len(classes)), dtype=bool)
        encoded[np.arange(y.shape[0]), index] = True
        return encoded

    def _single_class(self) -> bool:
        return self._label_binarizer.y_type_ != "multilabel-indicator" and len(self.classes_) == 1

    def _warn_if_single_class(self):
        if self._single_class():
            warnings.warn(
                f"y has a single class, {self.classes_.tolist()[0]!r}: the model predicts it for every "
                "sample, with probability 1.",
                SingleClassWarning,
            )

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
        return self._predictions(self._forward(X))

    def _predictions(self, y_pred):
        """Labels of the network outputs ``y_pred``."""
        if self._single_class():
            return np.repeat(self.classes_, y_pred.shape[0])
        if self._label_binarizer.y_type_ == "multiclass":
            # LabelBinarizer.inverse_transform's rule for dense multiclass scores (the first
            # largest score wins), without its checks: a tenth of a millisecond per call.
            return self.classes_.take(y_pred.argmax(axis=1), mode="clip")
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    _score_function = staticmethod(accuracy_score)

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
                self._warn_if_single_class()

        return self._fit_or_roll_back(X, y, sample_weight, incremental=True,
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
        if self._single_class():
            return np.ones_like(y_pred)
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

    Optimises the squared error (or the Poisson half-deviance, or a robust loss) with L-BFGS,
    SGD or Adam; a drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`.
    Single- and multi-output targets; dense or sparse (CSR/CSC) input.

{differences}
    - As in scikit-learn, the reported squared-error ``loss_`` is divided by the number
      of outputs while the gradient is that of the sum over outputs.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson', 'huber', 'absolute_error', 'quantile'}}, \
default='squared_error'
        The loss: squared error with an identity output, or the Poisson half-deviance with
        an exponential output (targets must be non-negative). nbnet adds, with an identity
        output and the loss's own derivative as the output error: 'huber' (``r²/2`` where
        ``|r| ≤ huber_delta``, else ``huber_delta (|r| − huber_delta/2)``, r = y − p, so
        that a huge ``huber_delta`` is squared error), 'absolute_error' (``|r|``, subgradient
        ``sign``, 0 at 0) and 'quantile' (the pinball loss of ``quantile``: ``q r`` where
        r ≥ 0, else ``(q − 1) r``). As for squared error, the reported loss is averaged over
        the outputs and the gradient is that of their sum.

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
        parameters=SHARED_PARAMETERS + REGRESSOR_PARAMETERS,
        attributes=SHARED_ATTRIBUTES.format(score="R²"))

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", *ROBUST_LOSSES})],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 restore_best_weights=False, weight_decay=0.01, rho=0.99, min_learning_rate=0.0,
                 lr_step_size=10, lr_gamma=None, warmup_epochs=0, clip_grad_norm=None,
                 init="glorot", dropout=0.0, huber_delta=1.0, quantile=0.5):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            loss=loss, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun, restore_best_weights=restore_best_weights,
            weight_decay=weight_decay, rho=rho, min_learning_rate=min_learning_rate,
            lr_step_size=lr_step_size, lr_gamma=lr_gamma, warmup_epochs=warmup_epochs,
            clip_grad_norm=clip_grad_norm, init=init, dropout=dropout,
        )
        self.huber_delta = huber_delta
        self.quantile = quantile

    def _output(self) -> tuple[str, float]:
        """The identity output with a robust loss is keyed by the loss, with its parameter."""
        if self.out_activation_ == "identity" and self.loss in ROBUST_LOSSES:
            return self.loss, {"huber": self.huber_delta, "quantile": self.quantile}.get(
                self.loss, 0.0)
        return self.out_activation_, 0.0

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validated_training_data(X, y, reset, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._check_target_domain(y, "y")
        return X, y

    def _check_target_domain(self, y, name):
        """Targets ``y`` (called ``name``) must be non-negative for the Poisson loss, as
        scikit-learn requires of y; the other losses take any real target."""
        if self.loss == "poisson" and y.dtype.kind in "biuf" and np.any(y < 0):
            raise ValueError(
                f"Some value(s) of {name} are negative which is not allowed for Poisson "
                "regression."
            )

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
        return self._predictions(self._forward(X))

    def _validation_targets(self, y_val):
        """The targets of a validation set, as floats, taken as y is: objects converted to
        floats (scikit-learn's ``_check_y``), values in the loss's domain."""
        if y_val.dtype.kind == "O":
            y_val = y_val.astype(np.float64)
        if y_val.dtype.kind not in "fiub":
            raise ValueError(f"validation_data's y must be numeric; got dtype {y_val.dtype}.")
        self._check_target_domain(y_val, "validation_data's y")
        return y_val.astype(np.float64, copy=False)

    @staticmethod
    def _predictions(y_pred):
        """Predicted values from the network outputs ``y_pred`` (one column: a 1-D array)."""
        if y_pred.shape[1] == 1:
            return y_pred.ravel()
        return y_pred

    _score_function = staticmethod(r2_score)

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
        return self._fit_or_roll_back(X, y, sample_weight, incremental=True)
