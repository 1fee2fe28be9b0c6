"""``python -m nbnet compile`` compiles what fits use, within a budget of signatures: with
``--all``, exactly the signatures of every kind of fit; by default, those of default fits."""

import io
import json
import os
import re
import subprocess
import sys

import pytest

from nbnet import product_choice
from nbnet.__main__ import main
from nbnet.kernels import _cache
from nbnet.precompile import Case, _run_group, cases, compile_cases
from nbnet.threads import usable_cpus

# The most signatures `compile --all` may compile, about 1 s of a core each (2 s on a slow
# machine): an argument of an entry point that is None in some fits and not in others
# doubles them, and every variant is compiled by `make test` and by containers. Raise it
# only for a variant worth its compile time; lower it when one goes.
SIGNATURE_BUDGET = 49
# The default selection's: what a first fit of each solver compiles, in both dtypes.
DEFAULT_BUDGET = 9

# Fits unlike the command's own (regressors, sample weights, early stopping, partial_fit,
# Fortran-ordered and CSC input, robust losses, activation mixes, dropout, class weights,
# clipping, no stopping rule), in both dtypes, dense and sparse, with every solver, with
# scikit-learn's activations and losses and with nbnet's own.
_FITS = """
import itertools, json, warnings
import numpy as np, scipy.sparse as sp
from nbnet import MLPClassifier, MLPRegressor, kernel_cache_stats
from nbnet.kernels._cache import signatures
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
            MLPClassifier(n_iter_no_change=np.inf, max_iter=1, **options).fit(X, y[:, 0] > 0)
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
print(json.dumps({"compiled": kernel_cache_stats().compiled, "used": sorted(signatures())}))
"""

# Default fits and predictions of each solver in both dtypes, with batches split in halves
# (digits) and whole (a hundred rows of it).
_DEFAULT_FITS = """
import itertools, json, warnings
import numpy as np
from nbnet import MLPClassifier
from nbnet.datasets import load
from nbnet.kernels._cache import signatures
warnings.simplefilter("ignore")
data = load("digits")
for dtype, solver, rows in itertools.product((np.float64, np.float32), ("sgd", "adam", "lbfgs"),
                                             (None, 100)):
    X, y = data.X_train[:rows].astype(dtype), data.y_train[:rows]
    MLPClassifier(solver=solver, max_iter=3).fit(X, y).predict(X)
# the helper thread's hand-over (a fit that starts its helper calls it; one core starts none)
from nbnet.kernels.epochs import SYNC_SLOTS, post_epoch
post_epoch(np.zeros(SYNC_SLOTS, np.int64), 0, 0)
print(json.dumps(sorted(signatures())))
"""


def _compile(every: bool) -> tuple[set, list]:
    """What ``compile`` (``--all`` with ``every``) uses, and its output lines."""
    out = io.StringIO()
    used = compile_cases(cases(every), usable_cpus(), out)
    lines = out.getvalue().strip().splitlines()
    # each signature in one process: the totals count each once
    total = r"compiled (\d+) and loaded (\d+) kernel signatures \((\d+) distinct\)"
    compiled, loaded, distinct = map(int, re.match(total, lines[-1]).groups())
    assert compiled + loaded == distinct == len(used)
    return used, lines


def _run(code: str):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_compile_all_is_every_fit_within_the_budget():
    used, lines = _compile(every=True)
    # activation families × dtypes × dense/sparse × cases, and the total
    assert len(lines) == 2 * 2 * 2 * 6 + 1
    # the epoch (plain or with dropout; whole and split batches), L-BFGS, predict
    # × dtypes × input × families
    assert 6 * 2 * 2 * 2 <= len(used) <= SIGNATURE_BUDGET
    # fits of every other kind use exactly these signatures, loaded from the cache
    found = _run(_FITS)
    assert set(found["used"]) == used
    assert found["compiled"] == 0


@pytest.mark.slow
def test_compile_by_default_is_what_default_fits_use():
    used, lines = _compile(every=False)
    assert len(lines) == 2 * 4 + 1  # dtypes × solvers and split batches, and the total
    assert len(used) <= DEFAULT_BUDGET
    assert set(_run(_DEFAULT_FITS)) == used
    assert set(cases()) < set(cases(every=True))


@pytest.mark.parametrize("setting", [None, "on"])
def test_compile_times_no_products_and_restores_the_setting(setting, tmp_path, monkeypatch):
    """The command's tiny fits store no product choices (their shapes are no user's, and
    timing them let a helper thread fall asleep, so that its hand-over compiled in both
    processes); the environment is as it was."""
    monkeypatch.setattr(product_choice, "_chosen", {})
    monkeypatch.setattr(_cache, "cache_folder", lambda: tmp_path)
    if setting is None:
        monkeypatch.delenv(product_choice.VARIABLE, raising=False)
    else:
        monkeypatch.setenv(product_choice.VARIABLE, setting)
    _run_group([Case("relu", "float64", "dense", "adam+split")], False)
    assert not (tmp_path / product_choice.FILE).exists() and not product_choice._chosen
    assert os.environ.get(product_choice.VARIABLE) == setting


def test_help_lists_the_compile_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "compile" in capsys.readouterr().out
