"""Register-blocked products for the small matrices of small networks.

``small_product(A, B, out, trans_a)`` computes ``out = op(A) · B`` (``op(A)`` is ``A`` or
``Aᵀ``) for row-major, C-contiguous arrays, like :func:`nbnet.kernels._blas.gemm` with
``B`` untransposed. It exists for the products of a small network's training step, where
BLAS's call and packing overheads are a large part of the work (a float64 32 × 64 · 64 × 64
product took 10.7 µs through OpenBLAS and 8.2 µs here; 2-core Zen 3, 2026-12).
Whether it or BLAS computes a product is chosen per shape by timing both on the machine
(:mod:`nbnet.product_choice`); it has no cache blocking, so it is only offered for products
whose operands sit in the first cache levels (:data:`LARGEST`).

How: blocks of four rows × one 64-byte line of columns (8 float64 or 16 float32 values) of
``out`` are kept in vector registers while ``k`` runs, each step one load of ``B``'s row
segment, four broadcasts of ``A``'s values and four fused multiply-adds: LLVM IR written by
an ``@intrinsic`` with vector types, which LLVM maps to the CPU's widest registers (two AVX2
registers or one AVX-512 register a row). Numba's own loops do not keep such a block in
registers; columns past the last full line go in a block of half a line and one of a
quarter. Only outputs whose rows are a multiple of four and columns of a quarter line are
computed so (:func:`fits`; the others go to BLAS), which keeps the compiled code small. Each
output value is its products' sum in the order of ``k``.
"""

import os

import llvmlite.binding as llvm
import numba
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from . import _blas
from ._jit import subroutine
from ._numba_compat import cgutils

ROWS = 4  # rows of a register block
LINE_BYTES = 64  # columns of a register block: one cache line of values
# Multiply-adds above which a product stays with BLAS without being timed (a 128 × 128 · 128
# × 128 product has this many): a kernel without cache blocking has nothing to gain on larger
# operands, and timing the steps of larger products would cost a fit more than it can save.
LARGEST = 1 << 21


def _block(parts: int):
    """An intrinsic computing a block of :data:`ROWS` × (one line / ``parts``) of ``out``; see
    :func:`small_product`."""

    @intrinsic
    def block(typingctx, a, a_start, a_row_step, a_k_step, b, b_start, c, c_start, k):
        index = types.intp
        sig = types.void(a, index, index, index, b, index, c, index, index)

        def codegen(context, builder, signature, args):
            a, a_start, a_row_step, a_k_step, b, b_start, c, c_start, k = args
            a_type, b_type, c_type = signature.args[0], signature.args[4], signature.args[6]
            scalar = context.get_value_type(c_type.dtype)
            width = LINE_BYTES // context.get_abi_sizeof(scalar) // parts
            vector = ir.VectorType(scalar, width)
            name = "f64" if c_type.dtype == types.float64 else "f32"
            fmuladd = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(vector, [vector] * 3),
                f"llvm.fmuladd.v{width}{name}")
            a_data = context.make_array(a_type)(context, builder, a).data
            b_array = context.make_array(b_type)(context, builder, b)
            c_array = context.make_array(c_type)(context, builder, c)
            b_row = builder.extract_value(b_array.shape, 1)  # B's columns: its row step
            c_row = builder.extract_value(c_array.shape, 1)
            integer = ir.IntType(64)
            lanes = ir.Constant(ir.VectorType(ir.IntType(32), width), [0] * width)
            start = builder.basic_block
            loop = builder.append_basic_block("block.loop")
            body = builder.append_basic_block("block.body")
            done = builder.append_basic_block("block.done")
            builder.branch(loop)

            builder.position_at_end(loop)
            p = builder.phi(integer)
            p.add_incoming(ir.Constant(integer, 0), start)
            sums = []
            for _ in range(ROWS):
                total = builder.phi(vector)
                total.add_incoming(ir.Constant(vector, None), start)  # zeros
                sums.append(total)
            builder.cbranch(builder.icmp_signed("<", p, k), body, done)

            builder.position_at_end(body)
            b_at = builder.gep(b_array.data, [builder.add(b_start, builder.mul(p, b_row))])
            b_line = builder.load(builder.bitcast(b_at, vector.as_pointer()), align=4)
            a_at = builder.add(a_start, builder.mul(p, a_k_step))
            updated = []
            for r in range(ROWS):
                offset = builder.add(a_at, builder.mul(ir.Constant(integer, r), a_row_step))
                value = builder.load(builder.gep(a_data, [offset]))
                spread = builder.insert_element(ir.Constant(vector, ir.Undefined), value,
                                                ir.Constant(ir.IntType(32), 0))
                spread = builder.shuffle_vector(spread, ir.Constant(vector, ir.Undefined), lanes)
                updated.append(builder.call(fmuladd, [spread, b_line, sums[r]]))
            end = builder.basic_block
            p.add_incoming(builder.add(p, ir.Constant(integer, 1)), end)
            for total, new in zip(sums, updated):
                total.add_incoming(new, end)
            builder.branch(loop)

            builder.position_at_end(done)
            for r in range(ROWS):
                offset = builder.add(c_start, builder.mul(ir.Constant(integer, r), c_row))
                c_at = builder.gep(c_array.data, [offset])
                builder.store(sums[r], builder.bitcast(c_at, vector.as_pointer()), align=4)
            return context.get_dummy_value()

        return sig, codegen

    return block


_lines, _half_lines, _quarter_lines = (_block(parts) for parts in (1, 2, 4))


def fits(m: int, n: int, itemsize: int) -> bool:
    """Whether :func:`small_product` computes an ``m × n`` output of values of ``itemsize``
    bytes: ``m`` a multiple of :data:`ROWS` and ``n`` of a quarter line."""
    return m % ROWS == 0 and n % (LINE_BYTES // itemsize // 4) == 0


@subroutine
def fits_output(out):
    """:func:`fits` for the output array ``out``, in compiled code."""
    return out.shape[0] % ROWS == 0 and out.shape[1] % (LINE_BYTES // out.itemsize // 4) == 0


@subroutine(reads=("A", "B"))
def small_product(A, B, out, trans_a=False):
    """``out = op(A) · B``, ``op(A)`` = ``Aᵀ`` if ``trans_a`` else ``A`` (see the module
    docstring); ``out`` is ``m × n`` (see :func:`fits`), ``B`` is ``k × n``, all
    C-contiguous."""
    m, n = out.shape
    k = B.shape[0]
    if trans_a:  # op(A)[i, p] = A[p, i]
        row_step, k_step = 1, A.shape[1]
    else:
        row_step, k_step = A.shape[1], 1
    line = LINE_BYTES // out.itemsize
    lines = n - n % line
    for i in range(0, m, ROWS):
        a_start = i * row_step
        for c in range(0, lines, line):
            _lines(A, a_start, row_step, k_step, B, c, out, i * n + c, k)
        c = lines
        if n - c >= line // 2:
            _half_lines(A, a_start, row_step, k_step, B, c, out, i * n + c, k)
            c += line // 2
        if c < n:
            _quarter_lines(A, a_start, row_step, k_step, B, c, out, i * n + c, k)


def machine() -> str:
    """What the speed of these kernels against BLAS depends on besides the shapes: the CPU,
    the code Numba generates for it, and the BLAS library and kernels."""
    return "|".join([llvm.get_host_cpu_name(), str(numba.config.CPU_NAME),
                     str(numba.config.CPU_FEATURES), _blas.LIBRARY,
                     os.environ.get("OPENBLAS_CORETYPE", "")])
