"""ONNX export of nbnet's estimators, through skl2onnx (the optional extra ``onnx``).

:func:`register` adds nbnet's converters to skl2onnx's registry; ``skl2onnx.to_onnx`` then
converts nbnet's models and pipelines that hold them. Registering is a change to skl2onnx's
global state, so it is a call, not a side effect of an import.

Each layer is a ``MatMul`` and an ``Add`` followed by its activation's operators
(:data:`HIDDEN`, :data:`OUTPUT`), in the input's precision (double input: double; any other:
float), as skl2onnx's own MLP converter does. The outputs follow skl2onnx's conventions: a
classifier gives a label and probabilities (with its options ``zipmap``, ``nocl`` and
``output_class_labels``), a regressor its values, ``(N, n_outputs)``. The labels of a
multilabel classifier are ``(N, n_labels)`` integers, as its ``predict`` gives them.
"""

import math

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (DoubleTensorType, FloatTensorType, Int64TensorType,
                                        StringTensorType)
from skl2onnx.common.utils_classifier import get_label_classes
from skl2onnx.proto import onnx_proto

from .mlp import MLPClassifier, MLPRegressor

_FLOAT, _DOUBLE = onnx_proto.TensorProto.FLOAT, onnx_proto.TensorProto.DOUBLE
_INT64, _STRING = onnx_proto.TensorProto.INT64, onnx_proto.TensorProto.STRING
_NUMPY_TYPES = {_FLOAT: np.float32, _DOUBLE: np.float64, _INT64: np.int64}


class _Graph:
    """Adds nodes and constants of one converter call to the ONNX graph."""

    def __init__(self, scope, container, proto_dtype):
        self.scope, self.container, self.dtype = scope, container, proto_dtype

    def node(self, op_type, inputs, output=None, **attributes):
        """Add an ``op_type`` node; returns its output's name (``output``, or a new one)."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(op_type, inputs, output,
                                name=self.scope.get_unique_operator_name(op_type), **attributes)
        return output

    def constant(self, values, proto_dtype=None):
        """Add a constant (in the graph's float type unless ``proto_dtype``); returns its name."""
        proto_dtype = proto_dtype or self.dtype
        values = np.asarray(values, dtype=_NUMPY_TYPES.get(proto_dtype))
        name = self.scope.get_unique_variable_name("constant")
        self.container.add_initializer(name, proto_dtype, values.shape, values.ravel())
        return name


def _gelu(graph, x):
    """``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``, GELU's tanh form."""
    cube = graph.node("Mul", [graph.node("Mul", [x, x]), x])
    inner = graph.node("Add", [x, graph.node("Mul", [cube, graph.constant(0.044715)])])
    t = graph.node("Tanh", [graph.node("Mul", [inner, graph.constant(math.sqrt(2 / math.pi))])])
    half_x = graph.node("Mul", [x, graph.constant(0.5)])
    return graph.node("Mul", [half_x, graph.node("Add", [t, graph.constant(1.0)])])


def _leaky_relu(graph, x):
    """``max(x, 0.01 x)``: ``x`` where ``x > 0``, else ``0.01 x``."""
    return graph.node("Max", [x, graph.node("Mul", [x, graph.constant(0.01)])])


def _elu(graph, x):
    """``x`` where ``x > 0``, else ``exp(x) - 1``."""
    negative = graph.node("Sub", [graph.node("Exp", [x]), graph.constant(1.0)])
    return graph.node("Where", [graph.node("Greater", [x, graph.constant(0.0)]), x, negative])


def _softplus(graph, x):
    """``log(1 + eˣ)`` as ``max(x, 0) + log(1 + e^-|x|)``, which does not overflow."""
    tail = graph.node("Exp", [graph.node("Neg", [graph.node("Abs", [x])])])
    log = graph.node("Log", [graph.node("Add", [tail, graph.constant(1.0)])])
    return graph.node("Add", [graph.node("Relu", [x]), log])


def _operator(op_type, **attributes):
    """An activation that is one ONNX operator."""
    return lambda graph, x: graph.node(op_type, [x], **attributes)


# Hidden activations by nbnet's names (nbnet.kernels.activations.ACTIVATIONS): each builds
# f(x) from the name of x and returns the name of the result. onnxruntime has no double
# kernels of LeakyRelu, Elu and Softplus: those are built from operators that have.
HIDDEN = {
    "identity": lambda graph, x: x,
    "logistic": _operator("Sigmoid"),
    "tanh": _operator("Tanh"),
    "relu": _operator("Relu"),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "gelu": _gelu,
    "silu": lambda graph, x: graph.node("Mul", [x, graph.node("Sigmoid", [x])]),
    "softplus": _softplus,
}
# Output activations by nbnet's names (nbnet.kernels.losses.OUTPUTS).
OUTPUT = {
    "identity": HIDDEN["identity"],
    "logistic": HIDDEN["logistic"],
    "softmax": _operator("Softmax", axis=1),
    "exp": _operator("Exp"),
}


def _hidden_names(model):
    """The activation of each hidden layer, whether ``activation`` is one name or a list."""
    n_hidden = len(model.coefs_) - 1
    activation = model.activation
    return [activation] * n_hidden if isinstance(activation, str) else list(activation)


def _float_type(operator):
    """The graph's float type: double for double input, float for any other."""
    input_type = operator.inputs[0].type
    return DoubleTensorType if isinstance(input_type, DoubleTensorType) else FloatTensorType


def _network(scope, operator, container):
    """Add the network's forward pass; returns the graph and the output activations' name."""
    model = operator.raw_operator
    graph = _Graph(scope, container, _DOUBLE if _float_type(operator) is DoubleTensorType
                   else _FLOAT)
    x = graph.node("Cast", [operator.inputs[0].full_name], to=graph.dtype)
    activations = [HIDDEN[name] for name in _hidden_names(model)] + [OUTPUT[model.out_activation_]]
    for coef, intercept, activation in zip(model.coefs_, model.intercepts_, activations):
        product = graph.node("MatMul", [x, graph.constant(coef)])
        x = activation(graph, graph.node("Add", [product, graph.constant(intercept)]))
    return graph, x


def _onnx_classes(classes):
    """The class labels as ONNX stores them: ``(values, proto type)``, int64 or strings.

    Float labels are whole numbers (a classifier rejects others as continuous targets).
    """
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64), _INT64
    return np.array([str(c).encode("utf-8") for c in classes]), _STRING


