"""JAX's jitted training epoch of the same network, where ``jax`` and ``optax`` import.

Never a dependency of nbnet: the suite leaves JAX out when it is not installed
(``pip install jax optax``). :class:`JaxMLPClassifier` and :class:`JaxMLPRegressor` take
scikit-learn's parameter names and run exactly ``max_iter`` epochs (see
:mod:`benchmarks.fixed_epochs`), each one call of a jitted function: ``lax.scan`` over the
epoch's whole batches (forward, ``jax.grad``, optax's ``adam`` or ``sgd`` with Nesterov
momentum), then the last, shorter batch. float64 runs as float64 (``jax_enable_x64``, set
when this module first imports JAX; it changes nothing for nbnet or the other libraries).

Compiling: jitted epochs are kept per hyper-parameters and JAX keeps one compiled epoch per
shape, so that the suite's warm-up fit on the whole training set (:class:`Library`'s
``warm_up_rows``) leaves the timed fits without compiling.
"""

import importlib
import importlib.util
from functools import lru_cache

import numpy as np

from .fixed_epochs import FixedEpochsClassifier, FixedEpochsMLP, FixedEpochsRegressor


def available() -> bool:
    """Whether JAX and optax are installed (checked without importing them)."""
    return all(importlib.util.find_spec(name) is not None for name in ("jax", "optax"))


@lru_cache(maxsize=None)
def _modules():
    jax = importlib.import_module("jax")
    jax.config.update("jax_enable_x64", True)
    return jax, importlib.import_module("jax.numpy"), importlib.import_module("optax")


@lru_cache(maxsize=None)
def _epoch_function(activation: str, classifier: bool, solver: str, alpha: float,
                    learning_rate: float, beta_1: float, beta_2: float, epsilon: float,
                    momentum: float, nesterov: bool, batch_size: int):
    """The jitted epoch ``(params, state, X, targets, order) -> (params, state, loss sum)``
    and the optax optimizer, for these hyper-parameters."""
    jax, jnp, optax = _modules()
    hidden = {"relu": jax.nn.relu, "tanh": jnp.tanh, "logistic": jax.nn.sigmoid,
              "identity": lambda z: z}[activation]
    if solver == "adam":
        optimizer = optax.adam(learning_rate, b1=beta_1, b2=beta_2, eps=epsilon)
    else:
        optimizer = optax.sgd(learning_rate, momentum=momentum, nesterov=nesterov)

    def outputs(params, X):
        A = X
        for W, b in params[:-1]:
            A = hidden(A @ W + b)
        W, b = params[-1]
        return A @ W + b

    def loss(params, X, targets):
        Z = outputs(params, X)
        if classifier:
            data = -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(Z), targets[:, None], 1))
        else:
            data = 0.5 * jnp.mean((Z - targets) ** 2)
        penalty = sum(jnp.sum(W * W) for W, _ in params)
        return data + 0.5 * alpha / X.shape[0] * penalty

    def step(params, state, X, targets):
        value, grads = jax.value_and_grad(loss)(params, X, targets)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value * X.shape[0]

    @jax.jit
    def epoch(params, state, X, targets, order):
        n = order.shape[0]
        whole = n // batch_size * batch_size
        batches = order[:whole].reshape(-1, batch_size)

        def body(carry, rows):
            params, state = carry
            params, state, value = step(params, state, X[rows], targets[rows])
            return (params, state), value

        (params, state), values = jax.lax.scan(body, (params, state), batches)
        total = jnp.sum(values)
        if whole < n:
            rows = order[whole:]
            params, state, value = step(params, state, X[rows], targets[rows])
            total = total + value
        return params, state, total

    return jax.jit(outputs), epoch, optimizer


class _JaxMLP(FixedEpochsMLP):
    """The training loop shared by the classifier and the regressor."""

    name = "JAX"

    def fit(self, X, y):
        """Train for ``max_iter`` epochs; sets ``n_iter_`` and ``loss_`` (the last epoch's mean)."""
        jax, jnp, _ = _modules()
        X = np.ascontiguousarray(X)
        targets = self._encode(y, X.dtype)
        rng = np.random.default_rng(self.random_state)
        params = [(jnp.asarray(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(X.dtype)),
                   jnp.asarray(rng.uniform(-bound, bound, fan_out).astype(X.dtype)))
                  for fan_in, fan_out, bound in self._init_bounds(X.shape[1], self._n_outputs)]
        self._predict, epoch, optimizer = _epoch_function(
            self.activation, isinstance(self, FixedEpochsClassifier), self.solver,
            float(self.alpha), float(self.learning_rate_init), float(self.beta_1),
            float(self.beta_2), float(self.epsilon), float(self.momentum),
            bool(self.nesterovs_momentum), int(min(self.batch_size, X.shape[0])))
        state = optimizer.init(params)
        X, targets = jnp.asarray(X), jnp.asarray(targets)
        n = X.shape[0]
        for _ in range(self.max_iter):
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            params, state, total = epoch(params, state, X, targets, jnp.asarray(order))
        self.params_ = params
        self.n_iter_ = self.max_iter
        self.loss_ = float(total) / n  # waits for the last epoch
        return self

    def _outputs(self, X):
        return np.asarray(self._predict(self.params_, np.ascontiguousarray(X)))


class JaxMLPClassifier(_JaxMLP, FixedEpochsClassifier):
    """Softmax classifier trained with cross-entropy (multiclass targets)."""

    def _encode(self, y, dtype):
        return self._labels(y)


class JaxMLPRegressor(_JaxMLP, FixedEpochsRegressor):
    """Single-output regressor trained with half the mean squared error."""

    def _encode(self, y, dtype):
        return self._targets(y).astype(dtype)
