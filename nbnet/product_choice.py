"""Which kernel computes each product of a training step, chosen by timing on this machine.

A small network's step is a few products of small matrices, where BLAS's call and packing
overheads weigh as much as the arithmetic, and how much depends on the CPU and on OpenBLAS's
kernels for it: no size threshold holds on every machine. So each product of a fit's step
of at most :data:`nbnet.kernels.small_products.LARGEST` multiply-adds is timed both ways —
BLAS's ``?gemm`` or :func:`nbnet.kernels.small_products.small_product`, and for the errors
δ·Wᵀ also on a copy of ``Wᵀ`` — and the faster kept: the fit's own compiled epoch runs its
first batches with each alternative in turn (learning rate 0, on copies of the weights and
optimizer state, so nothing changes and nothing more compiles), one product after the other,
in :data:`ROUNDS` rounds that time each alternative once; an alternative must save
:data:`MARGIN` of the time (its times over the current one's in the same rounds, see
:func:`_time`) to replace the current one.

A choice is kept per product shape (nearby batch sizes share one, :func:`rows_key`) for the
process, and in the kernel cache folder (``products.json``, one entry per machine: CPU,
Numba's target, BLAS library and kernels), so that later fits and processes on the machine
use it without timing and train with the same arithmetic: a fit's weights are the same from
run to run on a machine, and differ between machines at round-off, as BLAS's own kernels do.
``NBNET_PRODUCT_CHOICE=off`` leaves every product to BLAS.
"""

import functools
import json
import os
import time
from typing import NamedTuple

import numpy as np

from .kernels import _cache
from .kernels.epochs import Data, OptimizerState, Workspace, one_epoch, stochastic_epochs
from .kernels.network import (BLAS, ERRORS, FORWARD, OWN, TRANSPOSED_BLAS, TRANSPOSED_OWN,
                              WEIGHTS, Model)
from .kernels.small_products import LARGEST, fits, machine
from .optimizers import SGD

ROUNDS = 10  # in pairs of opposite orders (an odd last round would be left out)
MARGIN = 0.01
MEASURE_SECONDS = 0.002  # a timed run is about this long ...
MAX_STEPS = 32  # ... and at most this many steps
FILE = "products.json"
VARIABLE = "NBNET_PRODUCT_CHOICE"  # "off": BLAS for every product, nothing timed

_chosen: dict[str, int] = {}  # shape key -> kernel code, this process's choices


class Candidate(NamedTuple):
    """A product of the step that is timed: where its code goes in the table, its shape key
    and the codes it may take."""

    form: int
    layer: int
    key: str
    options: tuple


def candidates(sizes, rows: int, dtype, dense_input: bool, transposed: int) -> list[Candidate]:
    """The products of a step on batches of ``rows`` rows that are timed: those of at most
    ``LARGEST`` multiply-adds, except the first layer's of sparse input (which are not
    products of matrices) and error products whose ``Wᵀ`` outgrows the scratch of
    ``transposed`` values, and products whose output does not fit nbnet's kernel
    (:func:`nbnet.kernels.small_products.fits`) where BLAS is their only option."""
    return list(_candidates(tuple(int(size) for size in sizes), rows, np.dtype(dtype),
                            dense_input, transposed))


def rows_key(rows: int) -> int:
    """The batch size that names a choice made for batches of ``rows`` rows: ``rows`` with
    all but its three leading bits cleared (32 for 32–39 rows, 192 for 192–223).

    Fits of small data sets (a batch of all ``n`` rows) and streams of ``partial_fit`` calls
    meet many nearby batch sizes; timing each one cost 0.1–0.4 s once per machine. A product's
    time is smooth in its rows, so nearby sizes share the choice timed on the first of them
    (where it names nbnet's kernel for a batch that the kernel does not fit, BLAS computes
    it), and a fit's weights stay the same from run to run.
    """
    drop = max(rows.bit_length() - 3, 0)
    return rows >> drop << drop


# Kept per network and batch: every fit and partial_fit call asks, and making the list took
# more than the rest of a call's bookkeeping.
@functools.lru_cache(maxsize=256)
def _candidates(sizes: tuple, rows: int, dtype: np.dtype, dense_input: bool,
                transposed: int) -> tuple:
    name, itemsize = dtype.name, dtype.itemsize
    key = rows_key(rows)
    found = []
    for i in range(len(sizes) - 1):
        n_in, n_out = sizes[i], sizes[i + 1]
        if rows * n_in * n_out > LARGEST:
            continue
        if (i > 0 or dense_input) and fits(rows, n_out, itemsize):
            found.append(Candidate(FORWARD, i, f"A.W {key}x{n_in}x{n_out} {name}", (BLAS, OWN)))
        if (i > 0 or dense_input) and fits(n_in, n_out, itemsize):
            found.append(Candidate(WEIGHTS, i, f"At.d {n_in}x{key}x{n_out} {name}", (BLAS, OWN)))
        if i > 0 and n_in * n_out <= transposed:
            own = (TRANSPOSED_OWN,) if fits(rows, n_in, itemsize) else ()
            found.append(Candidate(ERRORS, i, f"d.Wt {key}x{n_out}x{n_in} {name}",
                                   (BLAS, TRANSPOSED_BLAS, *own)))
    return tuple(found)


