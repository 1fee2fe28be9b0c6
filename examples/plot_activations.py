"""
Activations compared
====================

Besides scikit-learn's ``'identity'``, ``'logistic'``, ``'tanh'`` and ``'relu'``,
``activation`` takes ``'leaky_relu'``, ``'elu'``, ``'gelu'``, ``'silu'`` and
``'softplus'``, as PyTorch defines them, or a list with one per hidden layer. ``init``
chooses the initial weights' scale: ``'glorot'`` (scikit-learn's), ``'he'`` or
``'lecun'``. Here each activation trains the same two-layer network on digits for the same
epochs.
"""

# %%
# One fit per activation
# ----------------------
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from nbnet import MLPClassifier
from nbnet.datasets import load

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # 30 epochs on purpose
data = load("digits")
activations = ["logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus",
               ["gelu", "relu"]]
results = {}
for activation in activations:
    clf = MLPClassifier(hidden_layer_sizes=(64, 32), activation=activation, max_iter=30,
                        n_iter_no_change=30, random_state=0)
    start = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    name = activation if isinstance(activation, str) else " + ".join(activation)
    results[name] = clf
    print(f"{name:>12}: test accuracy {clf.score(data.X_test, data.y_test):.4f}, "
          f"final training loss {clf.loss_:.4f}, fit {seconds:.2f} s")

# %%
# Training loss per epoch, and test accuracy
# ------------------------------------------
# The first fit of scikit-learn's activations and the first of nbnet's own each load a
# compiled kernel, so the fit times printed above are rough.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
for name, clf in results.items():
    left.plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_, label=name)
left.set_yscale("log")
left.set_xlabel("epoch")
left.set_ylabel("training loss")
left.legend(fontsize="small", ncol=2)
scores = [clf.score(data.X_test, data.y_test) for clf in results.values()]
right.barh(list(results), scores)
right.invert_yaxis()
right.set_xlim(min(scores) - 0.05, 1.0)
right.set_xlabel("test accuracy")
fig.tight_layout()

# %%
# The initial weights
# -------------------
# ``init='he'`` draws relu networks' weights with the variance ``2 / fan_in`` they were
# derived for; ``'glorot'`` is scikit-learn's. The loss after a few epochs shows how well
# each scale starts the training of four relu layers.
for init in ("glorot", "he", "lecun"):
    clf = MLPClassifier(hidden_layer_sizes=(64, 64, 64, 64), init=init, max_iter=30,
                        n_iter_no_change=30, random_state=0).fit(data.X_train, data.y_train)
    print(f"four relu layers, init={init!r}: loss after 3 epochs {clf.loss_curve_[2]:.4f}, "
          f"test accuracy {clf.score(data.X_test, data.y_test):.4f}")
plt.show()
