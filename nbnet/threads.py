"""The second core: a helper thread that computes the second half of each batch.

Small networks leave a core idle: their products are too small for BLAS's threads to share
(digits' default network, batches of 200 rows, runs its products at one core's peak).
A fit whose batches are split in two (:func:`nbnet.kernels.epochs.splits_batches`)
can give each half to a thread of its own: :class:`HalvesHelper` runs the compiled epoch's
serving role (:func:`nbnet.kernels.epochs.stochastic_epochs`) on a Python thread (the
compiled code releases the GIL) while the fit's thread computes the first halves; each
updates one range of the parameters. The two meet on atomic counters, not locks
(:mod:`nbnet.kernels.atomics`), twice a step.

The helper runs only where a second core is free (:func:`second_core_free`): in the main
thread (a fit in a worker thread of a parallel search shares the cores already), with two or
more usable CPUs, and where the BLAS libraries may use two or more threads — so that
``threadpoolctl.threadpool_limits(1)``, a joblib worker's limits or ``OMP_NUM_THREADS=1``
turn it off. While it runs, the BLAS libraries are held at one thread (two threads each
calling a two-thread BLAS would oversubscribe the cores) and restored when the fit ends,
raises or is interrupted. Only the main thread changes that setting, so two fits never race on
it. The helper changes who computes, not what: batches of these shapes are computed as halves
on one thread too, so a fit with the helper gives the same weights bit for bit as one with
BLAS held at one thread (BLAS's own thread count changes the last bits of its products, for
scikit-learn's MLP too).
"""

import functools
import os
import threading
import time

from threadpoolctl import ThreadpoolController

from .kernels.atomics import ABORT
from .kernels.epochs import SLEEP, Halves, post_epoch, stochastic_epochs


# OpenBLAS's threads spin for about 0.1–0.2 s after a product before they sleep (2-core
# AVX-512 AMD EPYC, 2026-12), and a helper started meanwhile shares the cores with them: a
# split epoch right after a prediction can take several times as long as on one thread
# (series in docs/dev/performance_kernels.rst). So a fit within this long of nbnet's last use
# of BLAS runs its epochs on one thread until the time has passed (the same arithmetic: the
# weights do not change).
BLAS_SPIN_SECONDS = 0.2
_last_blas_use = 0.0  # time.monotonic() at the end of nbnet's last prediction or fit


def note_blas_use() -> None:
    """Record that nbnet has just used BLAS's threads (a prediction or a fit)."""
    global _last_blas_use
    _last_blas_use = time.monotonic()


@functools.cache
def blas_pools() -> ThreadpoolController:
    """threadpoolctl's controller of the BLAS libraries loaded: nbnet's (scipy's, see
    :mod:`nbnet.kernels._blas`) and NumPy's. Listed once per process (about 15 ms); both are
    loaded by the time nbnet is imported."""
    return ThreadpoolController().select(user_api="blas")


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def second_core_free() -> bool:
    """Whether a fit may run a helper thread (see the module docstring)."""
    if threading.current_thread() is not threading.main_thread() or usable_cpus() < 2:
        return False
    pools = blas_pools().lib_controllers
    return bool(pools) and min(pool.num_threads for pool in pools) >= 2


class HalvesHelper:
    """The helper thread of one fit whose :class:`nbnet.kernels.epochs.Halves` has
    ``threads == 2``; a context manager that stops the thread and restores BLAS's threads.

    :meth:`post` hands it each epoch before the fit's thread runs its own part; the thread
    starts with the first epoch that begins :data:`BLAS_SPIN_SECONDS` after nbnet's last use
    of BLAS (the epochs before run on one thread), sleeps in Python when the fit pauses for
    long (validation, callbacks), and ends with :meth:`close`.
    """

    def __init__(self, halves: Halves):
        self._halves = halves
        self._one_thread = halves._replace(threads=1)
        self._thread = None
        self._wake = threading.Semaphore(0)
        self._error = None
        self._blas_limit = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def post(self, epoch_arguments: tuple, n_rows: int, step: int) -> Halves:
        """Hand the helper the epoch that :func:`nbnet.kernels.epochs.stochastic_epochs` is
        about to run with ``epoch_arguments`` (its arguments before ``halves``): its first
        ``n_rows`` rows of the order array, its first ``step``; returns the ``halves`` to run
        it with (with ``threads == 1`` while the helper waits for BLAS's threads to sleep).
        The helper keeps the first epoch's arguments: the model, data and order arrays must
        stay the same ones."""
        if self._blas_limit is None:  # before the first epoch, so that all run alike
            self._blas_limit = blas_pools().limit(limits=1)
        if self._thread is None:
            if time.monotonic() - _last_blas_use < BLAS_SPIN_SECONDS:
                return self._one_thread
            thread = threading.Thread(target=self._serve, args=(epoch_arguments,),
                                      name="nbnet-halves", daemon=True)
            thread.start()
            self._thread = thread
        if post_epoch(self._halves.sync, n_rows, step):
            self._wake.release()
        return self._halves

    def _serve(self, epoch_arguments: tuple) -> None:
        try:
            while stochastic_epochs(*epoch_arguments, self._halves, True)[0] == SLEEP:
                self._wake.acquire()
        except BaseException as error:  # handed to the fit's thread by check()
            self._error = error
            self._halves.sync[ABORT] = 1

    def check(self) -> None:
        """Raise what the helper thread raised, if it did (its epoch then returned NaN)."""
        if self._error is not None:
            raise RuntimeError("nbnet's helper thread failed") from self._error

    def close(self) -> None:
        """Stop the thread, wait for it, and give BLAS its threads back."""
        if self._thread is not None:
            self._halves.sync[ABORT] = 1
            self._wake.release()
            self._thread.join()
            self._thread = None
        if self._blas_limit is not None:
            self._blas_limit.restore_original_limits()
            self._blas_limit = None
