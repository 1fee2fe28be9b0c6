"""The suite's subprocesses; each prints one JSON line.

``python -m benchmarks.child memory KEY LIBRARY SCALE``
    Peak memory of one fit (two epochs or iterations) of workload ``KEY`` by ``LIBRARY``,
    in a process of its own so that one library's peak cannot hide another's.
``python -m benchmarks.child compile SOLVER``
    nbnet's compile time for float64 and then float32: for each dtype, the first tiny
    fit-and-score of the process minus a second one.
``python -m benchmarks.child first_fit SOLVER``
    Seconds of the first fit and prediction of a default ``MLPClassifier`` of ``SOLVER`` on
    digits in float64, and then in float32, in a fresh process: compiling (or loading) included.
``python -m benchmarks.child epochs KEY SCALE REPEATS``
    nbnet's fastest seconds per epoch over ``REPEATS`` fits of workload ``KEY``, after a
    warm-up fit, and the kernel cache folder it used (for :mod:`benchmarks.ab`).
"""

import json
import sys
from time import perf_counter

import numpy as np

from nbnet import MLPClassifier, kernel_cache_stats
from nbnet.datasets import load, make_synthetic

from .measure import peak_rss_mib, reset_peak_rss, rss_mib, timed_fit
from .workloads import NBNET, SCALES, find_library, find_workload, warm_up

MEMORY_EPOCHS = 2


def memory(key: str, library_name: str, scale_name: str) -> dict:
    """Peak and growth of the resident size over one fit (see
    :func:`benchmarks.measure.peak_memory`)."""
    workload = find_workload(key, SCALES[scale_name])
    library = find_library(library_name)
    split = workload.load()
    warm_up(workload, library, split)
    model = workload.estimator(library, max_iter=MEMORY_EPOCHS)
    exact = reset_peak_rss()
    before = rss_mib()
    timed_fit(model, split.X_train, split.y_train)
    peak = peak_rss_mib()
    return {"peak_mib": peak, "delta_mib": peak - before, "exact": exact}


def compile_time(solver: str) -> dict:
    """Seconds to compile (or load from the cache) what a first fit and score need, for each
    dtype in turn (see :func:`benchmarks.measure.compile_seconds`)."""
    seconds = {}
    for dtype in (np.float64, np.float32):
        split = make_synthetic("classification", 250, 8, 3, dtype=dtype)

        def fit_and_score():
            start = perf_counter()
            model = MLPClassifier((16,), solver=solver, max_iter=2, random_state=0)
            timed_fit(model, split.X_train, split.y_train)
            model.score(split.X_test, split.y_test)
            return perf_counter() - start

        first, second = fit_and_score(), fit_and_score()
        seconds[np.dtype(dtype).name] = first - second
    return seconds


def first_fit(solver: str) -> dict:
    """Seconds of a first default fit and prediction on digits, for each dtype in turn (see
    :func:`benchmarks.measure.first_fits`)."""
    data, seconds = load("digits"), {}
    for dtype in (np.float64, np.float32):
        start = perf_counter()
        model = MLPClassifier(solver=solver, random_state=0)
        timed_fit(model, data.X_train.astype(dtype), data.y_train)
        model.predict(data.X_test.astype(dtype))
        seconds[np.dtype(dtype).name] = perf_counter() - start
    return seconds


def epochs(key: str, scale_name: str, repeats: str) -> dict:
    """nbnet's fastest seconds per epoch (fit time over ``n_iter_``) over ``repeats`` fits of
    workload ``key``, compiling excluded, and its kernel cache folder."""
    workload = find_workload(key, SCALES[scale_name])
    split = workload.load()
    warm_up(workload, NBNET, split)
    seconds = []
    for _ in range(int(repeats)):
        model = workload.estimator(NBNET)
        seconds.append(timed_fit(model, split.X_train, split.y_train) / model.n_iter_)
    return {"seconds": min(seconds), "cache": str(kernel_cache_stats().folder)}


def main(argv: list[str]) -> None:
    """Dispatch ``memory``, ``compile``, ``first_fit`` or ``epochs`` and print the result as
    JSON."""
    commands = {"memory": memory, "compile": compile_time, "first_fit": first_fit,
                "epochs": epochs}
    print(json.dumps(commands[argv[0]](*argv[1:])))


if __name__ == "__main__":
    main(sys.argv[1:])
