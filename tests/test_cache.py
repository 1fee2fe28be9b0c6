"""The kernel cache is keyed on all of nbnet's sources: a changed callee never loads stale code;
and read-only input shares the signatures of writable input.

Each run of a changed copy is a fresh process on a copy of the package, with the copy first on
``sys.path`` and its own ``NUMBA_CACHE_DIR``.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from nbnet import MLPRegressor, kernel_cache_stats
from nbnet.kernels import _cache

# A tiny identity network, trained by scikit-learn so that only nbnet's predict compiles: its
# hidden layer is `bias_activation`'s identity branch.
_FIT = """
import json, warnings
import numpy as np
from sklearn.neural_network import MLPRegressor as ScikitLearnMLP
import nbnet
from nbnet import MLPRegressor, kernel_cache_stats
X = np.linspace(-1, 1, 24).reshape(12, 2)
y = X @ np.array([1.0, -2.0])
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    trained = ScikitLearnMLP(hidden_layer_sizes=(3,), activation="identity", solver="lbfgs",
                             max_iter=3, random_state=0).fit(X, y)
model = MLPRegressor.from_sklearn(trained)
print(json.dumps({"file": nbnet.__file__, "prediction": model.predict(X[:3]).tolist(),
                  "compiled": kernel_cache_stats().compiled}))
"""


def _run(root, cache):
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", _FIT], capture_output=True, text=True,
                          env=env, cwd=root)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["file"].startswith(str(root))
    return found


@pytest.mark.slow
def test_a_changed_callee_in_another_file_is_recompiled(tmp_path):
    root, cache = tmp_path / "src", tmp_path / "cache"
    shutil.copytree(_cache.KERNELS_DIR.parent, root / "nbnet",
                    ignore=shutil.ignore_patterns("__pycache__"))
    first = _run(root, cache)
    assert first["compiled"] > 0
    assert _run(root, cache) == {**first, "compiled": 0}  # loaded from the cache

    # activations.py defines no entry point: Numba's own cache would not see this edit.
    callee = root / "nbnet" / "kernels" / "activations.py"
    source = callee.read_text()
    assert source.count("v = x[j] + vector[j]\n") == 1  # the bias, added for every activation
    callee.write_text(source.replace("v = x[j] + vector[j]\n", "v = x[j] + vector[j] + 1\n"))
    edited = _run(root, cache)
    assert edited["compiled"] > 0
    assert edited["prediction"] != first["prediction"]
    assert len(list(cache.glob("nbnet-*"))) == 2

    # An edit above the kernels (the estimators) keeps the compiled kernels.
    estimators = root / "nbnet" / "mlp.py"
    estimators.write_text(estimators.read_text() + "\n# an edit of the estimators\n")
    assert _run(root, cache)["compiled"] == 0


def _frozen(a):
    """A read-only copy of ``a`` (dense or CSR), as a memory map opened for reading is."""
    a = a.copy()
    for array in [a.data, a.indices, a.indptr] if sp.issparse(a) else [a]:
        array.flags.writeable = False
    return a


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_read_only_input_runs_the_kernels_of_writable_input(solver):
    """Read-only input (a memory map, pandas under copy-on-write) compiles and loads no
    signature of its own, and trains the same weights."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    y, weights = X @ rng.standard_normal(5), rng.uniform(0.5, 2.0, 40)
    X_sparse = sp.random(40, 5, density=0.4, format="csr", random_state=0)

    def fits(X, y, weights, X_sparse):
        def model():
            return MLPRegressor(hidden_layer_sizes=(4,), solver=solver, max_iter=5,
                                random_state=0)
        dense, sparse = model().fit(X, y, sample_weight=weights), model().fit(X_sparse, y)
        return [*dense.coefs_, *sparse.coefs_, dense.predict(X), sparse.predict(X_sparse)]

    expected = fits(X, y, weights, X_sparse)
    known = _cache.signatures()
    found = fits(_frozen(X), _frozen(y), _frozen(weights), _frozen(X_sparse))
    assert _cache.signatures() == known
    for ours, theirs in zip(found, expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_source_hash_is_cheap_and_stable():
    expected = _cache.source_hash()
    _cache.source_hash.cache_clear()
    start = time.perf_counter()
    assert _cache.source_hash() == expected
    assert time.perf_counter() - start < 0.05  # measured: 0.25 ms for the package's files
    assert kernel_cache_stats().folder.name == f"nbnet-{expected}"


def test_prune_removes_only_other_versions(tmp_path, monkeypatch):
    folder = tmp_path / "nbnet-current"
    for name in ("nbnet-current", "nbnet-old", "other-package"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(_cache, "cache_folder", lambda: folder)
    assert _cache.prune() == [tmp_path / "nbnet-old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nbnet-current", "other-package"]


def test_import_with_numba_disable_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    done = subprocess.run([sys.executable, "-c", "import nbnet"], capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr



_HAND_OVER = """
import numpy as np
from nbnet.kernels.epochs import SYNC_SLOTS, post_epoch
post_epoch(np.zeros(SYNC_SLOTS, np.int64), 0, 0)
"""


def _opened(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (Linux's /proc)."""
    try:
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process ended, or a descriptor closed while we looked
        return False


@pytest.mark.skipif(_cache.fcntl is None or not Path("/proc/self/fd").is_dir(),
                    reason="saves are locked where fcntl exists; /proc shows the waiting")
def test_a_save_waits_for_the_folder_lock(tmp_path):
    folder = tmp_path / f"nbnet-{_cache.source_hash()}"
    folder.mkdir()
    path = folder / "save.lock"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    with open(path, "a") as lock:
        _cache.fcntl.flock(lock, _cache.fcntl.LOCK_EX)
        process = subprocess.Popen([sys.executable, "-c", _HAND_OVER], env=env)
        deadline = time.monotonic() + 300
        while not _opened(process.pid, path):  # compiled the smallest entry point: saving
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        assert process.poll() is None
        assert not list(folder.rglob("*.nbi"))  # nothing saved while the lock is held
    assert process.wait(timeout=60) == 0
    assert list(folder.rglob("epochs.post_epoch-*.nbi"))
