"""GEMM callable from compiled code: BLAS ``?gemm`` and ``?gemv`` with transpose flags.

``gemm(a, b, out, trans_a, trans_b, alpha, beta)`` computes
``out = alpha · op(a) · op(b) + beta · out`` for row-major, C-contiguous 2-D arrays, with no
copies: a transposed operand is passed to BLAS as a flag. The call compiles to one external
function call, where Numba's ``np.dot`` generates layout checks and copies per call site
(several seconds of compile time for a network), and it gives ``beta`` accumulation. A
product with one row or one column of output goes to ``?gemv`` instead, as NumPy does:
``?gemm`` packs the whole matrix operand even for a single row (a one-row prediction of a
784-256-128-10 network took 8 times as long through ``?gemm``; 2-core AVX-512 AMD EPYC,
2026-11).

Which BLAS: scipy's bundled OpenBLAS (the one Numba's ``np.dot`` uses), through the Fortran
routines that ``scipy.linalg.cython_blas`` exports. That pool of BLAS threads is not NumPy's,
so one library's threads, spinning for a while after its last product, take cores from
the other's next product: nbnet's digits fit right after scikit-learn's (NumPy's pool) runs
slower than after a pause or with ``NBNET_BLAS=numpy`` in the environment, which has nbnet
call NumPy's own OpenBLAS (the ``scipy-openblas64`` of NumPy's wheels, 64-bit integers)
through small adapters compiled by LLVM when this module is imported. That is not the
default because L-BFGS fits lose far more the other way: scipy's optimizer works in scipy's
pool between nbnet's gradients (P4, L-BFGS on digits, took over 10 times as long per
iteration through NumPy's pool; 2-core AVX-512 AMD EPYC, 2026-12; series in
docs/dev/performance_kernels.rst). The compiled
kernels are the same either way (32-bit integer arguments), so that the disk cache holds for
both. :data:`LIBRARY` says which is in use.

How: the routines' addresses are registered with LLVM as the symbols ``nbnet_sgemm``,
``nbnet_dgemv``, ... when this module is imported, and an ``@intrinsic`` emits a call to the
symbol. Unlike a ctypes function pointer (a "dynamic global"), a symbol by name keeps the
kernels cacheable on disk.
"""

import os

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.extending import get_cython_function_address, intrinsic

from ._jit import subroutine
from ._numba_compat import TypingError, cgutils
from ._numpy_compat import numpy_openblas

_PREFIX = {types.float32: "nbnet_s", types.float64: "nbnet_d"}
# Positions of the integer arguments of each Fortran routine (all arguments are pointers).
_INTEGER_ARGUMENTS = {"gemm": (2, 3, 4, 7, 9, 12), "gemv": (1, 2, 5, 7, 10)}
_N_ARGUMENTS = {"gemm": 13, "gemv": 11}
_ROUTINES = ("sgemm", "dgemm", "sgemv", "dgemv")


def _widening_adapters(targets: dict) -> dict:
    """Adapters with 32-bit integer arguments around the 64-bit-integer routines ``targets``.

    Each widens its integer arguments and passes everything else through; LLVM compiles the
    small module here.
    """
    module = ir.Module(name="nbnet_blas_adapters")
    pointer = ir.IntType(8).as_pointer()
    for name, address in targets.items():
        kind = name[1:]
        fnty = ir.FunctionType(ir.VoidType(), [pointer] * _N_ARGUMENTS[kind])
        adapter = ir.Function(module, fnty, name=f"adapter_{name}")
        builder = ir.IRBuilder(adapter.append_basic_block())
        arguments = list(adapter.args)
        for position in _INTEGER_ARGUMENTS[kind]:
            narrow = builder.load(builder.bitcast(arguments[position], ir.IntType(32).as_pointer()))
            wide = builder.alloca(ir.IntType(64))
            builder.store(builder.sext(narrow, ir.IntType(64)), wide)
            arguments[position] = builder.bitcast(wide, pointer)
        target = builder.inttoptr(ir.Constant(ir.IntType(64), address), fnty.as_pointer())
        builder.call(target, arguments)
        builder.ret_void()
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    machine = llvm.Target.from_default_triple().create_target_machine()
    engine = llvm.create_mcjit_compiler(llvm.parse_assembly(str(module)), machine)
    engine.finalize_object()
    _widening_adapters.engine = engine  # the code lives as long as its engine
    return {name: engine.get_function_address(f"adapter_{name}") for name in targets}


_NUMPY_ROUTINES = numpy_openblas(_ROUTINES) if os.environ.get("NBNET_BLAS", "") == "numpy" else None
LIBRARY = "numpy" if _NUMPY_ROUTINES is not None else "scipy"
if _NUMPY_ROUTINES is not None:
    _ADDRESSES = _widening_adapters(_NUMPY_ROUTINES)
