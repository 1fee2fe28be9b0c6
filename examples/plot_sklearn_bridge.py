"""
The bridge to scikit-learn
==========================

``est.to_sklearn()`` turns a fitted nbnet model into scikit-learn's own fitted
:class:`~sklearn.neural_network.MLPClassifier` (or ``MLPRegressor``), with copies of the
weights: for a deployment that has scikit-learn but not nbnet. ``MLPClassifier.from_sklearn``
goes the other way: nbnet's model of a fitted scikit-learn MLP, which predicts the same and
goes on training. Predictions agree to round-off both ways.
"""

# %%
# nbnet trains, scikit-learn predicts
# -----------------------------------
# nbnet may train with what scikit-learn lacks, here dropout and a cosine schedule. Dropout
# only acts while training, so the trained weights are a model scikit-learn can hold; a
# schedule of nbnet's own is a parameter scikit-learn refuses, and ``to_sklearn`` says so.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from nbnet import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # short fits on purpose
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0, stratify=y)

est = MLPClassifier(dropout=0.2, learning_rate="cosine", max_iter=40, random_state=0)
est.fit(X_train, y_train)
try:
    est.to_sklearn()
except ValueError as error:
    print(f"ValueError: {error}")

# %%
# The schedule only trains: set scikit-learn's default, then convert.
sk = est.set_params(learning_rate="constant").to_sklearn()
print(type(sk).__module__, type(sk).__name__)
print("same labels:", np.array_equal(sk.predict(X_test), est.predict(X_test)))
print(f"largest difference of a probability: "
      f"{np.abs(sk.predict_proba(X_test) - est.predict_proba(X_test)).max():.1e}")
print(f"test accuracy: scikit-learn's {sk.score(X_test, y_test):.4f}, "
      f"nbnet's {est.score(X_test, y_test):.4f}")

# %%
# scikit-learn trains, nbnet goes on
# ----------------------------------
# A model that scikit-learn fitted for 10 epochs, continued by nbnet for 30 more with a
# warm-start ``fit``. The optimizer's state does not cross the bridge: nbnet's Adam starts
# afresh, as scikit-learn's would after a change of solver.
sk_model = SklearnMLPClassifier(max_iter=10, random_state=0).fit(X_train, y_train)
before = sk_model.score(X_test, y_test)
nb_model = MLPClassifier.from_sklearn(sk_model)
print("nbnet's copy predicts the same:",
      np.array_equal(nb_model.predict(X_test), sk_model.predict(X_test)))
nb_model.set_params(warm_start=True, max_iter=30).fit(X_train, y_train)
print(f"test accuracy after scikit-learn's 10 epochs {before:.4f}, after nbnet's 30 more "
      f"{nb_model.score(X_test, y_test):.4f}")

# %%
# ``loss_curve_`` crossed the bridge with the weights, and the warm-start fit extends it.
curve = nb_model.loss_curve_
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(np.arange(1, 11), curve[:10], marker=".", label="scikit-learn's epochs")
ax.plot(np.arange(11, len(curve) + 1), curve[10:], marker=".", label="nbnet's epochs")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
plt.show()
