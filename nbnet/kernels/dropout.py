"""Inverted dropout on hidden layers, its masks drawn by a counter-based generator.

During training, each unit of a hidden layer with rate ``p`` is dropped (its output set to 0)
with probability ``p`` and otherwise scaled by ``1 / (1 − p)``, so that a unit's expected
output is unchanged and prediction needs no dropout at all. The backward pass multiplies the
error reaching the layer by the same mask.

Whether unit ``j`` of hidden layer ``l`` is dropped for data row ``r`` at training step ``t``
is a pure function of ``(seed, t, l, r, j)``: SplitMix64's output function applied to a chain
of counters, ``key = mix(key + γ·(counter + 1))`` for each of them in turn, and the unit dropped
where the top 53 bits, read as a uniform ``u`` in [0, 1), are below ``p``. With no generator
state, a fit is reproducible in any process and order, and fits in threads share nothing.
The per-unit step is three 64-bit multiplications and a few shifts, vectorised by LLVM.
"""

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._jit import subroutine

# SplitMix64 (Steele, Lea and Flood 2014): the golden-ratio increment and the mixing constants.
GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1, _MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ONE = np.uint64(1)
# The uniform is the top 53 bits of a hash: unit dropped where they are below p · 2^53.
_BITS = 53


class Dropout(NamedTuple):
    """Dropout as the compiled epoch takes it; None instead of one means no dropout.

    rates : (n_hidden,) float64, the drop probability of each hidden layer, in [0, 1).
    thresholds : (n_hidden,) uint64, ``ceil(rate · 2^53)``: a unit is dropped where its 53
        random bits are below it (0: the layer keeps every unit and is skipped).
    seed : uint64, the fit's seed.
    step : training steps (updates) made before this epoch; batch ``b`` of the epoch draws
        the masks of step ``step + b``.
    masks : flat workspace of the activations' layout (:mod:`nbnet.kernels.network`): each
        unit's factor, 0 or ``1 / (1 − rate)``, kept from the forward pass for the backward one.
    """

    rates: np.ndarray
    thresholds: np.ndarray
    seed: np.uint64
    step: int
    masks: np.ndarray


def thresholds(rates: Sequence[float]) -> np.ndarray:
    """``ceil(rate · 2^53)`` of each rate, exactly (a rate times a power of two is exact)."""
    return np.array([math.ceil(rate * 2.0**_BITS) for rate in rates], dtype=np.uint64)


def make_dropout(rates: Sequence[float], seed: int, size: int, dtype) -> Dropout | None:
    """The :class:`Dropout` of one fit, or None where every rate is 0 (no dropout at all).

    ``size`` is the length of the activations' workspace
    (:func:`nbnet.kernels.network.workspace_size`).
    """
    rates = np.asarray(rates, dtype=np.float64)
    if not rates.any():
        return None
    return Dropout(rates, thresholds(rates), np.uint64(seed), 0, np.empty(size, dtype=dtype))


@subroutine(inline=True)
def next_key(key, counter):
    """SplitMix64's output for ``counter`` in the stream ``key``: ``mix(key + γ (counter + 1))``.

    ``key`` is uint64 and ``counter`` a non-negative integer.
    """
    z = key + GAMMA * (np.uint64(counter) + _ONE)
    z = (z ^ (z >> _S30)) * _MIX_1
    z = (z ^ (z >> _S27)) * _MIX_2
    return z ^ (z >> _S31)


@subroutine
def layer_key(dropout, batch, layer):
    """The key of hidden layer ``layer``'s masks at batch ``batch`` of the epoch."""
    return next_key(next_key(dropout.seed, dropout.step + batch), layer)


@subroutine
def drop(A, mask, rows, threshold, rate, key):
    """Draw the mask of a hidden layer's outputs ``A`` (``m × n``) and apply it in place.

    Row ``r`` of the block is data row ``rows[r]``; ``mask`` (``m × n``) receives each unit's
    factor, 0 where dropped and ``1 / (1 − rate)`` where kept, and ``A`` is multiplied by it.
    """
    m, n = A.shape
    zero = A.dtype.type(0)
    scale = A.dtype.type(1.0 / (1.0 - rate))
    for r in range(m):
        row_key = next_key(key, rows[r])
        a = A[r]
        f = mask[r]
        for j in range(n):
            v = scale if (next_key(row_key, j) >> _S11) >= threshold else zero
            f[j] = v
            a[j] *= v


@subroutine
def undo_drop(A, delta, mask, rate):
    """Backward through a dropped layer: ``delta *= mask``, and ``A`` back to ``f(Z)`` (kept
    units times ``1 − rate``, to round-off) for the activation's derivative; dropped units stay
    0, and their error is 0 whatever the derivative."""
    m, n = A.shape
    keep = A.dtype.type(1.0 - rate)
    for r in range(m):
        a = A[r]
        d = delta[r]
        f = mask[r]
        for j in range(n):
            d[j] *= f[j]
            a[j] *= keep
