"""What ``python -m nbnet compile`` runs to fill the kernel cache ahead of the first fit.

For container builds, cluster workers and ``make``: tiny fits and predictions through the
public estimators compile (or load) the entry points that fits use, into the cache folder of
this version of nbnet (see :func:`nbnet.kernel_cache_stats`). A fit compiles what it uses
when it first runs anyway; the command only moves that work ahead, in parallel.

Two selections:

- the default: what a default fit and prediction of each solver uses, in both dtypes, on
  dense input: the epoch with whole batches and with batches split in halves
  (:func:`nbnet.kernels.epochs.splits_batches`, which a network of scikit-learn's default
  size on a few dozen features already does), L-BFGS's loss and gradient, ``predict``, and
  the helper thread's hand-over;
- ``--all``: every entry point a fit can use, in both dtypes, for every solver and for dense
  and sparse input, with and without dropout (an epoch signature of its own: its argument is
  None when off), with whole and split batches, for networks with scikit-learn's activations
  and with nbnet's own (a specialisation of its own too:
  :class:`nbnet.kernels.network.Layout`'s ``extended``).

Sample weights, gradient clipping, the loss within a family, the mix of activations, the
estimator kind (classifier or regressor) and the stochastic solver select branches at run
time, not signatures, so they need no fits of their own. The cases run in worker processes,
one per usable core, each taking a contiguous share of the units that share no signature
(an activation family, a dtype and an input kind each, the types that make signatures
differ), ordered by dtype, so that a process types a dtype's leaf kernels once for all its
units.
"""

import concurrent.futures
import contextlib
import itertools
import multiprocessing
import os
import sys
import time
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from . import MLPClassifier, kernel_cache_stats, product_choice
from .kernels._cache import SourceHashCache, signatures
from .kernels.epochs import SYNC_SLOTS, post_epoch

DTYPES = ("float64", "float32")
# The solvers, and Adam with dropout (any stochastic solver would do: they share the epoch),
# each also on a network big enough for split batches.
SOLVERS = ("sgd", "adam", "lbfgs", "adam+dropout", "adam+split", "adam+dropout+split")
# What default fits use: whole batches (sgd and adam share the epoch) or split ones, or L-BFGS.
DEFAULT_SOLVERS = ("sgd", "adam", "lbfgs", "adam+split")
INPUTS = ("dense", "sparse")
# scikit-learn's activations, and nbnet's own (gelu stands for them, and for the robust losses)
ACTIVATIONS = ("relu", "gelu")


class Case(NamedTuple):
    """One tiny fit and prediction of the command."""

    activation: str
    dtype: str
    kind: str
    solver: str


def cases(every: bool = False) -> list[Case]:
    """The command's cases: the default selection, or with ``every`` all of them."""
    if every:
        return [Case(*case) for case in itertools.product(ACTIVATIONS, DTYPES, INPUTS, SOLVERS)]
    return [Case("relu", dtype, "dense", solver)
            for dtype, solver in itertools.product(DTYPES, DEFAULT_SOLVERS)]


