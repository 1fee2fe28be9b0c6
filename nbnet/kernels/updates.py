"""Update rules on flat parameter vectors: one fused loop per family of rules, chosen by code.

An optimizer's state is ``slots``, an ``(n_slots, P)`` array of the parameters' dtype (SGD's
velocity; the moments ``m`` and ``v`` of the others), its hyper-parameters a small float64
array, and the learning rate of each step comes from the caller (the schedule and Adam's bias
correction folded in), as does AdamW's decoupled decay ``η_t λ`` and the gradient-clipping
factor of the batch, so that one compiled epoch serves every rule. :data:`UPDATES` maps the
names to the codes and shapes; a code outside the table raises ``ValueError`` in compiled code.

Each update is one fused loop over the flat vector (run in chunks of :data:`CHUNK`
weights): it adds the L2 term ``l2 · θ`` to the weights' gradient (the weights are the first
``n_coefs`` entries; biases are not penalised), applies the rule, and returns ``Σ θ_coef²``
of the weights *before* the step, which the caller needs for the batch's penalised loss. SGD
and Adam follow scikit-learn 1.9's ``_stochastic_optimizers.py`` operation for operation;
AdamW, RMSprop and Adagrad follow PyTorch's ``torch.optim`` (no ``centered`` RMSprop, no
Adagrad ``lr_decay``). Only two loops exist, because each loop costs every stochastic fit's
cold compile whatever its rule: SGD's, and Adam's, which with the right constants is each of
the others (:func:`moments`): AdamW's decoupled decay is a factor ``1 − η_t λ`` on the
weights; with ``β₁ = 0`` the first moment is the gradient exactly (``0 · m + 1 · g = g``), so
that Adam's step at the caller's rate without bias correction is RMSprop's (``β₂ = ρ``) or
Adagrad's (``β₂ = 1`` and ``1 − β₂`` taken as 1). RMSprop and Adagrad so keep two slots, the
first holding the last gradient.
"""

from typing import NamedTuple

import math

import numpy as np

from ._jit import subroutine

# Σ θ² is taken in float64 over chunks of this many weights, each chunk's sum in the
# parameters' dtype: a float64 accumulator inside the loop held a float32 update to 8 lanes
# (Adam's float32 step took 1.6 times as long on P2's parameters; 2-core AVX-512 AMD EPYC,
# 2026-12).
CHUNK = 2048


class Rule(NamedTuple):
    """A row of :data:`UPDATES`: the kernels' ``code``, the number of state slots, and the
    names of the hyper-parameters in the order of the ``hyper`` array."""

    code: int
    n_slots: int
    hyper: tuple


SGD, ADAM, ADAMW, RMSPROP, ADAGRAD = 0, 1, 2, 3, 4
MOMENTS = ("beta_1", "1 - beta_1", "beta_2", "1 - beta_2", "epsilon")  # see moments()
UPDATES = {
    "sgd": Rule(SGD, 1, ("momentum", "nesterov")),
    "adam": Rule(ADAM, 2, MOMENTS),
    "adamw": Rule(ADAMW, 2, MOMENTS),
    "rmsprop": Rule(RMSPROP, 2, MOMENTS),
    "adagrad": Rule(ADAGRAD, 2, MOMENTS),
}


def moments(beta_1: float, beta_2: float, epsilon: float,
            gain_2: float | None = None) -> np.ndarray:
    """The ``hyper`` array of Adam's loop, ``(β₁, 1 − β₁, β₂, 1 − β₂, ε)`` in float64.

    ``1 − β`` is formed in float64 and rounded once to the parameters' dtype, as
    scikit-learn does (float32(0.999) subtracted from 1 in float32 would be 1.3e-5 off);
    ``gain_2`` replaces ``1 − β₂`` (Adagrad's sum: 1). RMSprop is ``moments(0, ρ, ε)``,
    Adagrad ``moments(0, 1, ε, gain_2=1)``.
    """
    gain_2 = 1.0 - beta_2 if gain_2 is None else gain_2
    return np.array([beta_1, 1.0 - beta_1, beta_2, gain_2, epsilon], dtype=np.float64)


