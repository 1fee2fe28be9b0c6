"""Update rules on flat parameter vectors: one fused loop per rule, chosen by code.

An optimizer's state is ``slots``, an ``(n_slots, P)`` array of the parameters' dtype (SGD's
velocity; Adam's ``m`` and ``v``), its hyper-parameters a small float64 array, and the
learning rate of each step comes from the caller (Adam's bias correction folded in), so that
one compiled epoch serves every rule. :data:`UPDATES` maps the names to the codes and shapes;
a code outside the table raises ``ValueError`` in compiled code.

Each update is one fused loop over the flat vector (run in chunks of :data:`CHUNK`
weights): it adds the L2 term ``l2 · θ`` to the weights' gradient (the weights are the first
``n_coefs`` entries; biases are not penalised), applies the rule, and returns ``Σ θ_coef²``
of the weights *before* the step, which the caller needs for the batch's penalised loss. The
rules follow scikit-learn 1.9's ``_stochastic_optimizers.py`` operation for operation.
"""

from typing import NamedTuple

import math

from ._jit import subroutine

# Σ θ² is taken in float64 over chunks of this many weights, each chunk's sum in the
# parameters' dtype: a float64 accumulator inside the loop held a float32 update to 8 lanes
# (Adam on P2's 235,146 float32 parameters: 61 → 38 µs per step; float64 unchanged).
CHUNK = 2048


class Rule(NamedTuple):
    """A row of :data:`UPDATES`: the kernels' ``code``, the number of state slots, and the
    names of the hyper-parameters in the order of the ``hyper`` array."""

    code: int
    n_slots: int
    hyper: tuple


SGD, ADAM = 0, 1
UPDATES = {
    "sgd": Rule(SGD, 1, ("momentum", "nesterov")),
    "adam": Rule(ADAM, 2, ("beta_1", "beta_2", "epsilon")),
}


@subroutine
def update(code, theta, grad, slots, n_coefs, l2, learning_rate, hyper):
    """One step of rule ``code`` on ``theta`` with gradient ``grad`` (left unchanged).

    ``slots`` and ``hyper`` are the rule's state and hyper-parameters (see the module
    docstring); ``l2`` multiplies the weights in their gradient. Returns ``Σ θ²`` of the
    weights before the step.

    The rule's loop runs on zero-based views of each chunk of weights, then of the biases (a
    loop from ``start`` kept a negative-index check that blocked vectorisation). The switch
    costs one branch per chunk, so each rule's loop needs no inlined copy.
    """
    first, last = slots[0], slots[slots.shape[0] - 1]  # with one slot (SGD), last is unused
    n = theta.shape[0]
    sq = 0.0
    start = 0
    while start < n:
        weights = start < n_coefs
        stop = min(start + CHUNK, n_coefs) if weights else n
        decay = l2 if weights else 0.0
        if code == SGD:
            part = _sgd_range(theta[start:stop], grad[start:stop], first[start:stop], decay,
                              learning_rate, hyper)
        elif code == ADAM:
            part = _adam_range(theta[start:stop], grad[start:stop], first[start:stop],
                               last[start:stop], decay, learning_rate, hyper)
        else:
            raise ValueError("unknown update code")
        if weights:
            sq += part
        start = stop
    return sq


@subroutine
def _sgd_range(theta, grad, velocity, l2, learning_rate, hyper):
    """SGD with momentum: ``v ← μ v − η g``; ``θ ← θ + v``, or ``θ ← θ + μ v − η g`` (Nesterov).

    ``hyper = (momentum, nesterov)``, Nesterov's flag as 0.0 or 1.0.
    """
    dtype = theta.dtype.type
    decay, lr, mu = dtype(l2), dtype(learning_rate), dtype(hyper[0])
    nesterov = hyper[1] != 0
    sq = dtype(0)
    for i in range(theta.shape[0]):
        w = theta[i]
        sq += w * w
        g = grad[i] + decay * w
        v = mu * velocity[i] - lr * g
        velocity[i] = v
        theta[i] = w + (mu * v - lr * g if nesterov else v)
    return sq


@subroutine
def _adam_range(theta, grad, m, v, l2, learning_rate, hyper):
    """Adam with the bias-corrected ``learning_rate`` ``η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)``:
    ``m ← β₁ m + (1 − β₁) g``; ``v ← β₂ v + (1 − β₂) g²``; ``θ ← θ − η_t m / (√v + ε)``.

    ``hyper = (beta_1, beta_2, epsilon)``.
    """
    dtype = theta.dtype.type
    beta_1, beta_2 = hyper[0], hyper[1]
    # 1 - β is formed in float64 and rounded once, as scikit-learn does: float32(0.999)
    # subtracted from 1 in float32 would be 1.3e-5 off.
    decay, lr, eps = dtype(l2), dtype(learning_rate), dtype(hyper[2])
    b1, one_minus_b1 = dtype(beta_1), dtype(1.0 - beta_1)
    b2, one_minus_b2 = dtype(beta_2), dtype(1.0 - beta_2)
    sq = dtype(0)
    for i in range(theta.shape[0]):
        w = theta[i]
        sq += w * w
        g = grad[i] + decay * w
        mi = b1 * m[i] + one_minus_b1 * g
        vi = b2 * v[i] + one_minus_b2 * (g * g)
        m[i] = mi
        v[i] = vi
        # math.sqrt: the same llvm.sqrt as np.sqrt, without typing a NumPy ufunc (0.1 s cold)
        theta[i] = w + -lr * mi / (math.sqrt(vi) + eps)
    return sq
