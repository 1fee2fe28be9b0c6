"""
Saving and loading a model: pickle, joblib, skops
=================================================

A fitted nbnet model pickles as plain data (arrays, builtins and a few scikit-learn
objects), so joblib and skops save it as they save scikit-learn's models. A loaded model
predicts as before, and ``partial_fit`` or a warm-start ``fit`` goes on exactly, bit for
bit, as it would have without the round trip: the optimizer's state is saved too. skops
loads only the types it is told to trust; for an nbnet model that is the estimator's class
alone.
"""

# %%
# Fit, save, load
# ---------------
import shutil
import tempfile
import warnings
from pathlib import Path

import joblib
import numpy as np
import skops.io as sio
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from nbnet import MLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16
est = MLPClassifier(hidden_layer_sizes=(64,), max_iter=20, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 20 epochs on purpose
    est.fit(X[:1500], y[:1500])

folder = Path(tempfile.mkdtemp())
joblib.dump(est, folder / "model.joblib")
sio.dump(est, folder / "model.skops")
for path in sorted(folder.iterdir()):
    print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")

from_joblib = joblib.load(folder / "model.joblib")
# Read the list of types skops would need to trust before trusting them: a file from
# elsewhere could name anything.
print("types skops asks us to trust:", sio.get_untrusted_types(file=folder / "model.skops"))
from_skops = sio.load(folder / "model.skops", trusted=["nbnet.mlp.MLPClassifier"])

# %%
# The loaded models predict the same
# ----------------------------------
for name, model in [("joblib", from_joblib), ("skops", from_skops)]:
    same = np.array_equal(model.predict_proba(X[1500:]), est.predict_proba(X[1500:]))
    print(f"{name}: identical probabilities {same}, test accuracy "
          f"{model.score(X[1500:], y[1500:]):.4f}")

# %%
# Training goes on as without the round trip
# ------------------------------------------
# One more ``partial_fit`` on the original and on the loaded copy: the optimizer's state
# (Adam's moments, the step count) came back with the weights, so both take the same step.
est.partial_fit(X[:1500], y[:1500])
from_skops.partial_fit(X[:1500], y[:1500])
print("same weights after one more epoch:",
      all(np.array_equal(a, b) for a, b in zip(est.coefs_, from_skops.coefs_)))
shutil.rmtree(folder)
