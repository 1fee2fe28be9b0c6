"""``python -m nbnet compile``: fill the kernel cache ahead of the first fit.

For container builds, cluster workers and ``make``: tiny fits and predictions through the
public estimators compile (or load) every entry point a fit can use, in both dtypes, for
every solver and for dense and sparse input, with and without dropout and gradient clipping
(each an epoch signature of its own: their arguments are None when off), with whole batches
and with batches split in halves (:func:`nbnet.kernels.epochs.splits_batches`), for networks with
scikit-learn's activations and with nbnet's own (a specialisation of its own too:
:class:`nbnet.kernels.network.Layout`'s ``extended``), into the cache folder of this version
of nbnet (see :func:`nbnet.kernel_cache_stats`). Sample weights, the loss within a family,
the mix of activations, the estimator kind (classifier or regressor) and the stochastic solver
select branches at run time, not signatures, so they need no fits of their own.
"""

import argparse
import itertools
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from . import MLPClassifier, kernel_cache_stats
from .kernels.epochs import SYNC_SLOTS, post_epoch
from .kernels._cache import prune

DTYPES = (np.float64, np.float32)
# The solvers, and Adam with dropout, clipping or both (any stochastic solver would do: they
# share the epoch), each also on a network big enough for split batches.
SOLVERS = ("sgd", "adam", "lbfgs", "adam+dropout", "adam+clip", "adam+dropout+clip",
           "adam+split", "adam+dropout+split", "adam+clip+split", "adam+dropout+clip+split")
INPUTS = ("dense", "sparse")
# scikit-learn's activations, and nbnet's own (gelu stands for them, and for the robust losses)
ACTIVATIONS = ("relu", "gelu")


def _fit_and_predict(dtype, solver: str, kind: str, activation: str) -> None:
    rng = np.random.default_rng(0)
    solver, *options = solver.split("+")
    # 200 rows of 64 features, 120 hidden units: a step of 9.8 MFLOP, split in halves
    n, n_features, hidden = (200, 64, 120) if "split" in options else (12, 3, 2)
    X = rng.standard_normal((n, n_features)).astype(dtype)
    y = np.arange(n) % 3
    if kind == "sparse":
        X = sp.csr_matrix(X)
    model = MLPClassifier(hidden_layer_sizes=(hidden,), activation=activation, solver=solver,
                          max_iter=1, random_state=0,
                          dropout=0.5 if "dropout" in options else 0.0,
                          clip_grad_norm=1.0 if "clip" in options else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.predict_proba(X)


def compile_all(out=sys.stdout) -> None:
    """Compile or load every entry point a fit can use, one line of ``out`` per case."""
    start = kernel_cache_stats()
    began = time.perf_counter()
    for activation, dtype, kind, solver in itertools.product(ACTIVATIONS, DTYPES, INPUTS, SOLVERS):
        before, tic = kernel_cache_stats(), time.perf_counter()
        _fit_and_predict(dtype, solver, kind, activation)
        after = kernel_cache_stats()
        print(f"{activation:>4} {np.dtype(dtype).name:>7} {kind:>6} {solver:>5}: compiled "
              f"{after.compiled - before.compiled}, loaded {after.loaded - before.loaded} "
              f"({time.perf_counter() - tic:.2f} s)", file=out)
    # the helper thread's hand-over, which these fits skip: each starts right after the last
    post_epoch(np.zeros(SYNC_SLOTS, np.int64), 0, 0)
    end = kernel_cache_stats()
    print(f"compiled {end.compiled - start.compiled} and loaded {end.loaded - start.loaded} "
          f"kernel signatures in {time.perf_counter() - began:.1f} s; cache: {end.folder}",
          file=out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m nbnet",
                                     description="nbnet's command line: compile its kernels.")
    commands = parser.add_subparsers(dest="command", required=True)
    compile_ = commands.add_parser(
        "compile", help="fill the kernel cache for every entry point in both dtypes",
        description="Compile (or load from the cache) every kernel a fit or prediction can "
                    "use: float64 and float32, dense and sparse input, sgd, adam and lbfgs, "
                    "the epoch with dropout, clipping or both, with whole and split batches, "
                    "and networks with nbnet's own activations and losses.")
    compile_.add_argument("--prune", action="store_true",
                          help="also delete the cache folders of other versions of nbnet")
    arguments = parser.parse_args(argv)
    if arguments.prune:
        for path in prune():
            print(f"removed {path}")
    if kernel_cache_stats().folder is None:
        print("error: nowhere to write the compiled kernels: no writable cache folder "
              "(NUMBA_CACHE_DIR, nbnet's __pycache__, Numba's user cache folder); set "
              "NUMBA_CACHE_DIR to a writable folder", file=sys.stderr)
        return 1
    compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
