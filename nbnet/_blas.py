"""GEMM callable from compiled code: scipy's BLAS ``sgemm``/``dgemm`` with transpose flags.

``gemm(a, b, out, trans_a, trans_b, alpha, beta)`` computes
``out = alpha · op(a) · op(b) + beta · out`` for row-major, C-contiguous 2-D arrays, with no
copies: a transposed operand is passed to BLAS as a flag. It is the same BLAS that
``np.dot`` reaches inside Numba (scipy's bundled OpenBLAS), called directly: the call
compiles to one external function call, where Numba's ``np.dot`` generates layout checks
and copies per call site (several seconds of compile time for a network), and it gives
``beta`` accumulation.

How: scipy exports the Fortran routines as Cython function pointers; their addresses are
registered with LLVM as the symbols ``nbnet_sgemm``/``nbnet_dgemm`` when this module is
imported, and an ``@intrinsic`` emits a call to the symbol. Unlike a ctypes function
pointer (a "dynamic global"), a symbol by name keeps the kernels cacheable on disk.
"""

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import get_cython_function_address, intrinsic

from ._jit import jit

_SYMBOLS = {types.float32: "nbnet_sgemm", types.float64: "nbnet_dgemm"}
for _name in ("sgemm", "dgemm"):
    llvm.add_symbol(f"nbnet_{_name}", get_cython_function_address("scipy.linalg.cython_blas", _name))

_NO_TRANSPOSE, _TRANSPOSE = ord("N"), ord("T")


@intrinsic
def _fortran_gemm(typingctx, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """Call Fortran ``?gemm`` (column-major) with every argument passed by reference."""
    for array in (a, b, c):
        if not isinstance(array, types.Array) or array.layout != "C" or array.ndim != 2:
            raise TypingError("gemm needs C-contiguous 2-D arrays")
    if not (a.dtype == b.dtype == c.dtype) or c.dtype not in _SYMBOLS:
        raise TypingError("gemm needs float32 or float64 arrays of one dtype")
    dtype = c.dtype
    i32 = types.int32
    sig = types.void(i32, i32, i32, i32, i32, dtype, a, i32, b, i32, dtype, c, i32)

    def codegen(context, builder, signature, args):
        ta, tb, m_, n_, k_, alpha_, a_, lda_, b_, ldb_, beta_, c_, ldc_ = args
        int_ptr = ir.IntType(32).as_pointer()
        char_ptr = ir.IntType(8).as_pointer()
        float_ptr = context.get_value_type(dtype).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [char_ptr, char_ptr, int_ptr, int_ptr, int_ptr,
                                               float_ptr, float_ptr, int_ptr, float_ptr, int_ptr,
                                               float_ptr, float_ptr, int_ptr])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _SYMBOLS[dtype])

        def ref(value):
            return cgutils.alloca_once_value(builder, value)

        def char_ref(value):
            return ref(builder.trunc(value, ir.IntType(8)))

        def data(array_type, value):
            return context.make_array(array_type)(context, builder, value).data

        builder.call(fn, [char_ref(ta), char_ref(tb), ref(m_), ref(n_), ref(k_), ref(alpha_),
                          data(signature.args[6], a_), ref(lda_), data(signature.args[8], b_),
                          ref(ldb_), ref(beta_), data(signature.args[11], c_), ref(ldc_)])
        return context.get_dummy_value()

    return sig, codegen


@jit
def gemm(a, b, out, trans_a=False, trans_b=False, alpha=1.0, beta=0.0):
    """``out = alpha · op(a) · op(b) + beta · out`` for C-contiguous 2-D arrays of one dtype.

    ``op(x)`` is ``x.T`` when the matching ``trans_*`` flag is set. A row-major matrix is
    the column-major matrix of its transpose, so BLAS computes ``outᵀ = op(b)ᵀ · op(a)ᵀ``.
    """
    m, n = out.shape
    k = a.shape[0] if trans_a else a.shape[1]
    flag_a = _TRANSPOSE if trans_a else _NO_TRANSPOSE
    flag_b = _TRANSPOSE if trans_b else _NO_TRANSPOSE
    _fortran_gemm(flag_b, flag_a, n, m, k, alpha, b, max(1, b.shape[1]), a, max(1, a.shape[1]),
                  beta, out, max(1, n))
