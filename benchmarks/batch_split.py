"""Would splitting each batch across two threads pay? One Adam epoch, as nbnet runs it and split.

nbnet's epoch (:func:`nbnet.kernels.epochs.stochastic_epoch`) runs each step on one thread;
on small networks its products take one core's peak and the second core idles (issue 17).
The split epoch here runs each step's two half-batches' forward and backward passes side by
side in a ``numba.prange`` over 2 (on whatever threading layer Numba picks: OpenMP, TBB or
its own ``workqueue``, named in the output), each into its own workspace, then sums the two
gradients and takes one Adam step. It is an experiment, not nbnet code: the threading layer
is a setting of the whole process, which nbnet must not choose. nbnet's epoch runs with
BLAS's default threads and with one, the split epoch with one (two threads of its own), in
turn; the table gives ms per epoch (best and median of the rounds) and what one empty
parallel region costs. Before timing, both epochs' first two steps are checked to give the
same weights to round-off. Run: ``python -m benchmarks.batch_split P1 P3``.
"""

import statistics
import sys
import time

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from nbnet.kernels.epochs import Data, OptimizerState, make_workspace, stochastic_epoch
from nbnet.kernels.network import Model, backprop, copy_rows
from nbnet.kernels.updates import ADAM, moments, update

from .measure import LIBRARY_PAUSE, timed
from .phases import epoch_setup
from .workloads import SCALES, find_workload

ALPHA, LEARNING_RATE = 1e-4, 1e-3  # scikit-learn's defaults


@numba.njit(nogil=True, parallel=True)
def split_epoch(theta, layout, X, Y, order, batch_size, inputs, targets, activations, deltas,
                transposed, grads, slots, hyper):
    """An Adam epoch with each batch's halves' gradients computed on two threads."""
    no_weights = np.empty(0, X.dtype)
    n_coefs = layout.intercept_offsets[0]
    for start in range(0, order.shape[0], batch_size):
        rows = order[start : start + batch_size]
        m = rows.shape[0]
        half = (m + 1) // 2
        for t in numba.prange(2):
            part = rows[t * half : min(m, (t + 1) * half)]
            A0, Yb = inputs[t, : part.shape[0]], targets[t, : part.shape[0]]
            copy_rows(X, part, A0)
            copy_rows(Y, part, Yb)
            backprop(theta, grads[t], layout, A0, None, part, Yb, no_weights, float(m),
                     activations[t], deltas[t], transposed[t], inputs.shape[1])
        grad = grads[0]
        for i in range(grad.shape[0]):
            grad[i] += grads[1][i]
        update(ADAM, theta, grad, slots, n_coefs, ALPHA / m, LEARNING_RATE, 0.0, 1.0, hyper)


@numba.njit(nogil=True, parallel=True)
def empty_regions(count, out):
    """``count`` parallel regions of two threads that do next to nothing."""
    for _ in range(count):
        for t in numba.prange(2):
            out[t] += 1.0


def compare(key: str, rounds: int = 7, rows: int | None = None) -> list[str]:
    """A Markdown table row for workload ``key``: nbnet's epoch against the split one.

    ``rows`` caps the training rows (for a quick check); default all of them.
    """
    workload = find_workload(key, SCALES["full"])
    dtype = workload.dtype
    X, Y, batch, layout, theta, order = epoch_setup(workload, rows)
    hyper = moments(0.9, 0.999, 1e-8)
    steps = -(-X.shape[0] // batch)
    rates = np.full(steps, LEARNING_RATE)
    work = make_workspace(layout, batch, dtype)
    half = make_workspace(layout, (batch + 1) // 2, dtype)
    inputs = np.empty((2, *half.inputs.shape), dtype)
    targets = np.empty((2, *half.targets.shape), dtype)
    activations, deltas, transposed = (np.stack([buffer, buffer.copy()]) for buffer in
                                       (half.activations, half.deltas, half.transposed))
    grads = np.empty((2, theta.size), dtype)
    slots = np.zeros((2, theta.size), dtype)

    def nbnet_epoch(order=order):
        trained = theta.copy()
        stochastic_epoch(Model(trained, layout), Data(X, None, Y, np.empty(0, dtype)),
                         order, batch, ALPHA, OptimizerState(ADAM, slots.copy(), hyper, rates,
                                                             np.zeros_like(rates), None), work, None)
        return trained

    def split(order=order):
        trained = theta.copy()
        split_epoch(trained, layout, X, Y, order, batch, inputs, targets, activations,
                    deltas, transposed, grads, slots.copy(), hyper)
        return trained

    counter = np.zeros(2)
    with threadpool_limits(limits=1, user_api="blas"):
        # compile, start the threads, and check that both make the same two steps (to
        # round-off: the halves' gradients are summed in another order, and Adam's step
        # g / √v turns a rounding of a tiny g into up to 1% of the learning rate; whole
        # float32 epochs part by 1e-2)
        tight = dict(rtol=1e-9, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(split(order[: 2 * batch]), nbnet_epoch(order[: 2 * batch]),
                                   **tight)
        empty_regions(1, counter)
    seconds = {"nbnet": [], "nbnet, 1 BLAS thread": [], "split": [], "regions": []}
    for _ in range(rounds):
        time.sleep(LIBRARY_PAUSE)  # the split epoch's threads and BLAS's stop spinning
        seconds["nbnet"].append(timed(nbnet_epoch))
        with threadpool_limits(limits=1, user_api="blas"):
            seconds["nbnet, 1 BLAS thread"].append(timed(nbnet_epoch))
            seconds["split"].append(timed(split))
            seconds["regions"].append(timed(empty_regions, steps, counter) / steps)
    best = {name: min(values) for name, values in seconds.items()}
    median = {name: statistics.median(values) for name, values in seconds.items()}
    cells = [f"{best[name] * 1e3:.2f} ({median[name] * 1e3:.2f})"
             for name in ("nbnet", "nbnet, 1 BLAS thread", "split")]
    return [f"| {key} | {numba.threading_layer()} | {' | '.join(cells)} | "
            f"{best['nbnet'] / best['split']:.2f}× | {best['regions'] * 1e6:.2f} |"]


HEADER = ["| workload | threading layer | nbnet epoch ms: best (median) | the same, BLAS at one "
          "thread | split epoch ms (BLAS at one thread) | nbnet / split, best | µs per empty "
          "parallel region |", "|---|---|---|---|---|---|---|"]


if __name__ == "__main__":
    print("\n".join(HEADER))
    for workload_key in sys.argv[1:] or ["P1", "P3"]:
        print("\n".join(compare(workload_key)))
