"""``numpy.random.RandomState.shuffle`` of a fit's row order, in compiled code.

A fit shuffles its rows before every epoch with its ``RandomState``, as scikit-learn's MLP
does (``sklearn.utils.shuffle(X, y, random_state=...)`` permutes by a shuffled arange: the
same draws, here applied to one order array in place); doing it inside the compiled epochs
lets one call run many epochs (the Python call cost ~15 µs an epoch, as much as a small data
set's whole epoch). The draws must stay RandomState's own: :func:`shuffle` is NumPy's
Fisher–Yates loop (``_shuffle_raw`` with ``random_interval``, numpy/random/mtrand.pyx and
distributions.c) drawing from the RandomState's own bit generator through its C interface
(``next_uint32`` and the state's address, from ``BitGenerator.ctypes``), so the generator's
state advances as if NumPy had shuffled. The addresses are passed at run time, which keeps
the kernels cacheable. :mod:`._numpy_compat` reaches into the RandomState, and says when
fits must shuffle in Python instead (:data:`SHUFFLES_COMPILED`).
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._jit import subroutine
from ._numpy_compat import SHUFFLES_COMPILED, generator_of  # noqa: F401 (for the fit)

NO_SHUFFLE = np.empty(0, dtype=np.int64)  # a generator's place for rows kept in order


@intrinsic
def _next_uint32(typingctx, draw, state):
    """Call the C function at address ``draw`` on the generator state at address ``state``."""
    sig = types.uint32(types.int64, types.int64)

    def codegen(context, builder, sig, args):
        byte_pointer = ir.IntType(8).as_pointer()
        function_type = ir.FunctionType(ir.IntType(32), [byte_pointer])
        function = builder.inttoptr(args[0], function_type.as_pointer())
        return builder.call(function, [builder.inttoptr(args[1], byte_pointer)])

    return sig, codegen


@subroutine
def _random_interval(generator, limit):
    """A uniform draw from ``0 .. limit`` (``limit`` < 2**32) by NumPy's masked rejection."""
    mask = limit
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    while True:
        value = np.int64(_next_uint32(generator[0], generator[1])) & mask
        if value <= limit:
            return value


@subroutine
def shuffle(order, generator):
    """Shuffle ``order`` in place as ``RandomState.shuffle`` does with the generator at
    ``generator`` (:func:`generator_of`); an empty ``generator`` leaves it as it is."""
    if generator.shape[0] == 0:
        return
    for i in range(order.shape[0] - 1, 0, -1):
        j = _random_interval(generator, i)
        order[i], order[j] = order[j], order[i]
