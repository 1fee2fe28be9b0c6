"""PyTorch's plain CPU training loop of the same network, where ``import torch`` works.

Never a dependency of nbnet: the suite leaves PyTorch out when it is not installed.
:class:`TorchMLPClassifier` and :class:`TorchMLPRegressor` take scikit-learn's parameter
names so that a workload passes them the same hyperparameters; they run exactly
``max_iter`` epochs (no stopping rule, no L-BFGS) of this loop::

    for each epoch: for each mini-batch of a random permutation:
        zero_grad(); loss(model(X[batch]), y[batch]).backward(); optimizer.step()

The model is ``nn.Sequential`` of ``Linear`` layers and the hidden activation (``ReLU``,
``Tanh``, ``Sigmoid`` or none) in the input's dtype, initialised as scikit-learn does
(uniform ±√(k / (fan_in + fan_out)) for weights and biases, k = 2 for logistic, else 6). The L2
penalty ``alpha`` becomes weight decay ``alpha / batch_size`` on the weights only, which is
scikit-learn's gradient term; the squared error is halved as in scikit-learn.
"""

import importlib
import importlib.util

import numpy as np
from sklearn.metrics import accuracy_score, r2_score


def available() -> bool:
    """Whether PyTorch is installed (checked without importing it)."""
    return importlib.util.find_spec("torch") is not None


def torch_module():
    """The torch module, imported on first use so that processes which never train with
    PyTorch (the other libraries' memory probes) do not pay for it."""
    return importlib.import_module("torch")


class _TorchMLP:
    """The training loop shared by the classifier and the regressor."""

    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", solver="adam", alpha=0.0001,
                 batch_size=200, learning_rate_init=0.001, max_iter=200, shuffle=True,
                 random_state=None, momentum=0.9, nesterovs_momentum=True, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, tol=None, n_iter_no_change=None):
        # tol and n_iter_no_change are accepted for a common signature; the loop ignores them.
        if solver not in ("sgd", "adam"):
            raise ValueError(f"The PyTorch baseline supports 'sgd' and 'adam', not {solver!r}.")
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _network(self, n_in, n_out, dtype):
        torch = torch_module()
        activation = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "logistic": torch.nn.Sigmoid,
                      "identity": torch.nn.Identity}[self.activation]
        factor = 2.0 if self.activation == "logistic" else 6.0
        sizes = [n_in, *self.hidden_layer_sizes, n_out]
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            linear = torch.nn.Linear(fan_in, fan_out, dtype=dtype)
            bound = float(np.sqrt(factor / (fan_in + fan_out)))
            torch.nn.init.uniform_(linear.weight, -bound, bound)
            torch.nn.init.uniform_(linear.bias, -bound, bound)
            layers += [linear, activation()]
        return torch.nn.Sequential(*layers[:-1])

    def _optimizer(self, model):
        torch = torch_module()
        groups = [
            {"params": [p for n, p in model.named_parameters() if n.endswith("weight")],
             "weight_decay": self.alpha / self.batch_size},
            {"params": [p for n, p in model.named_parameters() if n.endswith("bias")],
             "weight_decay": 0.0},
        ]
        if self.solver == "adam":
            return torch.optim.Adam(groups, lr=self.learning_rate_init,
                                    betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        return torch.optim.SGD(groups, lr=self.learning_rate_init, momentum=self.momentum,
                               nesterov=self.nesterovs_momentum)

    def fit(self, X, y):
        """Train for ``max_iter`` epochs; sets ``n_iter_`` and ``loss_`` (the last epoch's mean)."""
        torch = torch_module()
        if self.random_state is not None:
            torch.manual_seed(self.random_state)
        X = torch.from_numpy(np.ascontiguousarray(X))
        target = self._encode(y, X.dtype)
        self.model_ = self._network(X.shape[1], self._n_outputs, X.dtype)
        optimizer = self._optimizer(self.model_)
        n = X.shape[0]
        for _ in range(self.max_iter):
            order = torch.randperm(n) if self.shuffle else torch.arange(n)
            total = torch.zeros((), dtype=X.dtype)
            for start in range(0, n, self.batch_size):
                batch = order[start : start + self.batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss = self._loss(self.model_(X[batch]), target[batch])
                loss.backward()
                optimizer.step()
                total += loss.detach() * batch.shape[0]
        self.n_iter_ = self.max_iter
        self.loss_ = float(total) / n
        return self

    def _outputs(self, X):
        torch = torch_module()
        with torch.no_grad():
            return self.model_(torch.from_numpy(np.ascontiguousarray(X))).numpy()


class TorchMLPClassifier(_TorchMLP):
    """Softmax classifier trained with cross-entropy (multiclass targets)."""

    def _encode(self, y, dtype):
        self.classes_, codes = np.unique(y, return_inverse=True)
        self._n_outputs = len(self.classes_)
        return torch_module().from_numpy(codes.astype(np.int64))

    def _loss(self, outputs, target):
        return torch_module().nn.functional.cross_entropy(outputs, target)

    def predict(self, X):
        """Predicted class labels."""
        return self.classes_[self._outputs(X).argmax(axis=1)]

    def score(self, X, y):
        """Accuracy."""
        return accuracy_score(y, self.predict(X))


class TorchMLPRegressor(_TorchMLP):
    """Single-output regressor trained with half the mean squared error."""

    def _encode(self, y, dtype):
        self._n_outputs = 1
        return torch_module().from_numpy(np.asarray(y).reshape(-1, 1)).to(dtype)

    def _loss(self, outputs, target):
        return 0.5 * torch_module().nn.functional.mse_loss(outputs, target)

    def predict(self, X):
        """Predicted values."""
        return self._outputs(X).ravel()

    def score(self, X, y):
        """R²."""
        return r2_score(y, self.predict(X))
