"""Two threads of compiled code meeting without locks: atomic counters, and waiting on them.

A fit whose batches are split across two threads (:mod:`nbnet.kernels.epochs`,
:mod:`nbnet.threads`) meets twice per step, every few hundred microseconds; a lock or a
Python event costs tens of microseconds a meeting, an atomic counter well under one. The
counters live in an int64 array shared by the threads; every access here is sequentially
consistent, so what a thread wrote before it arrives at a meeting is visible to the other
after it.

A waiting thread spins with the CPU's pause hint, then yields its core to the scheduler
(``sched_yield``): two threads that the kernel has put on one core would otherwise spin away
each other's time slices (an epoch took 20 times as long when both threads woke on one
core; 2-core AVX-512 AMD EPYC, 2026-12; see docs/dev/performance_kernels.rst).
"""

import ctypes
import platform
import sys

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._jit import subroutine
from ._numba_compat import cgutils

# The counters' slots in the shared array (see :func:`meet` and nbnet.kernels.epochs).
ARRIVALS, ABORT = 0, 1
SPINS = 200  # pause hints before a waiting thread starts yielding its core


def _yield_address() -> int:
    if sys.platform == "win32":
        return ctypes.cast(ctypes.windll.kernel32.SwitchToThread, ctypes.c_void_p).value
    return ctypes.cast(ctypes.CDLL(None).sched_yield, ctypes.c_void_p).value


# A symbol by name, as for BLAS (nbnet.kernels._blas): it keeps the kernels cacheable.
llvm.add_symbol("nbnet_yield", _yield_address())
_PAUSE = {"x86_64": "llvm.x86.sse2.pause", "AMD64": "llvm.x86.sse2.pause"}.get(platform.machine())


def _element_pointer(context, builder, array_type, array, index):
    ary = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer(context, builder, array_type, ary, [index], wraparound=False)


def _int64_array(array):
    return isinstance(array, types.Array) and array.dtype == types.int64 and array.ndim == 1


def _read_modify_write(operation: str, name: str, doc: str):
    """An intrinsic ``name(array, index, value)`` that applies LLVM's atomic ``operation`` to
    ``array[index]`` (int64) and returns the value before."""
    def typer(typingctx, array, index, value):
        if not _int64_array(array):
            return None
        sig = types.int64(array, types.intp, types.int64)

        def codegen(context, builder, sig, args):
            pointer = _element_pointer(context, builder, sig.args[0], args[0], args[1])
            return builder.atomic_rmw(operation, pointer, args[2], "seq_cst")

        return sig, codegen

    typer.__name__ = typer.__qualname__ = name
    typer.__doc__ = doc
    return intrinsic(typer)


atomic_add = _read_modify_write("add", "atomic_add",
                                "``array[index] += value`` atomically; returns the value before.")
atomic_exchange = _read_modify_write("xchg", "atomic_exchange",
                                     "``array[index] = value`` atomically; returns the value before.")


@intrinsic
def atomic_load(typingctx, array, index):
    """``array[index]``, read atomically (never hoisted out of a loop)."""
    if not _int64_array(array):
        return None
    sig = types.int64(array, types.intp)

    def codegen(context, builder, sig, args):
        pointer = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.load_atomic(pointer, "seq_cst", 8)

    return sig, codegen


@intrinsic
def pause(typingctx):
    """The CPU's spin-wait hint where it has one (x86's ``pause``); nothing elsewhere."""
    def codegen(context, builder, sig, args):
        if _PAUSE is not None:
            hint = cgutils.get_or_insert_function(builder.module,
                                                  ir.FunctionType(ir.VoidType(), []), _PAUSE)
            builder.call(hint, [])
        return context.get_dummy_value()

    return types.void(), codegen


@intrinsic
def yield_core(typingctx):
    """Give this thread's core to another runnable thread, if any (``sched_yield``)."""
    def codegen(context, builder, sig, args):
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(32), []), "nbnet_yield")
        builder.call(function, [])
        return context.get_dummy_value()

    return types.void(), codegen


@subroutine
def wait_until(sync, index, target, patience=-1):
    """Wait until ``sync[index] >= target``; False if ``sync[ABORT]`` is set first, or once
    ``patience`` yields have passed (never, for a negative ``patience``).

    Spins :data:`SPINS` times with the pause hint, then yields the core between reads.
    """
    spins = 0
    yields = 0
    while atomic_load(sync, index) < target:
        if atomic_load(sync, ABORT) != 0:
            return False
        if spins < SPINS:
            spins += 1
            pause()
        elif patience < 0 or yields < patience:
            yields += 1
            yield_core()
        else:
            return False
    return True


@subroutine
def meet(sync, count):
    """Arrive at meeting number ``count`` of two threads and wait for the other.

    ``sync[ARRIVALS]`` counts arrivals and only grows (never reset, so that a thread still
    reading it for meeting ``count`` cannot miss it): meeting ``count`` is complete at
    ``2 · count``. Returns False if ``sync[ABORT]`` is set while waiting.
    """
    atomic_add(sync, ARRIVALS, 1)
    return wait_until(sync, ARRIVALS, 2 * count)
