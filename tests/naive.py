"""Plain-NumPy twins of nbnet's compiled kernels, for the tests to compare against.

Written from docs/MATH.md and scikit-learn's formulas (``sklearn/neural_network/_base.py``,
``_multilayer_perceptron.py``, ``_stochastic_optimizers.py``), deliberately in the simplest
whole-array style: lists of matrices instead of a flat vector, activations chosen by name,
no fused passes, no in-place tricks, and scikit-learn's own ordering of operations (δ_L not
divided by S until the gradient; L2 term added to the gradient, not fused in the optimizer).
Nothing here imports nbnet. Functions compute in the dtype they are given; the tests usually
pass float64 copies of float32 data so that the reference is the exact answer.
"""

import numpy as np
from scipy.special import expit, xlogy

# ----------------------------------------------------------------------------- activations


GELU_SCALE, GELU_CUBIC = np.sqrt(2 / np.pi), 0.044715  # PyTorch's gelu(approximate='tanh')


def hidden_forward(Z, bias, name):
    """``f(Z + b)`` for a hidden layer (a new array)."""
    Z = Z + bias
    if name == "identity":
        return Z
    if name == "logistic":
        return expit(Z)
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.maximum(Z, 0)
    if name == "leaky_relu":
        return np.where(Z > 0, Z, 0.01 * Z)
    if name == "elu":
        return np.where(Z > 0, Z, np.expm1(np.minimum(Z, 0)))
    if name == "gelu":
        return 0.5 * Z * (1 + np.tanh(GELU_SCALE * (Z + GELU_CUBIC * Z**3)))
    if name == "silu":
        return Z * expit(Z)
    if name == "softplus":
        return np.logaddexp(0, Z)
    raise ValueError(name)


def hidden_backward(Z, A, delta, name):
    """``(delta ⊙ f'(Z), column sums)`` for the pre-activation ``Z`` and output ``A = f(Z)``.

    scikit-learn's four take ``f'`` from ``A`` as scikit-learn does (relu zeroes the error
    where the output is exactly 0); nbnet's take it from ``Z``, written out by hand.
    """
    if name == "identity":
        slope = np.ones_like(Z)
    elif name == "logistic":
        slope = A * (1 - A)
    elif name == "tanh":
        slope = 1 - A**2
    elif name == "relu":
        slope = (A != 0).astype(Z.dtype)
    elif name == "leaky_relu":
        slope = np.where(Z > 0, 1, 0.01)
    elif name == "elu":
        slope = np.where(Z > 0, 1, np.exp(np.minimum(Z, 0)))
    elif name == "gelu":
        t = np.tanh(GELU_SCALE * (Z + GELU_CUBIC * Z**3))
        slope = 0.5 * (1 + t) + 0.5 * Z * (1 - t**2) * GELU_SCALE * (1 + 3 * GELU_CUBIC * Z**2)
    elif name == "silu":
        s = expit(Z)
        slope = s * (1 + Z * (1 - s))
    elif name == "softplus":
        slope = expit(Z)
    else:
        raise ValueError(name)
    d = delta * slope
    return d, d.sum(axis=0)


def output_forward(Z, bias, name):
    """Output activation ``g(Z + b)``: softmax (row max subtracted first), logistic, identity, exp."""
    Z = Z + bias
    if name == "softmax":
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    if name == "logistic":
        return expit(Z)
    if name in ("identity", *ROBUST):
        return Z
    if name == "exp":
        return np.exp(Z)
    raise ValueError(name)


# ----------------------------------------------------------------------------------- losses

# The regression losses with an identity output that are not its canonical squared error.
ROBUST = ("huber", "absolute_error", "quantile")


def loss(Y, P, name, sw=None, eps=None, parameter=None):
    """Batch loss exactly as scikit-learn's ``LOSS_FUNCTIONS`` define it, keyed by output activation.

    softmax: ``log_loss``; logistic: ``binary_log_loss``; identity: ``squared_loss`` (0.5 × mean
    over outputs of the weighted average); exp: ``poisson_loss`` (half deviance with
    ``xlogy(y, y/p) - y + p``). ``eps`` is the clipping constant (the dtype's eps by default;
    pass the working dtype's eps when ``P`` has been upcast). The robust losses, averaged over
    outputs as squared_loss is: huber (δ = ``parameter``) ``½r²`` or ``δ(|r| − ½δ)``;
    absolute_error ``|r|``; quantile (q = ``parameter``) scikit-learn's ``mean_pinball_loss``.
    """
    if eps is None:
        eps = np.finfo(P.dtype).eps
    if name == "softmax":
        P = np.clip(P, eps, 1 - eps)
        return -np.average(xlogy(Y, P), weights=sw, axis=0).sum()
    if name == "logistic":
        P = np.clip(P, eps, 1 - eps)
        return -np.average(xlogy(Y, P) + xlogy(1 - Y, 1 - P), weights=sw, axis=0).sum()
    if name == "identity":
        return 0.5 * np.average((Y - P) ** 2, weights=sw, axis=0).mean()
    if name == "exp":
        return np.average(xlogy(Y, Y / P) - Y + P, weights=sw, axis=0).sum()
    r = Y - P
    if name == "huber":
        values = np.where(np.abs(r) <= parameter, 0.5 * r**2,
                          parameter * (np.abs(r) - 0.5 * parameter))
    elif name == "absolute_error":
        values = np.abs(r)
    elif name == "quantile":
        values = parameter * np.maximum(r, 0) + (1 - parameter) * np.maximum(-r, 0)
    else:
        raise ValueError(name)
    return np.average(values, weights=sw, axis=0).mean()