@subroutine
def split_point(n_coefs, n):
    """The chunk bound at or after the middle of ``n`` parameters (``n_coefs`` of them
    weights) where an update is split in two ranges (see :func:`update`)."""
    return min(n_coefs, CHUNK * ((n // 2 + CHUNK - 1) // CHUNK))


@subroutine
def update(code, theta, grad, slots, n_coefs, l2, learning_rate, shrink, scale, hyper,
           begin=0, end=-1):
    """One step of rule ``code`` on ``theta`` with gradient ``scale · (grad + l2 θ_w)``
    (``grad`` left unchanged).

    ``slots`` and ``hyper`` are the rule's state and hyper-parameters (see the module
    docstring); ``l2`` multiplies the weights in their gradient; ``shrink`` is AdamW's
    decoupled decay ``η_t λ`` of the weights (0 for the other rules); ``scale`` is the
    gradient-clipping factor (1 without clipping: multiplying by 1 is exact, so an unclipped
    step is bit for bit what it was). Returns ``Σ θ²`` of the weights before the step.
    ``begin`` and ``end`` (default: all) limit the step to the parameters ``begin:end``,
    ``begin`` a chunk bound (0 or :func:`split_point`): each parameter's step is the same
    whatever the range, so two threads can take one range each.

    The rule's loop runs on zero-based views of each chunk of weights, then of the biases (a
    loop from ``start`` kept a negative-index check that blocked vectorisation). The switch
    costs one branch per chunk, so each rule's loop needs no inlined copy.
    """
    first, last = slots[0], slots[slots.shape[0] - 1]  # with one slot (SGD), last is unused
    n = theta.shape[0] if end < 0 else end
    sq = 0.0
    start = begin
    while start < n:
        weights = start < n_coefs
        stop = min(start + CHUNK, n_coefs) if weights else n
        decay = l2 if weights else 0.0
        if code == SGD:
            part = _sgd_range(theta[start:stop], grad[start:stop], first[start:stop], decay,
                              learning_rate, scale, hyper)
        elif ADAM <= code <= ADAGRAD:
            part = _adam_range(theta[start:stop], grad[start:stop], first[start:stop],
                               last[start:stop], decay, learning_rate,
                               shrink if weights else 0.0, scale, hyper)
        else:
            raise ValueError("unknown update code")
        if weights:
            sq += part
        start = stop
    return sq


@subroutine
def _sgd_range(theta, grad, velocity, l2, learning_rate, scale, hyper):
    """SGD with momentum: ``v ← μ v − η g``; ``θ ← θ + v``, or ``θ ← θ + μ v − η g`` (Nesterov).

    ``hyper = (momentum, nesterov)``, Nesterov's flag as 0.0 or 1.0.
    """
    dtype = theta.dtype.type
    decay, lr, mu, c = dtype(l2), dtype(learning_rate), dtype(hyper[0]), dtype(scale)
    nesterov = hyper[1] != 0
    sq = dtype(0)
    for i in range(theta.shape[0]):
        w = theta[i]
        sq += w * w
        g = c * (grad[i] + decay * w)
        v = mu * velocity[i] - lr * g
        velocity[i] = v
        theta[i] = w + (mu * v - lr * g if nesterov else v)
    return sq


@subroutine
def _adam_range(theta, grad, m, v, l2, learning_rate, shrink, scale, hyper):
    """Adam with the bias-corrected ``learning_rate`` ``η̂_t = η_t √(1 − β₂ᵗ) / (1 − β₁ᵗ)``:
    ``m ← β₁ m + (1 − β₁) g``; ``v ← β₂ v + (1 − β₂) g²``;
    ``θ ← (1 − η_t λ) θ − η̂_t m / (√v + ε)`` with AdamW's ``shrink = η_t λ`` (0 for Adam:
    ``θ · 1`` is exact, so Adam's step is scikit-learn's). RMSprop and Adagrad: see the
    module docstring.

    ``hyper = (β₁, 1 − β₁, β₂, 1 − β₂, ε)`` (:func:`moments`).
    """
    dtype = theta.dtype.type
    decay, lr, eps, c = dtype(l2), dtype(learning_rate), dtype(hyper[4]), dtype(scale)
    b1, one_minus_b1 = dtype(hyper[0]), dtype(hyper[1])
    b2, one_minus_b2 = dtype(hyper[2]), dtype(hyper[3])
    keep = dtype(1.0 - shrink)
    sq = dtype(0)
    for i in range(theta.shape[0]):
        w = theta[i]
        sq += w * w
        g = c * (grad[i] + decay * w)
        mi = b1 * m[i] + one_minus_b1 * g
        vi = b2 * v[i] + one_minus_b2 * (g * g)
        m[i] = mi
        v[i] = vi
        # math.sqrt: the same llvm.sqrt as np.sqrt, without typing a NumPy ufunc (0.1 s cold)
        theta[i] = keep * w + -lr * mi / (math.sqrt(vi) + eps)
    return sq


@subroutine
def gradient_norm(theta, grad, n_coefs, l2):
    """``‖grad + l2 θ_w‖``: the norm of the gradient the update takes (the L2 term on the
    weights only), accumulated in float64, for clipping."""
    total = 0.0
    for i in range(n_coefs):
        g = grad[i] + l2 * theta[i]
        total += g * g
    for i in range(n_coefs, theta.shape[0]):
        total += grad[i] * grad[i]
    return math.sqrt(total)
