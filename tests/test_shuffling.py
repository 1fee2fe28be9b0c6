"""The compiled shuffle draws as ``RandomState.shuffle`` does, from the RandomState itself."""

import numpy as np
import pytest

from nbnet.kernels.shuffling import NO_SHUFFLE, generator_of, shuffle


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1437, 70_000])
@pytest.mark.parametrize("seed", [0, 42])
def test_shuffle_is_randomstates_own(n, seed):
    """Five shuffles in a row give NumPy's orders, and leave the generator where NumPy's
    leave it (the next draws agree); a RandomState passed in by the user works alike."""
    numpy_state, ours = np.random.RandomState(seed), np.random.RandomState(seed)
    expected, order = np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64)
    generator, lock = generator_of(ours)
    assert lock is ours._bit_generator.lock  # the lock NumPy's own draws take
    for _ in range(5):
        numpy_state.shuffle(expected)
        shuffle(order, generator)
        np.testing.assert_array_equal(order, expected)
    assert ours.randint(2**31) == numpy_state.randint(2**31)
    assert ours.rand() == numpy_state.rand()


def test_no_generator_keeps_the_order():
    order = np.arange(10, dtype=np.int64)
    shuffle(order, NO_SHUFFLE)
    np.testing.assert_array_equal(order, np.arange(10))


def test_a_gaussian_cached_by_the_random_state_is_kept():
    """RandomState caches every second normal draw; shuffling in between keeps that cache,
    as NumPy's own shuffle does."""
    numpy_state, ours = np.random.RandomState(3), np.random.RandomState(3)
    numpy_state.randn(), ours.randn()
    numpy_state.shuffle(np.arange(50)), shuffle(np.arange(50), generator_of(ours)[0])
    assert ours.randn() == numpy_state.randn()
