"""Update rules on flat parameter vectors, and the state they carry between epochs.

Each update is one fused loop over the flat vector (run in chunks of :data:`CHUNK`
weights): it adds the L2 term ``l2 · θ`` to the
weights' gradient (the weights are the first ``n_coefs`` entries; biases are not
penalised), applies the rule, and returns ``Σ θ_coef²`` of the weights *before* the step,
which the caller needs for the batch's penalised loss. The rules and the learning-rate
schedules follow scikit-learn 1.9's ``_stochastic_optimizers.py`` operation for operation.
"""

import numpy as np

from ._jit import subroutine

# Σ θ² is taken in float64 over chunks of this many weights, each chunk's sum in the
# parameters' dtype: a float64 accumulator inside the loop held a float32 update to 8 lanes
# (Adam on P2's 235,146 float32 parameters: 61 → 38 µs per step; float64 unchanged).
CHUNK = 2048


@subroutine
def sgd_step(theta, grad, velocity, n_coefs, l2, learning_rate, momentum, nesterov):
    """SGD with momentum: ``v ← μ v − η g``; ``θ ← θ + v``, or ``θ ← θ + μ v − η g`` (Nesterov)."""
    lr = theta.dtype.type(learning_rate)
    mu = theta.dtype.type(momentum)
    decay = theta.dtype.type(l2)
    sq = 0.0
    for start in range(0, n_coefs, CHUNK):
        stop = min(start + CHUNK, n_coefs)
        sq += _sgd_range(theta[start:stop], grad[start:stop], velocity[start:stop], decay, lr,
                         mu, nesterov)
    _sgd_range(theta[n_coefs:], grad[n_coefs:], velocity[n_coefs:], theta.dtype.type(0), lr, mu, nesterov)
    return sq


@subroutine
def _sgd_range(theta, grad, velocity, decay, lr, mu, nesterov):
    sq = theta.dtype.type(0)
    for i in range(theta.shape[0]):
        w = theta[i]
        sq += w * w
        g = grad[i] + decay * w
        v = mu * velocity[i] - lr * g
        velocity[i] = v
        theta[i] = w + (mu * v - lr * g if nesterov else v)
    return sq


@subroutine
def adam_learning_rate(learning_rate_init, beta_1, beta_2, t):
    """Adam's step size with scikit-learn's bias correction: ``η √(1 − β₂ᵗ) / (1 − β₁ᵗ)``."""
    exponent = float(t)  # as Python's float ** int computes it; no integer-power helper to compile
    return learning_rate_init * np.sqrt(1 - beta_2**exponent) / (1 - beta_1**exponent)


@subroutine
def adam_step(theta, grad, m, v, n_coefs, l2, learning_rate, beta_1, beta_2, epsilon):
    """One Adam step with the bias-corrected ``learning_rate`` (see :func:`adam_learning_rate`).

    ``m ← β₁ m + (1 − β₁) g``; ``v ← β₂ v + (1 − β₂) g²``; ``θ ← θ − η_t m / (√v + ε)``.
    """
    dtype = theta.dtype.type
    # 1 - β is formed in float64 and rounded once, as scikit-learn does: float32(0.999)
    # subtracted from 1 in float32 would be 1.3e-5 off.
    rates = (dtype(learning_rate), dtype(beta_1), dtype(1.0 - beta_1), dtype(beta_2),
             dtype(1.0 - beta_2), dtype(epsilon))
    sq = 0.0
    for start in range(0, n_coefs, CHUNK):
        stop = min(start + CHUNK, n_coefs)
        sq += _adam_range(theta[start:stop], grad[start:stop], m[start:stop], v[start:stop],
                          dtype(l2), rates)
    _adam_range(theta[n_coefs:], grad[n_coefs:], m[n_coefs:], v[n_coefs:], dtype(0), rates)
    return sq


@subroutine
def _adam_range(theta, grad, m, v, decay, rates):
    lr, b1, one_minus_b1, b2, one_minus_b2, eps = rates
    sq = theta.dtype.type(0)
    for i in range(theta.shape[0]):
        w = theta[i]
        sq += w * w
        g = grad[i] + decay * w
        mi = b1 * m[i] + one_minus_b1 * g
        vi = b2 * v[i] + one_minus_b2 * (g * g)
        m[i] = mi
        v[i] = vi
        theta[i] = w + -lr * mi / (np.sqrt(vi) + eps)
    return sq


class StochasticOptimizer:
    """State of an SGD or Adam run that outlives one epoch: moments, step count, learning rate.

    ``first_moment`` is SGD's velocity or Adam's ``m``; ``second_moment`` is Adam's ``v``
    (None for SGD); ``t`` is Adam's step count.

    Mirrors scikit-learn's ``SGDOptimizer``/``AdamOptimizer``: the learning-rate schedules
    (``iteration_ends``) and the adaptive schedule's reaction to a stall
    (``trigger_stopping``) are applied between epochs, in Python.

    Parameters
    ----------
    solver : {'sgd', 'adam'}
    n_params : length of the flat parameter vector.
    dtype : dtype of the parameters.
    learning_rate_init, lr_schedule, momentum, nesterov, power_t, beta_1, beta_2, epsilon :
        as in scikit-learn's MLP.
    """

    def __init__(self, solver, n_params, dtype, learning_rate_init, lr_schedule="constant",
                 momentum=0.9, nesterov=True, power_t=0.5, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.power_t = power_t
        # Plain floats and a bool, so that the compiled epochs see one signature per dtype.
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.first_moment = np.zeros(n_params, dtype=dtype)
        self.second_moment = np.zeros(n_params, dtype=dtype) if solver == "adam" else None
        self.t = 0

    def iteration_ends(self, time_step: int) -> None:
        """Apply the ``invscaling`` schedule after an epoch (``time_step`` samples seen so far)."""
        if self.solver == "sgd" and self.lr_schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg: str, verbose: bool) -> bool:
        """Decide whether a stalled run stops; the ``adaptive`` schedule divides the rate by 5 instead."""
        if self.solver == "adam" or self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False
