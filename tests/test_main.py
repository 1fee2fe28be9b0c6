"""``python -m nbnet compile`` fills the cache for every fit: afterwards nothing compiles."""

import json
import os
import re
import subprocess
import sys

import pytest

from nbnet.__main__ import main

# Fits unlike the command's own (regressors, sample weights, early stopping, partial_fit,
# Fortran-ordered and CSC input, robust losses, activation mixes, dropout, class weights,
# clipping), in both dtypes, dense and sparse, with every solver, with scikit-learn's
# activations and losses and with nbnet's own.
_FITS = """
import itertools, json, warnings
import numpy as np, scipy.sparse as sp
from nbnet import MLPClassifier, MLPRegressor, kernel_cache_stats
warnings.simplefilter("ignore")
rng = np.random.default_rng(1)
for dtype, solver, kind in itertools.product((np.float32, np.float64), ("sgd", "adam", "lbfgs"),
                                             ("fortran", "csc")):
    X = np.asfortranarray(rng.standard_normal((20, 4)).astype(dtype))
    X = sp.csc_matrix(X) if kind == "csc" else X
    y = rng.standard_normal((20, 2))
    stopping = {} if solver == "lbfgs" else {"early_stopping": True}
    for loss in ("squared_error", "huber"):
        model = MLPRegressor(hidden_layer_sizes=(4, 3), solver=solver, max_iter=2, loss=loss,
                             **stopping)
        model.fit(X, y, sample_weight=np.linspace(0.5, 1.5, 20)).predict(X[:1])
    if solver != "lbfgs":
        for activation in (["tanh", "relu"], ["tanh", "silu"]):
            options = dict(solver=solver, hidden_layer_sizes=(3, 3), activation=activation)
            MLPClassifier(clip_grad_norm=1.0, **options).partial_fit(X, y[:, 0] > 0,
                                                                      classes=[False, True])
            MLPClassifier(dropout=[0.1, 0.0], max_iter=2, class_weight="balanced",
                          **options).fit(X, y[:, 0] > 0).predict(X[:1])
            MLPClassifier(dropout=0.2, clip_grad_norm=1.0, max_iter=1, **options).fit(X, y[:, 0] > 0)
# networks whose batches are split in halves (a regressor, sample weights, early stopping)
Xs = rng.standard_normal((240, 64))
for dtype, kind, activation in itertools.product((np.float32, np.float64), ("fortran", "csc"),
                                                 ("relu", "silu")):
    X = np.asfortranarray(Xs.astype(dtype))
    X = sp.csc_matrix(X) if kind == "csc" else X
    for dropout, clip in itertools.product((0.0, 0.1), (None, 1.0)):
        MLPRegressor(hidden_layer_sizes=(120,), activation=activation, max_iter=1,
                     batch_size=200, dropout=dropout, clip_grad_norm=clip,
                     early_stopping=True).fit(X, Xs[:, 0], sample_weight=np.ones(240))
# the helper thread's hand-over (a fit that starts its helper calls it)
from nbnet.kernels.epochs import SYNC_SLOTS, post_epoch
post_epoch(np.zeros(SYNC_SLOTS, np.int64), 0, 0)
stats = kernel_cache_stats()
print(json.dumps({"loaded": stats.loaded, "compiled": stats.compiled}))
"""


@pytest.mark.slow
def test_compile_fills_the_cache_for_every_fit(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "nbnet", "compile"], capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    # activation families × dtypes × dense/sparse × cases, and the total
    assert len(lines) == 2 * 2 * 2 * 10 + 1
    compiled = int(re.match(r"compiled (\d+) and loaded 0 kernel signatures", lines[-1])[1])
    # the epoch (plain, dropout, clipping, both; whole and split batches), L-BFGS, predict
    # × dtypes × input × families
    assert compiled >= 10 * 2 * 2 * 2

    done = subprocess.run([sys.executable, "-c", _FITS], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["compiled"] == 0
    assert found["loaded"] == compiled


def test_help_lists_the_compile_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "compile" in capsys.readouterr().out