def _fit_and_predict(case: Case) -> None:
    rng = np.random.default_rng(0)
    solver, *options = case.solver.split("+")
    # 200 rows of 64 features, 120 hidden units: a step of 9.8 MFLOP, split in halves
    n, n_features, hidden = (200, 64, 120) if "split" in options else (12, 3, 2)
    X = rng.standard_normal((n, n_features)).astype(case.dtype)
    y = np.arange(n) % 3
    if case.kind == "sparse":
        X = sp.csr_matrix(X)
    model = MLPClassifier(hidden_layer_sizes=(hidden,), activation=case.activation,
                          solver=solver, max_iter=1, random_state=0,
                          dropout=0.5 if "dropout" in options else 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.predict_proba(X)


class _Done(NamedTuple):
    lines: list[str]
    signatures: set[str]
    compiled: int
    loaded: int


@contextlib.contextmanager
def _products_untimed():
    """The cases' fits leave their products to BLAS: their tiny shapes are no user's, so
    timing them (:mod:`nbnet.product_choice`) would only store choices no fit uses, and
    delay the fits' epochs (a helper thread idle meanwhile falls asleep, and its hand-over
    then compiles in every process). The compiled signatures are the same."""
    saved = os.environ.get(product_choice.VARIABLE)
    os.environ[product_choice.VARIABLE] = "off"
    try:
        yield
    finally:
        if saved is None:
            del os.environ[product_choice.VARIABLE]
        else:
            os.environ[product_choice.VARIABLE] = saved


def _run_group(group: list[Case], hand_over: bool) -> _Done:
    """Run ``group``'s cases (and with ``hand_over`` the helper thread's hand-over, which
    the cases' fits skip: each starts right after the last) in this process."""
    lines, start, known = [], kernel_cache_stats(), signatures()
    for case in group:
        before, tic = kernel_cache_stats(), time.perf_counter()
        with _products_untimed():
            _fit_and_predict(case)
        after = kernel_cache_stats()
        lines.append(f"{case.activation:>4} {case.dtype:>7} {case.kind:>6} {case.solver:>5}: "
                     f"compiled {after.compiled - before.compiled}, loaded "
                     f"{after.loaded - before.loaded} ({time.perf_counter() - tic:.2f} s)")
    if hand_over:
        post_epoch(np.zeros(SYNC_SLOTS, np.int64), 0, 0)
    end = kernel_cache_stats()
    return _Done(lines, signatures() - known, end.compiled - start.compiled,
                 end.loaded - start.loaded)


def _results(groups: list[list[Case]], workers: int):
    """:func:`_run_group` of each group (the first with the hand-over), as they finish."""
    if workers == 1:
        for i, group in enumerate(groups):
            yield _run_group(group, i == 0)
        return
    # Fresh interpreters: forking a process that has initialised Numba and BLAS threads is
    # not safe.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(_run_group, group, i == 0) for i, group in enumerate(groups)]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()


def _unit(case: Case) -> tuple:
    return case.dtype, case.activation, case.kind


def compile_cases(selected: list[Case], workers: int = 1, out=sys.stdout) -> set[str]:
    """Compile or load what ``selected`` use, in ``workers`` processes (this one if 1); one
    line of ``out`` per case, a total at the end. Returns the signatures the cases used.

    Cases of one activation family, dtype and input kind share signatures (``predict``'s,
    the epoch's), those of different ones none, so each such unit runs in one process: no
    signature is compiled twice, and the totals count each once. The units go to the
    processes in contiguous shares ordered by dtype: the units of a dtype share the kernels
    below the entry points that take no layout or input (activations, losses, updates,
    products), typed and lowered once per process (``--all`` on two cores of a Zen 3: 3% less
    CPU than one unit at a time to whichever process was free, 2026-12).
    """
    began = time.perf_counter()
    units = [list(group) for _, group in itertools.groupby(
        sorted(selected, key=_unit), key=_unit)]
    # Numba's own cache (the compatibility fallback) saves without nbnet's lock: one process.
    workers = max(1, min(workers, len(units))) if SourceHashCache is not None else 1
    bounds = [len(units) * i // workers for i in range(workers + 1)]
    groups = [sum(units[a:b], []) for a, b in zip(bounds, bounds[1:])]
    done = []
    for result in _results(groups, workers):
        print(*result.lines, sep="\n", file=out, flush=True)
        done.append(result)
    used = set().union(*(result.signatures for result in done))
    print(f"compiled {sum(result.compiled for result in done)} and loaded "
          f"{sum(result.loaded for result in done)} kernel signatures ({len(used)} distinct) "
          f"in {time.perf_counter() - began:.1f} s with {workers} process"
          f"{'es' if workers > 1 else ''}; cache: "
          f"{kernel_cache_stats().folder}", file=out)
    return used
