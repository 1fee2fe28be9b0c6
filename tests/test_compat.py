"""What nbnet does when a dependency's internals or a cache folder are out of reach.

The compatibility modules' fallbacks (public API only) are forced with
``NBNET_COMPAT_FALLBACK`` in a fresh process, and must give the fast path's weights to
round-off; a read-only install run by a user without a home must import, fit and say once
that kernels are not cached.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.neural_network._base import LOSS_FUNCTIONS

import nbnet
from nbnet.robust_losses import SKLEARN_LOSSES

_FITS = """
import json, sys, warnings
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.simplefilter("ignore", ConvergenceWarning)
    import nbnet
    X, y = make_classification(80, 6, n_classes=3, n_informative=4, random_state=0)
    X = X.astype(np.float32)
    # both compiled paths (or those named on the command line): the stochastic epoch (every
    # update rule is compiled into it) and L-BFGS's loss and gradient, in one dtype, so that
    # L-BFGS's fit types few subroutines anew (the epoch's compile is most of the Numba
    # fallback's minute; the dtype changes types, not which kernels compile)
    models = {"adam": nbnet.MLPClassifier(hidden_layer_sizes=(7,), batch_size=16, max_iter=8,
                                          random_state=1),
              "lbfgs": nbnet.MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs",
                                           max_iter=15, random_state=0)}
    fits = [models[solver].fit(X, y) for solver in sys.argv[1:] or models]
weights = [[w.tolist() for w in model.coefs_ + model.intercepts_] for model in fits]
print(json.dumps({"file": nbnet.__file__, "weights": weights,
                  "warnings": [f"{w.category.__name__}: {w.message}" for w in caught]}))
"""


def _run(code, env, cwd=None, user=(), args=()):
    done = subprocess.run([*user, sys.executable, "-c", code, *args], capture_output=True,
                          text=True, env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_validation_losses_are_scikit_learns():
    rng = np.random.default_rng(0)
    y_prob = rng.uniform(0.05, 0.95, (30, 3))
    y_true = np.eye(3)[rng.integers(0, 3, 30)]
    weights = rng.uniform(0.5, 2.0, 30)
    for name, ours in SKLEARN_LOSSES.items():
        targets = y_true[:, :1] if name == "binary_log_loss" else y_true
        outputs = y_prob[:, :1] if name == "binary_log_loss" else y_prob
        if name in LOSS_FUNCTIONS:  # poisson is scikit-learn's from 1.7 on
            assert ours(targets, outputs) == pytest.approx(
                LOSS_FUNCTIONS[name](targets, outputs), rel=1e-12)
        unit = ours(targets, outputs, np.ones(30))
        assert unit == pytest.approx(ours(targets, outputs), rel=1e-12)
        assert ours(targets, outputs, weights) != pytest.approx(unit, rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("dependency", ["numba", "numpy"])
def test_forced_fallback_gives_the_same_weights(dependency):
    env = dict(os.environ)
    env.pop("NBNET_COMPAT_FALLBACK", None)
    fast = _run(_FITS, env)
    slow = _run(_FITS, {**env, "NBNET_COMPAT_FALLBACK": dependency})
    assert [w for w in fast["warnings"] if "nbnet" in w] == []
    assert len(slow["warnings"]) == 1 and slow["warnings"][0].startswith("CompatibilityWarning")
    for ours, theirs in zip(slow["weights"], fast["weights"]):
        for a, b in zip(ours, theirs):
            # float32 fits: the parity tests' float32 tolerance
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def _unprivileged():
    """``setpriv`` arguments that run a command as ``nobody``, or None where that cannot run
    this interpreter (not root, no setpriv, or the environment unreadable to others)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    done = subprocess.run([*user, sys.executable, "-c", "import numba, sklearn"],
                          capture_output=True, cwd="/")
    return user if done.returncode == 0 else None


@pytest.mark.slow
def test_read_only_install_without_a_home_imports_fits_and_says_so():
    user = _unprivileged()
    if user is None:
        pytest.skip("needs root, setpriv and an interpreter that the user nobody can run")
    site = Path(tempfile.mkdtemp(prefix="nbnet-read-only-"))
    try:
        shutil.copytree(Path(nbnet.__file__).parent, site / "nbnet",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for path in [site, *site.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        env = {key: value for key, value in os.environ.items()
               if key not in ("NUMBA_CACHE_DIR", "NBNET_COMPAT_FALLBACK")}
        env.update(HOME="/nonexistent", PYTHONPATH=str(site), XDG_CACHE_HOME="")
        # one fit (L-BFGS's, the shorter compile): any kernel compiles and runs uncached alike
        found = _run(_FITS, env, cwd=site, user=user, args=["lbfgs"])
        assert found["file"] == str(site / "nbnet" / "__init__.py")
        assert len(found["warnings"]) == 1, found["warnings"]
        assert found["warnings"][0].startswith("NoKernelCacheWarning")
        done = subprocess.run([*user, sys.executable, "-m", "nbnet", "compile"],
                              capture_output=True, text=True, env=env, cwd=site)
        assert done.returncode == 1
        assert "nowhere to write the compiled kernels" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        site.chmod(0o755)
        for path in site.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(site)
