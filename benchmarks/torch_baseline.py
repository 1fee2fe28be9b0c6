"""PyTorch's plain CPU training loop of the same network, where ``import torch`` works.

Never a dependency of nbnet: the suite leaves PyTorch out when it is not installed.
:class:`TorchMLPClassifier` and :class:`TorchMLPRegressor` take scikit-learn's parameter
names so that a workload passes them the same hyperparameters; they run exactly
``max_iter`` epochs (no stopping rule, no L-BFGS) of this loop::

    for each epoch: for each mini-batch of a random permutation:
        zero_grad(); loss(model(X[batch]), y[batch]).backward(); optimizer.step()

The model is ``nn.Sequential`` of ``Linear`` layers and the hidden activation (``ReLU``,
``Tanh``, ``Sigmoid`` or none) in the input's dtype, set up as
:mod:`benchmarks.fixed_epochs` says; the L2 penalty is PyTorch's weight decay
``alpha / batch_size`` on the weights only (the same gradient term).
"""

import importlib
import importlib.util

import numpy as np

from .fixed_epochs import FixedEpochsClassifier, FixedEpochsMLP, FixedEpochsRegressor


def available() -> bool:
    """Whether PyTorch is installed (checked without importing it)."""
    return importlib.util.find_spec("torch") is not None


def torch_module():
    """The torch module, imported on first use so that processes which never train with
    PyTorch (the other libraries' memory probes) do not pay for it."""
    return importlib.import_module("torch")


class _TorchMLP(FixedEpochsMLP):
    """The training loop shared by the classifier and the regressor."""

    name = "PyTorch"

    def _network(self, n_in, n_out, dtype):
        torch = torch_module()
        activation = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "logistic": torch.nn.Sigmoid,
                      "identity": torch.nn.Identity}[self.activation]
        layers = []
        for fan_in, fan_out, bound in self._init_bounds(n_in, n_out):
            linear = torch.nn.Linear(fan_in, fan_out, dtype=dtype)
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


class TorchMLPClassifier(_TorchMLP, FixedEpochsClassifier):
    """Softmax classifier trained with cross-entropy (multiclass targets)."""

    def _encode(self, y, dtype):
        return torch_module().from_numpy(self._labels(y))

    def _loss(self, outputs, target):
        return torch_module().nn.functional.cross_entropy(outputs, target)


class TorchMLPRegressor(_TorchMLP, FixedEpochsRegressor):
    """Single-output regressor trained with half the mean squared error."""

    def _encode(self, y, dtype):
        return torch_module().from_numpy(self._targets(y)).to(dtype)

    def _loss(self, outputs, target):
        return 0.5 * torch_module().nn.functional.mse_loss(outputs, target)
