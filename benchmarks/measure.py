"""Timers and probes: interleaved repeated runs, the machine's GEMM peak, and the peak memory
and compile time that are measured in subprocesses (entry point: :mod:`benchmarks.child`).
"""

import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from time import perf_counter, sleep
from typing import Callable, NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]


class Stats(NamedTuple):
    """Median and range of repeated measurements."""

    median: float
    low: float
    high: float


def stats(values) -> Stats:
    """:class:`Stats` of a sequence of numbers."""
    values = np.asarray(values, dtype=float)
    return Stats(float(np.median(values)), float(values.min()), float(values.max()))


# OpenBLAS threads spin for about 0.1 s after a product before they sleep. scikit-learn's
# GEMMs use numpy's OpenBLAS pool, nbnet's scipy's (nbnet/kernels/_blas.py) and PyTorch its OpenMP
# threads; a fit that starts while another library's threads still spin shares the two cores
# with them (P4's iterations took up to 2.8 times as long without this pause; 2-core AVX-512
# AMD EPYC, 2026-11; series in docs/dev/performance_kernels.rst).
LIBRARY_PAUSE = 0.3


def alternate(tasks: dict[str, Callable], repeats: int, pause: float = 0.0) -> dict[str, list]:
    """Call every task ``repeats`` times, interleaved, and collect what each returns.

    The order reverses every other round (A B, B A, A B, …) so that no task always runs
    first, just after another task warmed the caches or woke a BLAS thread pool.

    Parameters
    ----------
    tasks : dict of str to callable
        Zero-argument callables.
    repeats : int
        Rounds.
    pause : float
        Seconds to sleep before each call, for tasks of libraries with BLAS thread pools of
        their own (see :data:`LIBRARY_PAUSE`).

    Returns
    -------
    results : dict of str to list
        What each task returned, in call order.
    """
    names = list(tasks)
    results = {name: [] for name in names}
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else names[::-1]:
            sleep(pause)
            results[name].append(tasks[name]())
    return results


def timed(function: Callable, *args) -> float:
    """Seconds that ``function(*args)`` takes."""
    start = perf_counter()
    function(*args)
    return perf_counter() - start


