"""Where a small epoch's products go: each product shape of one training step, timed alone.

A step of a network with layer sizes ``n_0 … n_L`` on a batch of ``m`` rows makes these
products through :func:`nbnet.kernels._blas.gemm` (see :mod:`nbnet.kernels.network`):

- forward, layer ``i``: ``A_{i-1} · W_i`` (``m × n_i``, inner ``n_{i-1}``), form NN;
- weight gradient, layer ``i``: ``A_{i-1}ᵀ · δ_i`` (``n_{i-1} × n_i``, inner ``m``), form TN;
- error, layer ``i > 1``: ``δ_i · W_iᵀ`` (``m × n_{i-1}``, inner ``n_i``), form NN on a copy of
  ``W_iᵀ`` for batches of 16 rows or more (:func:`nbnet.kernels.network.error_product`),
  NT otherwise.

Each shape runs in a compiled loop of ``calls`` products, with BLAS's default threads and
with one thread (threadpoolctl, restored after), alternated; the table gives µs per call
(best of the rounds), GFLOP/s and % of the GEMM peak measured in the same run (default
threads), and ms per epoch (set those beside the per-phase profile of
:mod:`benchmarks.phases`). Run: ``python -m benchmarks.shapes P1 P3``.
"""

import sys
from typing import NamedTuple

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from nbnet.kernels._blas import gemm

from .measure import gemm_peak, timed
from .workloads import SCALES, find_workload

_jit = numba.njit(cache=True, nogil=True)
# The full suite's GEMM size, so that the % of peak compare with its table: a 1024² peak
# varied nearly twofold within one run (2-core AVX-512 AMD EPYC, 2026-12; see
# docs/dev/performance_kernels.rst).
PEAK_SIZE = SCALES["full"].gemm_size


@_jit
def _repeat(a, b, out, trans_a, trans_b, calls):
    for _ in range(calls):
        gemm(a, b, out, trans_a, trans_b)


class Product(NamedTuple):
    """One product of a training step: ``out (m × n) = op(a) · op(b)`` with inner ``k``."""

    name: str
    form: str  # "NN", "TN" or "NT"
    m: int
    n: int
    k: int

    @property
    def flops(self) -> int:
        return 2 * self.m * self.n * self.k


def step_products(sizes, batch: int) -> list[Product]:
    """The products of one training step of a network with layer ``sizes`` on ``batch`` rows."""
    products = []
    for i in range(1, len(sizes)):
        products.append(Product(f"A{i - 1}·W{i}", "NN", batch, sizes[i], sizes[i - 1]))
    for i in range(len(sizes) - 1, 0, -1):
        products.append(Product(f"A{i - 1}ᵀ·δ{i}", "TN", sizes[i - 1], sizes[i], batch))
        if i > 1:
            form = "NN" if batch >= 16 else "NT"
            products.append(Product(f"δ{i}·W{i}ᵀ", form, batch, sizes[i - 1], sizes[i]))
    return products


def _operands(product: Product, dtype):
    rng = np.random.default_rng(0)
    m, n, k = product.m, product.n, product.k
    a = rng.standard_normal((k, m) if product.form[0] == "T" else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if product.form[1] == "T" else (k, n)).astype(dtype)
    return a, b, np.empty((m, n), dtype)


def time_product(product: Product, dtype, calls: int, rounds: int) -> tuple[float, float]:
    """Seconds per call of ``product`` in a compiled loop, with BLAS's default threads and
    with one: best of ``rounds`` each, alternated."""
    a, b, out = _operands(product, dtype)
    trans_a, trans_b = product.form[0] == "T", product.form[1] == "T"
    _repeat(a, b, out, trans_a, trans_b, 1)
    default, single = [], []
    for _ in range(rounds):
        default.append(timed(_repeat, a, b, out, trans_a, trans_b, calls))
        with threadpool_limits(limits=1, user_api="blas"):
            single.append(timed(_repeat, a, b, out, trans_a, trans_b, calls))
    return min(default) / calls, min(single) / calls


def table(key: str, calls: int = 2000, rounds: int = 7) -> list[str]:
    """Markdown table of the products of workload ``key``'s training step."""
    workload = find_workload(key, SCALES["full"])
    split = workload.load()
    n_rows, n_features = split.X_train.shape
    n_classes = len(np.unique(split.y_train))
    params = workload.params
    batch = min(int(params.get("batch_size", 200)), n_rows)
    sizes = [n_features, *params.get("hidden_layer_sizes", (100,)), n_classes]
    dtype = np.dtype(workload.dtype)
    peak = gemm_peak(dtype, PEAK_SIZE)
    steps = -(-n_rows // batch)
    lines = [f"{key}: layers {sizes}, batch {batch}, {dtype}, {steps} steps per epoch; "
             f"GEMM peak {peak:.1f} GFLOP/s (numpy matmul {PEAK_SIZE}², same run)", "",
             "| product | form | m×n×k | µs/call | GFLOP/s | % peak | ms/epoch | µs/call, 1 thread |",
             "|---|---|---|---|---|---|---|---|"]
    total = 0.0
    for product in step_products(sizes, batch):
        seconds, single = time_product(product, dtype, calls, rounds)
        total += seconds * steps
        gflops = product.flops / seconds / 1e9
        lines.append(f"| {product.name} | {product.form} | {product.m}×{product.n}×{product.k} | "
                     f"{seconds * 1e6:.2f} | {gflops:.1f} | {100 * gflops / peak:.0f}% | "
                     f"{seconds * steps * 1e3:.2f} | {single * 1e6:.2f} |")
    flops = sum(p.flops for p in step_products(sizes, batch)) * steps
    lines.append(f"| all products | | | | {flops / total / 1e9:.1f} | "
                 f"{100 * flops / total / 1e9 / peak:.0f}% | {total * 1e3:.2f} | |")
    return lines


if __name__ == "__main__":
    for workload_key in sys.argv[1:] or ["P1", "P3"]:
        print("\n".join(table(workload_key)), "\n")
