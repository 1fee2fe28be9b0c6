"""The bridge to scikit-learn's MLPs: a fitted nbnet estimator as a fitted scikit-learn one
with the same weights, and back (see ``to_sklearn``/``from_sklearn`` of the estimators).

A fitted scikit-learn MLP is its parameters plus the attributes that ``fit`` sets, two of
them private (``_label_binarizer``, which ``predict`` uses, and ``_no_improvement_count``,
which ``partial_fit`` reads): setting them is the only way to build one without fitting, so
this module names them, and checks the parameters with the estimator's ``_validate_params``,
beside :mod:`nbnet.mlp`, the one other module that knows scikit-learn's private names. The
optimizer's state does not cross: the next ``partial_fit`` (or warm-start ``fit``) starts a
new one, as after ``fit`` with a new solver.
"""

import copy

from sklearn.base import is_classifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.validation import check_is_fitted

# Attributes of a fitted model in both libraries (those a model has: lbfgs sets no curves).
FITTED_ATTRIBUTES = ("coefs_", "intercepts_", "n_layers_", "n_outputs_", "out_activation_",
                     "n_features_in_", "feature_names_in_", "classes_", "_label_binarizer",
                     "n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
                     "best_validation_score_", "_no_improvement_count")


def _copy_fitted(source, target):
    for name in FITTED_ATTRIBUTES:
        if hasattr(source, name):
            setattr(target, name, copy.deepcopy(getattr(source, name)))
    return target


def _sklearn_activation(activation):
    """The one activation name for scikit-learn of ``activation`` (a name, or one per layer)."""
    if isinstance(activation, str):
        return activation
    names = set(activation)
    if len(names) != 1:
        raise ValueError(
            f"scikit-learn's MLP has one activation for every hidden layer; this model has one "
            f"per layer, {list(activation)}. Export it with nbnet.onnx instead.")
    return names.pop()


def to_sklearn(estimator):
    """A fitted scikit-learn MLP with copies of ``estimator``'s weights and fitted attributes.

    Raises ValueError, naming it, where scikit-learn lacks what the model has (an activation, a
    loss, a solver or schedule: set another with ``set_params`` first where it only trains).
    """
    check_is_fitted(estimator)
    sklearn_class = MLPClassifier if is_classifier(estimator) else MLPRegressor
    shared = sklearn_class().get_params().keys()
    params = {name: value for name, value in estimator.get_params().items() if name in shared}
    params["activation"] = _sklearn_activation(estimator.activation)
    loss = estimator.get_params().get("loss", "squared_error")  # the regressor's parameter
    if "loss" not in shared and loss != "squared_error":
        raise ValueError(f"The installed scikit-learn's {sklearn_class.__name__} has no "
                         f"loss={loss!r}.")
    model = sklearn_class(**params)
    try:
        model._validate_params()
    except ValueError as error:
        raise ValueError(f"scikit-learn's {sklearn_class.__name__} cannot hold this model: "
                         f"{error}") from None
    return _copy_fitted(estimator, model)


def from_sklearn(estimator_class, model):
    """A fitted ``estimator_class`` (nbnet's) with the parameters, copies of the weights and
    the fitted attributes of scikit-learn's fitted MLP ``model``."""
    check_is_fitted(model)
    sklearn_class = MLPClassifier if is_classifier(estimator_class()) else MLPRegressor
    if not isinstance(model, sklearn_class):
        raise TypeError(f"{estimator_class.__name__}.from_sklearn takes a fitted scikit-learn "
                        f"{sklearn_class.__name__}; got {type(model).__name__}.")
    own = estimator_class().get_params().keys()
    params = {name: value for name, value in model.get_params().items() if name in own}
    estimator = _copy_fitted(model, estimator_class(**params))
    if getattr(model, "validation_scores_", None) is not None:
        # scikit-learn keeps no validation losses: unknown, NaN.
        estimator.validation_loss_curve_ = [float("nan")] * len(model.validation_scores_)
    estimator._best_theta = estimator._parameters().copy()
    return estimator