def timed_fit(model, X, y) -> float:
    """Seconds that ``model.fit(X, y)`` takes; ConvergenceWarning is silenced (runs of a
    fixed number of epochs reach ``max_iter`` on purpose), and what the fit prints (a
    progress bar) goes to stderr: stdout carries the report."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return timed(model.fit, X, y)


def gemm_peak(dtype, n: int, repeats: int = 3, threads: int | None = None) -> float:
    """GFLOP/s of numpy's matmul of two ``n × n`` matrices of ``dtype``: best of ``repeats``.

    Parameters
    ----------
    dtype : numpy dtype
    n : int
        Matrix size; the product costs ``2 n³`` floating-point operations.
    repeats : int, default=3
    threads : int, optional
        BLAS threads for the products (threadpoolctl's limit); all of BLAS's own by default.

    Returns
    -------
    gflops : float
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    out = np.empty_like(a)
    with threadpool_limits(threads, user_api="blas"):
        np.matmul(a, b, out=out)  # wakes the thread pool
        best = min(timed(np.matmul, a, b, out) for _ in range(repeats))
    return 2.0 * n**3 / best / 1e9


# ----------------------------------------------------------------------------- memory


def reset_peak_rss() -> bool:
    """Reset this process's peak resident size to its current size (Linux ≥ 4.0).

    Returns False where that is impossible; :func:`peak_rss_mib` then reports the peak
    since the process started.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return None


def rss_mib() -> float:
    """Current resident size of this process, MiB."""
    current = _status_mib("VmRSS")
    return current if current is not None else peak_rss_mib()


def peak_rss_mib() -> float:
    """Peak resident size of this process, MiB (since :func:`reset_peak_rss`, where it works)."""
    peak = _status_mib("VmHWM")
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024.0 if sys.platform.startswith("linux") else 1024.0**2)


# ----------------------------------------------------------------------------- subprocesses


def child(*args: str, cache_dir: str | None = None) -> dict:
    """Run ``python -m benchmarks.child ARGS`` and return the JSON it prints last.

    ``cache_dir`` replaces ``NUMBA_CACHE_DIR`` in the child's environment.
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    proc = subprocess.run([sys.executable, "-m", "benchmarks.child", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    return child_output(args, proc.returncode, proc.stdout, proc.stderr)


def child_output(args, returncode: int, stdout: str, stderr: str) -> dict:
    """The JSON line that ``python -m benchmarks.child ARGS`` printed last; raises
    RuntimeError with the end of its stderr if it failed."""
    if returncode != 0:
        raise RuntimeError(f"benchmarks.child {' '.join(args)} failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def peak_memory(key: str, library: str, scale: str) -> dict:
    """Peak memory of one fit of workload ``key`` by ``library``, in a fresh process.

    Returns
    -------
    memory : dict
        ``peak_mib`` (the process's peak resident size during the fit), ``delta_mib``
        (its growth over the size just before the fit) and ``exact`` (False where the
        peak could not be reset before the fit, so that it includes loading the data).
    """
    return child("memory", key, library, scale)


def compile_seconds(solver: str, cold: bool) -> dict:
    """nbnet's compile time for one solver, both dtypes, apart from training.

    A fresh process fits and scores float64 and then float32; each dtype's figure is its
    first tiny fit-and-score minus a second, identical one (float64's includes what both
    share). ``cold`` starts from an empty ``NUMBA_CACHE_DIR``; ``cached`` from the cache that
    the cold run filled (or, without ``cold``, from the current one).

    Returns
    -------
    seconds : dict
        Per dtype name, ``cold`` (None unless measured) and ``cached``.
    """
    return _cold_and_cached("compile", solver, cold)


def _cold_and_cached(command: str, solver: str, cold: bool) -> dict:
    """``python -m benchmarks.child COMMAND SOLVER`` from an empty cache (with ``cold``),
    then from the cache that filled (or from the current one): seconds by dtype."""
    with tempfile.TemporaryDirectory(prefix="nbnet-numba-cache-") as empty:
        cache_dir = empty if cold else None
        first = child(command, solver, cache_dir=cache_dir) if cold else None
        cached = child(command, solver, cache_dir=cache_dir)
    return {dtype: {"cold": first and first[dtype], "cached": seconds}
            for dtype, seconds in cached.items()}


def first_fits(solver: str, cold: bool) -> dict:
    """Seconds of the first default fit and prediction of ``solver`` on digits, float64 then
    float32 (float32's after float64's, in the same fresh process), compiling included.

    Returns
    -------
    seconds : dict
        Per dtype name, ``cold`` (from an empty ``NUMBA_CACHE_DIR``; None unless measured)
        and ``cached`` (from the cache the cold run filled, or the current one).
    """
    return _cold_and_cached("first_fit", solver, cold)


class CompileRun(NamedTuple):
    """One ``python -m nbnet compile`` (see :func:`compile_command`)."""

    seconds: float  # wall time of the command, interpreter start included
    compiled: int
    loaded: int
    signatures: int  # distinct signatures its cases use
    processes: int


def compile_command(every: bool, cold: bool) -> CompileRun:
    """Run ``python -m nbnet compile`` (``--all`` with ``every``) in a fresh process, from an
    empty ``NUMBA_CACHE_DIR`` with ``cold`` or on the current cache."""
    with tempfile.TemporaryDirectory(prefix="nbnet-numba-cache-") as empty:
        env = dict(os.environ, NUMBA_CACHE_DIR=empty) if cold else None
        start = perf_counter()
        command = [sys.executable, "-m", "nbnet", "compile"] + (["--all"] if every else [])
        proc = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"nbnet compile failed:\n{proc.stderr[-3000:]}")
    total = re.search(r"compiled (\d+) and loaded (\d+) kernel signatures \((\d+) distinct\) "
                      r"in [\d.]+ s with (\d+) process", proc.stdout)
    return CompileRun(seconds, *map(int, total.groups()))
