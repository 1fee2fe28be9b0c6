"""The helper thread of split batches (``nbnet.threads``) inside estimator fits."""

import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from conftest import assert_state_unchanged, estimator_state
from nbnet import MLPClassifier, fitting, threads
from nbnet.kernels import epochs, network


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _model(**params):
    # digits' default network in batches of 200 rows: 9 MFLOP a step, split in halves
    return MLPClassifier(**{"max_iter": 6, "random_state": 0, **params})


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _blas_threads():
    return [pool.num_threads for pool in threads.blas_pools().lib_controllers]


def _helpers_alive():
    return [t for t in threading.enumerate() if t.name == "nbnet-halves"]


@pytest.fixture
def second_core(monkeypatch):
    """BLAS's thread counts, where a helper may run; the helper starts with a fit's first epoch
    (BLAS's threads taken as asleep at once)."""
    if not threads.second_core_free():
        pytest.skip("needs two usable CPUs and BLAS allowed two threads")
    monkeypatch.setattr(threads, "BLAS_SPIN_SECONDS", 0.0)
    return _blas_threads()


@pytest.fixture
def posts(monkeypatch):
    """What the fit's thread sees at each epoch it hands the helper: (helpers alive, BLAS's
    thread counts); epochs run on one thread are not counted."""
    seen = []
    original = threads.HalvesHelper.post

    def post(self, *args):
        halves = original(self, *args)
        if halves.threads == 2:  # handed to the helper, not run on one thread
            seen.append((len(_helpers_alive()), _blas_threads()))
        return halves

    monkeypatch.setattr(threads.HalvesHelper, "post", post)
    return seen


def test_batches_are_split_by_the_work_of_a_step():
    digits_net = network.make_layout([64, 100, 10], "relu", "softmax")
    tabular_net = network.make_layout([20, 64, 64, 3], "relu", "softmax")
    assert epochs.splits_batches(digits_net, 200)  # 9.0 MFLOP a step
    assert not epochs.splits_batches(digits_net, 100)  # 4.5
    assert not epochs.splits_batches(tabular_net, 32)  # 1.1: the meetings would cost more
    assert not epochs.splits_batches(network.make_layout([5000, 1000, 2], "relu", "softmax"), 1)


def test_a_main_thread_fit_runs_a_helper_and_gives_blas_back(digits, second_core, posts):
    _fit(_model(), *digits)
    assert len(posts) == 6
    assert all(seen == (1, [1] * len(second_core)) for seen in posts)
    assert _helpers_alive() == []
    assert _blas_threads() == second_core


def test_the_weights_do_not_depend_on_the_threads_that_compute_them(digits, second_core, posts):
    """With the helper (the main thread) and without it (BLAS held at one thread by the
    caller, as the helper holds it): the same model bit for bit. In a worker thread (no
    helper, BLAS at two threads) to round-off: BLAS's thread count changes the last bits of
    its products (of scikit-learn's MLP too: 8e-17 after six epochs on digits)."""
    with_helper = _fit(_model(), *digits)
    assert posts
    n_posts = len(posts)
    with threadpool_limits(limits=1):
        assert not threads.second_core_free()
        one_thread = _fit(_model(), *digits)
    with ThreadPoolExecutor(1) as pool:
        in_worker = pool.submit(_fit, _model(), *digits).result()
    assert len(posts) == n_posts  # neither ran a helper
    assert one_thread.loss_curve_ == with_helper.loss_curve_
    for a, b, c in zip(with_helper.coefs_ + with_helper.intercepts_,
                       one_thread.coefs_ + one_thread.intercepts_,
                       in_worker.coefs_ + in_worker.intercepts_):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14)


def test_partial_fit_runs_no_helper(digits, second_core, posts):
    model = MLPClassifier(random_state=0)
    for _ in range(3):
        model.partial_fit(*digits, classes=np.arange(10))
    assert posts == []


def test_the_helper_sleeps_while_the_fit_pauses_and_wakes_for_the_next_epoch(
        digits, second_core, monkeypatch):
    served = []
    original_epoch = threads.stochastic_epochs

    def epoch(*args):
        result = original_epoch(*args)
        served.append(result[0])
        return result

    pause, pauses = fitting._update_validation_and_best, []

    def slow(*args):
        # The helper's patience is tens of milliseconds of core yields on an idle machine,
        # longer where other processes take the cores (a loaded machine, tests on every
        # core): pause until it has gone to sleep once per epoch so far (or stopped, after
        # the last), or for a minute.
        pauses.append(time.monotonic() + 60)
        while (served.count(epochs.SLEEP) < len(pauses) and epochs.STOP not in served
               and time.monotonic() < pauses[-1]):
            time.sleep(0.01)
        pause(*args)

    monkeypatch.setattr(threads, "stochastic_epochs", epoch)
    monkeypatch.setattr(fitting, "_update_validation_and_best", slow)
    paused = _fit(_model(max_iter=3), *digits)
    assert served.count(epochs.SLEEP) >= 2 and served[-1] == epochs.STOP
    with threadpool_limits(limits=1):
        reference = _fit(_model(max_iter=3), *digits)
    np.testing.assert_array_equal(paused.coefs_[0], reference.coefs_[0])


def test_a_failing_helper_raises_and_changes_nothing(digits, second_core, monkeypatch):
    model = _fit(_model(), *digits)
    before = estimator_state(model)
    original_epoch = threads.stochastic_epochs

    def failing(*args):
        if args[-1]:  # the serving role
            raise MemoryError("no room for the helper")
        return original_epoch(*args)

    monkeypatch.setattr(threads, "stochastic_epochs", failing)
    with pytest.raises(RuntimeError, match="helper thread failed") as raised:
        _fit(model, *digits)
    assert isinstance(raised.value.__cause__, MemoryError)
    assert_state_unchanged(before, model)
    assert _helpers_alive() == []
    assert _blas_threads() == second_core


def test_an_error_between_epochs_stops_the_helper_and_changes_nothing(digits, second_core,
                                                                     monkeypatch):
    model = _fit(_model(), *digits)
    before = estimator_state(model)

    def failing(*args):
        raise ValueError("stop here")

    monkeypatch.setattr(fitting, "_update_validation_and_best", failing)
    with pytest.raises(ValueError, match="stop here"):
        _fit(model, *digits)
    assert_state_unchanged(before, model)
    assert _helpers_alive() == []
    assert _blas_threads() == second_core


def test_a_fit_right_after_a_prediction_waits_for_blas_threads_to_sleep(digits, second_core,
                                                                        posts, monkeypatch):
    """OpenBLAS's threads spin for a while after a product: a fit that starts within
    ``BLAS_SPIN_SECONDS`` of nbnet's last prediction runs its epochs on one thread until that
    time has passed, with the same weights (BLAS held at one thread from the first epoch)."""
    monkeypatch.setattr(threads, "BLAS_SPIN_SECONDS", 0.5)
    model = _fit(_model(max_iter=2), *digits)
    model.predict(digits[0])
    quick = _fit(_model(), *digits)  # six epochs of about a millisecond
    assert posts == []
    time.sleep(threads.BLAS_SPIN_SECONDS)
    later = _fit(_model(), *digits)
    assert len(posts) == 6
    assert quick.loss_curve_ == later.loss_curve_
    for a, b in zip(quick.coefs_ + quick.intercepts_, later.coefs_ + later.intercepts_):
        np.testing.assert_array_equal(a, b)
