"""The same random_state gives bit-identical weights in two fresh processes."""

import os
import subprocess
import sys

import pytest

_CHILD = r"""
import hashlib, sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from nbnet import MLPClassifier, MLPRegressor
warnings.simplefilter("ignore", ConvergenceWarning)
rng = np.random.RandomState(0)
X = rng.randn(120, 7)
y = X @ rng.randn(7) + 0.1 * rng.randn(120)
for dtype in (np.float32, np.float64):
    for solver in ("sgd", "adam", "lbfgs"):
        for Est, target in ((MLPClassifier, np.digitize(y, [-1.0, 1.0])), (MLPRegressor, y)):
            est = Est(hidden_layer_sizes=(9, 4), solver=solver, max_iter=8, batch_size=32,
                      random_state=42).fit(X.astype(dtype), target)
            h = hashlib.sha256()
            for a in [*est.coefs_, *est.intercepts_]:
                h.update(str(a.dtype).encode()); h.update(a.tobytes())
            print(Est.__name__, solver, np.dtype(dtype).name, est.n_iter_, h.hexdigest())
"""


def _run_child():
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                         env=os.environ.copy(), timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 12, out.stdout
    return lines


@pytest.mark.slow
def test_same_random_state_gives_bit_identical_weights_across_processes():
    first, second = _run_child(), _run_child()
    for a, b in zip(first, second):
        assert a == b