def _stored() -> dict:
    """Every machine's stored choices (empty where there are none, or no cache folder)."""
    folder = _cache.cache_folder()
    try:
        return json.loads((folder / FILE).read_text()) if folder is not None else {}
    except (OSError, ValueError):
        return {}


def _load() -> dict:
    """This machine's stored choices."""
    return _stored().get(machine(), {})


def _save(choices: dict) -> None:
    folder = _cache.cache_folder()
    if folder is None:
        return
    path = folder / FILE
    stored = _stored()
    stored.setdefault(machine(), {}).update(choices)
    try:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(stored, indent=1, sort_keys=True))
        temporary.replace(path)
    except OSError:  # read-only meanwhile: the choices hold for this process only
        pass


def choose_products(model: Model, data: Data, batch_size: int, alpha: float, work: Workspace,
                    dropout, halves) -> None:
    """Fill in ``work.products`` (and ``halves.work.products``) for a fit's steps.

    The arguments are the fit's, as :func:`nbnet.kernels.epochs.stochastic_epochs` takes
    them, so that timing runs the compiled epoch the fit runs (unclipped: clipping costs
    every option the same). Shapes already chosen in this process or stored for this machine
    are not timed again.
    """
    if os.environ.get(VARIABLE, "") == "off":
        return
    layout = model.layout
    rows = batch_size if halves is None else (batch_size + 1) // 2
    timed = candidates(layout.sizes, rows, model.theta.dtype, data.sparse is None,
                       work.transposed.shape[0])
    tables = [work.products] + ([] if halves is None else [halves.work.products])
    tables[0][...] = tables[-1]  # halves: the first half's products have the second's rows
    if any(c.key not in _chosen for c in timed):
        _chosen.update(_load())
    unknown = [c for c in timed if c.key not in _chosen]
    if unknown:
        # the fit's epoch may compile and save kernels meanwhile, under the cache's own lock
        with _cache.folder_lock("products.lock"):
            _chosen.update(_load())  # another process may have timed them meanwhile
            unknown = [c for c in unknown if c.key not in _chosen]
            if unknown:
                run = _timed_run(model, data, batch_size, alpha, work, dropout, halves)
                new = _time(unknown, tables, run)
                _chosen.update(new)
                _save(new)
    for c in timed:
        for table in tables:
            table[c.form, c.layer] = _chosen[c.key]


def _timed_run(model, data, batch_size, alpha, work, dropout, halves):
    """A function timing the fit's epoch over its first batches, with learning rate 0 on
    copies of the weights and of an SGD state: returns seconds per step."""
    n_rows = data.Y.shape[0]
    theta = model.theta.copy()
    sgd = SGD(theta.shape[0], theta.dtype, momentum=0.0)
    one_thread = None if halves is None else halves._replace(threads=1)

    def steps_seconds(n_steps):
        order = np.arange(min(n_rows, n_steps * batch_size), dtype=np.int64)
        zeros = np.zeros(n_steps)
        state = OptimizerState(sgd.code, sgd.slots, sgd.hyper, zeros, zeros, np.inf)
        start = time.perf_counter()
        stochastic_epochs(Model(theta, model.layout), data, order, batch_size, float(alpha),
                          state, work, dropout, one_epoch(), one_thread, False)
        return (time.perf_counter() - start) / -(-order.shape[0] // batch_size)

    steps_seconds(1)  # warm the caches
    per_step = steps_seconds(1)
    n_steps = int(min(MAX_STEPS, max(1, MEASURE_SECONDS // max(per_step, 1e-9))))
    return lambda: steps_seconds(n_steps)


def _time(unknown: list[Candidate], tables: list, run) -> dict:
    """Time each candidate's options in turn (the others as already chosen); returns the
    choice of each shape key.

    Each round times every option once, the order reversed every other round, and takes
    each one's time over the current option's of the same round; the geometric mean of two
    consecutive rounds' ratios cancels a steady drift of the machine's speed, and the median
    of these decides. A product is a few percent of a step, about what timed runs drift by on
    a shared machine: the best time of each option over all rounds, compared, chose
    differently from run to run.
    """
    choices = {}
    for c in unknown:
        current = int(tables[0][c.form, c.layer])
        seconds = {option: [] for option in c.options}
        for round_ in range(ROUNDS):
            for option in c.options[::-1] if round_ % 2 else c.options:
                for table in tables:
                    table[c.form, c.layer] = option
                seconds[option].append(run())
        ratio = {}
        for option in c.options:
            rounds = np.divide(seconds[option], seconds[current])
            ratio[option] = float(np.median(np.sqrt(rounds[0:-1:2] * rounds[1::2])))
        fastest = min(ratio, key=ratio.get)
        chosen = fastest if ratio[fastest] < 1 - MARGIN else current
        for table in tables:
            table[c.form, c.layer] = chosen
        choices[c.key] = chosen
    return choices