def _is_multilabel(model):
    return model._label_binarizer.y_type_ == "multilabel-indicator"


def convert_classifier(scope, operator, container):
    """skl2onnx converter of :class:`nbnet.MLPClassifier`: outputs label and probabilities."""
    model = operator.raw_operator
    label, probabilities = (output.full_name for output in operator.outputs[:2])
    graph, p = _network(scope, operator, container)
    if _is_multilabel(model):
        graph.node("Identity", [p], probabilities)
        graph.node("Cast", [graph.node("Greater", [p, graph.constant(0.5)])], label, to=_INT64)
        return
    if len(model.classes_) == 1:  # a single class, predicted with probability 1
        p = graph.node("Add", [graph.node("Mul", [p, graph.constant(0.0)]), graph.constant(1.0)])
    elif model.n_outputs_ == 1:  # binary: p is the second class's probability
        p = graph.node("Concat", [graph.node("Sub", [graph.constant(1.0), p]), p], axis=1)
    graph.node("Identity", [p], probabilities)
    classes, proto_dtype = _onnx_classes(get_label_classes(scope, model))
    index = graph.node("ArgMax", [p], axis=1, keepdims=0)  # the first largest, as predict
    graph.node("Gather", [graph.constant(classes, proto_dtype), index], label, axis=0)


def convert_regressor(scope, operator, container):
    """skl2onnx converter of :class:`nbnet.MLPRegressor`: outputs ``(N, n_outputs)`` values."""
    graph, y = _network(scope, operator, container)
    graph.node("Identity", [y], operator.outputs[0].full_name)


def classifier_shapes(operator):
    """skl2onnx shape calculator of :class:`nbnet.MLPClassifier`."""
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    classes = get_label_classes(operator.scope_inst, model)
    if _is_multilabel(model):
        label = Int64TensorType([n, len(classes)])
    else:
        label = (Int64TensorType if _onnx_classes(classes)[1] == _INT64 else StringTensorType)([n])
    operator.outputs[0].type = label
    operator.outputs[1].type = _float_type(operator)([n, len(classes)])


def regressor_shapes(operator):
    """skl2onnx shape calculator of :class:`nbnet.MLPRegressor`."""
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _float_type(operator)([n, operator.raw_operator.n_outputs_])


def register() -> None:
    """Register nbnet's estimators with skl2onnx, so that ``skl2onnx.to_onnx`` converts them.

    Calling it again changes nothing. Classifiers take skl2onnx's options for classifiers:
    ``zipmap`` (True, False or 'columns'), ``nocl`` and ``output_class_labels``.

    Examples
    --------
    >>> import numpy as np, skl2onnx, nbnet.onnx
    >>> from nbnet import MLPClassifier
    >>> nbnet.onnx.register()
    >>> X = np.random.RandomState(0).rand(20, 3).astype(np.float32)
    >>> model = MLPClassifier(max_iter=5, random_state=0).fit(X, X[:, 0] > 0.5)
    >>> onx = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})
    >>> [output.name for output in onx.graph.output]
    ['label', 'probabilities']
    """
    update_registered_converter(
        MLPClassifier, "NbnetMLPClassifier", classifier_shapes, convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False],
                 "output_class_labels": [False, True]})
    update_registered_converter(MLPRegressor, "NbnetMLPRegressor", regressor_shapes,
                                convert_regressor)