def output_error(A, Y, name, parameter=None):
    """``∂ℓ/∂Z_L`` of one sample's loss summed over outputs: ``A − Y`` for the canonical pairs,
    the robust losses' derivative ``ψ(A − Y)`` otherwise (a subgradient, 0 where ``A = Y``)."""
    r = A - Y
    if name == "huber":
        return np.clip(r, -parameter, parameter)
    if name == "absolute_error":
        return np.sign(r)
    if name == "quantile":
        return np.where(r > 0, 1 - parameter, np.where(r < 0, -parameter, 0.0))
    return r


# ---------------------------------------------------------------------------------- dropout

_GAMMA, _MIX_1, _MIX_2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _next_key(key, counter):
    """SplitMix64's output for ``counter`` (an array) in the stream ``key``, in uint64 arrays."""
    with np.errstate(over="ignore"):
        z = np.uint64(key) + np.uint64(_GAMMA) * (np.asarray(counter, np.uint64) + np.uint64(1))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX_1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX_2)
        return z ^ (z >> np.uint64(31))


def dropout_masks(seed, step, rows, hidden_units, rates, dtype=np.float64):
    """Inverted-dropout factors of each hidden layer for the data ``rows`` at training ``step``.

    Unit j of layer l for row r is dropped where the top 53 bits of
    ``next(next(next(next(seed, step), l), r), j)`` read as a uniform in [0, 1) are below the
    layer's rate: factor 0, else ``1 / (1 − rate)`` (in ``dtype``).
    """
    masks = []
    for layer, (n, rate) in enumerate(zip(hidden_units, rates)):
        key = _next_key(_next_key(seed, step), layer)
        bits = _next_key(_next_key(key, rows)[:, None], np.arange(n)[None, :]) >> np.uint64(11)
        uniform = bits.astype(np.float64) / 2.0**53
        masks.append(np.where(uniform < rate, 0, dtype(1.0 / (1.0 - rate))).astype(dtype))
    return masks


# ---------------------------------------------------------------------------------- network


def layer_shapes(layer_units):
    """``[(n_0, n_1), (n_1, n_2), ...]``."""
    return [(layer_units[i], layer_units[i + 1]) for i in range(len(layer_units) - 1)]


def split(theta, layer_units):
    """Flat vector -> (coefs, intercepts) copies, in scikit-learn's packing order."""
    coefs, intercepts, pos = [], [], 0
    for a, b in layer_shapes(layer_units):
        coefs.append(np.array(theta[pos : pos + a * b]).reshape(a, b))
        pos += a * b
    for _, b in layer_shapes(layer_units):
        intercepts.append(np.array(theta[pos : pos + b]))
        pos += b
    assert pos == len(theta)
    return coefs, intercepts


def join(coefs, intercepts):
    """(coefs, intercepts) -> flat vector: every coef row-major, then every intercept."""
    return np.concatenate([c.ravel() for c in coefs] + [b.ravel() for b in intercepts])


def hidden_names(hidden, n_hidden):
    """One activation name per hidden layer, from one name for all or a list of names."""
    return [hidden] * n_hidden if isinstance(hidden, str) else list(hidden)


def forward(coefs, intercepts, X, hidden, out, masks=None, preactivations=False):
    """All layer outputs ``[A_1, ..., A_L]``; ``X`` may be a dense array or a scipy sparse matrix.

    ``hidden`` is one activation name for every hidden layer, or a list of one per layer.
    ``masks`` (dropout, :func:`dropout_masks`) multiply the hidden layers' outputs.
    With ``preactivations``, returns ``(outputs, [Z_1, ..., Z_L])``.
    """
    names = hidden_names(hidden, len(coefs) - 1)
    A, outputs, Zs = X, [], []
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        Z = np.asarray(A @ W)
        Zs.append(Z + b)
        if i < len(coefs) - 1:
            A = hidden_forward(Z, b, names[i])
            if masks is not None:
                A = A * masks[i]
        else:
            A = output_forward(Z, b, out)
        outputs.append(A)
    return (outputs, Zs) if preactivations else outputs


