"""Atomic counters and meetings of two threads of compiled code (``nbnet.kernels.atomics``)."""

import threading

import numpy as np

from nbnet.kernels._jit import jit
from nbnet.kernels.atomics import (ABORT, ARRIVALS, atomic_add, atomic_exchange, atomic_load,
                                   meet, wait_until)

ROUNDS = 2000


@jit
def _hand_over(mine, theirs, seen, sync, rounds):
    """Each round: write mine[r], meet, read theirs[r] into seen[r], meet again."""
    for r in range(rounds):
        mine[r] = r + 1.0
        if not meet(sync, 2 * r + 1):
            return r
        seen[r] = theirs[r]
        if not meet(sync, 2 * r + 2):
            return r
    return rounds


@jit
def _add_many(sync, index, times):
    for _ in range(times):
        atomic_add(sync, index, 1)


@jit
def _primitives(sync):
    before = atomic_add(sync, 2, 5)
    swapped = atomic_exchange(sync, 2, 7)
    return before, swapped, atomic_load(sync, 2)


@jit
def _wait(sync, index, target, patience):
    return wait_until(sync, index, target, patience)


def _in_threads(*calls):
    results = [None] * len(calls)

    def run(k):
        results[k] = calls[k][0](*calls[k][1:])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    return results


def test_add_exchange_and_load_return_what_they_should():
    sync = np.zeros(4, np.int64)
    assert _primitives(sync) == (0, 5, 7)


def test_additions_from_two_threads_are_not_lost():
    sync = np.zeros(4, np.int64)
    _in_threads((_add_many, sync, 3, 200_000), (_add_many, sync, 3, 200_000))
    assert sync[3] == 400_000


def test_what_a_thread_wrote_before_a_meeting_the_other_reads_after_it():
    """Two threads hand each other a value per round for 2,000 rounds of two meetings; each
    reads the other's value of that round, never an older one."""
    sync = np.zeros(8, np.int64)
    a, b = np.zeros(ROUNDS), np.zeros(ROUNDS)
    seen_a, seen_b = np.zeros(ROUNDS), np.zeros(ROUNDS)
    done = _in_threads((_hand_over, a, b, seen_a, sync, ROUNDS),
                       (_hand_over, b, a, seen_b, sync, ROUNDS))
    assert done == [ROUNDS, ROUNDS]
    expected = np.arange(1.0, ROUNDS + 1)
    np.testing.assert_array_equal(seen_a, expected)
    np.testing.assert_array_equal(seen_b, expected)
    assert sync[ARRIVALS] == 4 * ROUNDS


def test_a_waiting_thread_gives_up_on_abort_or_after_its_patience():
    sync = np.zeros(8, np.int64)
    assert not _wait(sync, 3, 1, 100)  # nobody comes: patience runs out
    sync[3] = 1
    assert _wait(sync, 3, 1, -1)
    sync[ABORT] = 1
    assert not _wait(sync, 3, 2, -1)  # would wait for ever without the abort


def test_an_abort_releases_a_thread_waiting_at_a_meeting():
    sync = np.zeros(8, np.int64)
    a = np.zeros(ROUNDS)

    def abort_soon():
        while sync[ARRIVALS] == 0:
            pass
        sync[ABORT] = 1

    done = _in_threads((_hand_over, a, a, a.copy(), sync, ROUNDS), (abort_soon,))
    assert done[0] == 0  # stopped in the first round, at its first meeting