else:
    _ADDRESSES = {name: get_cython_function_address("scipy.linalg.cython_blas", name)
                  for name in _ROUTINES}
for _name, _address in _ADDRESSES.items():
    llvm.add_symbol(f"nbnet_{_name}", _address)

_NO_TRANSPOSE, _TRANSPOSE = ord("N"), ord("T")


def _common_dtype(*arrays):
    """The one float dtype of C-contiguous 2-D ``arrays``, or a TypingError."""
    for array in arrays:
        if not isinstance(array, types.Array) or array.layout != "C" or array.ndim != 2:
            raise TypingError("gemm needs C-contiguous 2-D arrays")
    dtypes = {array.dtype for array in arrays}
    if len(dtypes) != 1 or arrays[0].dtype not in _PREFIX:
        raise TypingError("gemm needs float32 or float64 arrays of one dtype")
    return arrays[0].dtype


def _fortran_call(routine, dtype, n_flags):
    """Codegen of a call to the Fortran BLAS ``routine`` (``"gemm"``, ``"gemv"``) of ``dtype``.

    Fortran takes every argument by reference: arrays as their data pointers, scalars as
    pointers to stack copies; the first ``n_flags`` arguments are character flags (one byte).
    """
    symbol = _PREFIX[dtype] + routine

    def codegen(context, builder, signature, args):
        pointers = []
        for position, (kind, value) in enumerate(zip(signature.args, args)):
            if isinstance(kind, types.Array):
                pointers.append(context.make_array(kind)(context, builder, value).data)
                continue
            if position < n_flags:
                value = builder.trunc(value, ir.IntType(8))
            pointers.append(cgutils.alloca_once_value(builder, value))
        fnty = ir.FunctionType(ir.VoidType(), [pointer.type for pointer in pointers])
        builder.call(cgutils.get_or_insert_function(builder.module, fnty, symbol), pointers)
        return context.get_dummy_value()

    return codegen


@intrinsic
def _fortran_gemm(typingctx, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """Fortran ``?gemm`` (column-major): ``c = alpha · op(a) · op(b) + beta · c``."""
    dtype = _common_dtype(a, b, c)
    n = types.int32
    sig = types.void(n, n, n, n, n, dtype, a, n, b, n, dtype, c, n)
    return sig, _fortran_call("gemm", dtype, n_flags=2)


@intrinsic
def _fortran_gemv(typingctx, trans, m, n, alpha, a, lda, x, incx, beta, y, incy):
    """Fortran ``?gemv`` (column-major ``a``): ``y = alpha · op(a) · x + beta · y``."""
    dtype = _common_dtype(a, x, y)
    n = types.int32
    sig = types.void(n, n, n, dtype, a, n, x, n, dtype, y, n)
    return sig, _fortran_call("gemv", dtype, n_flags=1)


@subroutine(reads=("a", "b"))
def gemm(a, b, out, trans_a=False, trans_b=False, alpha=1.0, beta=0.0):
    """``out = alpha · op(a) · op(b) + beta · out`` for C-contiguous 2-D arrays of one dtype.

    ``op(x)`` is ``x.T`` when the matching ``trans_*`` flag is set. A row-major matrix is
    the column-major matrix of its transpose, so BLAS computes ``outᵀ = op(b)ᵀ · op(a)ᵀ``.
    A one-row ``out`` is ``op(b)ᵀ · a`` and a one-column one ``op(a) · b``, both ``?gemv``
    (a one-row or one-column C-contiguous operand is a vector with unit stride); ``?gemv``
    returns early when the inner dimension ``k`` is 0, without scaling ``out`` by ``beta``,
    so that case stays with ``?gemm``.
    """
    m, n = out.shape
    k = a.shape[0] if trans_a else a.shape[1]
    # Leading dimensions (row lengths), at least 1 as BLAS requires even for empty arrays.
    ld_a = a.shape[1] if a.shape[1] > 1 else 1
    ld_b = b.shape[1] if b.shape[1] > 1 else 1
    ld_out = n if n > 1 else 1
    if m == 1 and k > 0:
        flag = _TRANSPOSE if trans_b else _NO_TRANSPOSE
        _fortran_gemv(flag, b.shape[1], b.shape[0], alpha, b, ld_b, a, 1, beta, out, 1)
        return
    if n == 1 and k > 0:
        flag = _NO_TRANSPOSE if trans_a else _TRANSPOSE
        _fortran_gemv(flag, a.shape[1], a.shape[0], alpha, a, ld_a, b, 1, beta, out, 1)
        return
    flag_a = _TRANSPOSE if trans_a else _NO_TRANSPOSE
    flag_b = _TRANSPOSE if trans_b else _NO_TRANSPOSE
    _fortran_gemm(flag_b, flag_a, n, m, k, alpha, b, ld_b, a, ld_a, beta, out, ld_out)