def loss_and_grads(coefs, intercepts, X, Y, hidden, out, alpha=0.0, sw=None, eps=None,
                   parameter=None, masks=None):
    """Penalised batch loss and its gradients, the way scikit-learn's ``_backprop`` computes them.

    loss = data loss + 0.5 α Σ‖W‖² / S; δ_L = s (A_L − Y) (``s ψ(A_L − Y)`` for the robust
    losses); ∂W_l = (A_{l−1}ᵀ δ_l + α W_l) / S; ∂b_l = Σ_rows δ_l / S;
    δ_{l−1} = (δ_l W_lᵀ) ⊙ f'(Z_{l−1}) (see :func:`hidden_backward`). With dropout ``masks``
    M_l, A_l is the masked output M_l ⊙ f(Z_l) and δ_{l−1} = (δ_l W_lᵀ) ⊙ M_{l−1} ⊙ f'(Z_{l−1}).
    """
    n = Y.shape[0]
    S = n if sw is None else sw.sum()
    names = hidden_names(hidden, len(coefs) - 1)
    outputs, Zs = forward(coefs, intercepts, X, hidden, out, masks, preactivations=True)
    acts = [X] + outputs
    value = loss(Y, acts[-1], out, sw, eps, parameter)
    value += 0.5 * alpha * sum((W**2).sum() for W in coefs) / S
    delta = output_error(acts[-1], Y, out, parameter)
    if sw is not None:
        delta = delta * sw[:, None]
    L = len(coefs)
    coef_grads, intercept_grads = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        coef_grads[l] = (np.asarray(acts[l].T @ delta) + alpha * coefs[l]) / S
        intercept_grads[l] = delta.sum(axis=0) / S
        if l > 0:
            error, A = delta @ coefs[l].T, acts[l]
            if masks is not None:  # the derivative is of the unmasked output f(Z)
                error = error * masks[l - 1]
                A = hidden_forward(np.asarray(acts[l - 1] @ coefs[l - 1]), intercepts[l - 1],
                                   names[l - 1])
            delta, _ = hidden_backward(Zs[l - 1], A, error, names[l - 1])
    return value, coef_grads, intercept_grads


def flat_loss_and_grad(theta, layer_units, X, Y, hidden, out, alpha=0.0, sw=None, eps=None,
                       parameter=None, masks=None):
    """:func:`loss_and_grads` on a flat parameter vector; returns (loss, flat gradient)."""
    coefs, intercepts = split(theta, layer_units)
    value, cg, ig = loss_and_grads(coefs, intercepts, X, Y, hidden, out, alpha, sw, eps,
                                   parameter, masks)
    return value, join(cg, ig)


# ------------------------------------------------------------------------------- optimizers


def sgd(theta, g, velocity, lr, momentum, nesterov):
    """scikit-learn's SGDOptimizer on flat arrays: returns (new theta, new velocity)."""
    velocity = momentum * velocity - lr * g
    update = momentum * velocity - lr * g if nesterov else velocity
    return theta + update, velocity


def adam_rate(lr_init, beta_1, beta_2, t):
    """scikit-learn's bias-corrected Adam step size for step ``t`` (1-based)."""
    return lr_init * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)


def adam(theta, g, m, v, t, lr_init, beta_1, beta_2, epsilon):
    """scikit-learn's AdamOptimizer for step ``t`` (already incremented): returns (theta, m, v)."""
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    lr = adam_rate(lr_init, beta_1, beta_2, t)
    return theta - lr * m / (np.sqrt(v) + epsilon), m, v


def adamw(theta, g, m, v, t, lr, beta_1, beta_2, epsilon, weight_decay, n_coefs):
    """PyTorch's AdamW step ``t`` at the scheduled rate ``lr``: the weights (the first
    ``n_coefs`` entries) shrink by ``lr · weight_decay``, then Adam's step: (theta, m, v)."""
    theta = theta.copy()
    theta[:n_coefs] *= 1 - lr * weight_decay
    return adam(theta, g, m, v, t, lr, beta_1, beta_2, epsilon)


def rmsprop(theta, g, v, lr, rho, epsilon):
    """PyTorch's RMSprop (not centred, no momentum): returns (theta, v)."""
    v = rho * v + (1 - rho) * g**2
    return theta - lr * g / (np.sqrt(v) + epsilon), v


def adagrad(theta, g, G, lr, epsilon):
    """PyTorch's Adagrad (no ``lr_decay``): returns (theta, G)."""
    G = G + g**2
    return theta - lr * g / (np.sqrt(G) + epsilon), G


def clip_norm(g, max_norm):
    """``g`` scaled to Euclidean norm ``max_norm`` where it is longer (None: unchanged)."""
    norm = np.sqrt((g**2).sum())
    return g * (max_norm / norm) if max_norm is not None and norm > max_norm else g


def scheduled_rate(schedule, lr, t, steps_per_epoch, max_iter=200, min_lr=0.0, step_size=10,
                   gamma=None, warmup_epochs=0):
    """The rate of the step after ``t`` updates, written from the formulas one step at a time.
    ``gamma`` None: the factor that ends the fit at ``min_lr`` (a tenth of ``lr`` if 0)."""
    epoch = t // steps_per_epoch
    derived = gamma is None and schedule in ("step", "exponential")
    if derived:
        end = min_lr or lr / 10
        decays = max_iter if schedule == "exponential" else (max_iter - 1) // step_size
        gamma = (end / lr) ** (1 / decays) if decays else 1.0
    if schedule == "cosine":
        T = max_iter * steps_per_epoch
        rate = min_lr + (lr - min_lr) * (1 + np.cos(np.pi * min(t, T) / T)) / 2
    elif schedule == "step":
        rate = lr * gamma ** (epoch // step_size)
    elif schedule == "exponential":
        rate = lr * gamma ** (t / steps_per_epoch)
    else:
        rate = lr
    if derived:  # a derived factor stops at the final rate after max_iter epochs
        rate = max(rate, end)
    if warmup_epochs and t < warmup_epochs * steps_per_epoch:
        rate *= (t + 1) / (warmup_epochs * steps_per_epoch)
    return rate


def epoch(theta, layer_units, X, Y, sw, permutation, batch_size, hidden, out, alpha,
          solver, lr, state, t=0, momentum=0.9, nesterov=True, beta_1=0.9, beta_2=0.999,
          epsilon=1e-8, eps=None, rho=0.99, weight_decay=0.01, clip=None, dropout=None):
    """One epoch over ``permutation`` in consecutive slices of ``batch_size`` rows.

    ``state`` is ``[velocity]`` for 'sgd', ``[m, v]`` for 'adam' and 'adamw', ``[v]`` for
    'rmsprop' and 'adagrad' (copied, not modified). ``lr`` is the rate, or a function of the
    number of updates made before a step giving that step's (scheduled) rate. The gradient
    (L2 term included) is clipped to norm ``clip`` where given. ``dropout = (rates, seed)``
    masks each batch's hidden layers with the masks of the step ``t`` it makes. Returns
    ``(theta, state, loss_sum, t)`` with ``loss_sum = Σ batch_loss × batch_rows`` and ``t``
    counting the updates made (Adam's step count).
    """
    theta = theta.copy()
    state = [s.copy() for s in state]
    n_coefs = sum(a * b for a, b in layer_shapes(layer_units))
    loss_sum = 0.0
    for start in range(0, len(permutation), batch_size):
        rows = permutation[start : start + batch_size]
        swb = None if sw is None else sw[rows]
        masks = None if dropout is None else dropout_masks(dropout[1], t, rows, layer_units[1:-1],
                                                           dropout[0])
        value, g = flat_loss_and_grad(theta, layer_units, X[rows], Y[rows], hidden, out,
                                      alpha, swb, eps, masks=masks)
        g = clip_norm(g, clip)
        loss_sum += value * len(rows)
        rate = lr(t) if callable(lr) else lr
        t += 1
        if solver == "sgd":
            theta, state[0] = sgd(theta, g, state[0], rate, momentum, nesterov)
        elif solver == "adam":
            theta, state[0], state[1] = adam(theta, g, state[0], state[1], t, rate, beta_1,
                                             beta_2, epsilon)
        elif solver == "adamw":
            theta, state[0], state[1] = adamw(theta, g, state[0], state[1], t, rate, beta_1,
                                              beta_2, epsilon, weight_decay, n_coefs)
        elif solver == "rmsprop":
            theta, state[0] = rmsprop(theta, g, state[0], rate, rho, epsilon)
        elif solver == "adagrad":
            theta, state[0] = adagrad(theta, g, state[0], rate, epsilon)
        else:
            raise ValueError(solver)
    return theta, state, loss_sum, t


def initial_weights(layer_units, random_state, factor=6.0, init="glorot"):
    """scikit-learn's initial flat parameters: per layer, ``U(±bound)`` draws for the
    weights, then the biases; ``bound = √(factor/(fan_in + fan_out))`` (scikit-learn's
    Glorot: factor 6, or 2 for a logistic hidden layer), or with ``init`` 'he'
    ``√(6/fan_in)``, 'lecun' ``√(3/fan_in)``."""
    rng = np.random.RandomState(random_state)
    coefs, intercepts = [], []
    for fan_in, fan_out in layer_shapes(layer_units):
        bound = {"glorot": np.sqrt(factor / (fan_in + fan_out)), "he": np.sqrt(6 / fan_in),
                 "lecun": np.sqrt(3 / fan_in)}[init]
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    return join(coefs, intercepts)
