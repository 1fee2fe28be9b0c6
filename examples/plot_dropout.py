"""
Dropout against over-fitting
============================

``dropout=p`` zeroes each hidden unit's output with probability ``p`` while training (and
scales the kept ones by ``1/(1−p)``); ``predict``, ``score`` and the validation passes use no
dropout. It is nbnet's own: scikit-learn's MLP has no dropout.

A wide two-layer network on 100 noisy rows learns them by heart. We train it with and
without dropout and follow the training and validation loss per epoch.
"""

# %%
# Noisy data, few training rows
# -----------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss

from nbnet import MLPClassifier

X, y = make_classification(n_samples=1100, n_features=40, n_informative=5, flip_y=0.1,
                           random_state=0)
X_train, y_train, X_val, y_val = X[:100], y[:100], X[100:], y[100:]

# %%
# Without and with dropout
# ------------------------
# The same network, seed and epochs; only ``dropout`` changes. ``validation_data`` records
# the validation loss and accuracy after each epoch.
models = {}
for rate in (0.0, 0.5):
    clf = MLPClassifier((128, 128), dropout=rate, max_iter=100, n_iter_no_change=100,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 100 epochs on purpose
        clf.fit(X_train, y_train, validation_data=(X_val, y_val))
    models[rate] = clf
    print(f"dropout={rate}: training log-loss "
          f"{log_loss(y_train, clf.predict_proba(X_train)):.4f}, validation log-loss "
          f"{log_loss(y_val, clf.predict_proba(X_val)):.4f}; accuracy "
          f"{clf.score(X_train, y_train):.3f} (training), {clf.score(X_val, y_val):.3f} "
          "(validation)")

# %%
# The curves
# ----------
# ``loss_curve_`` is the training loss under dropout (each epoch's masks), so with dropout
# it stays higher; the validation loss (no dropout) is what tells over-fitting.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for (rate, clf), color in zip(models.items(), ["tab:red", "tab:blue"]):
    epochs = np.arange(1, clf.n_iter_ + 1)
    left.plot(epochs, clf.loss_curve_, color=color, linestyle="--",
              label=f"training, dropout={rate}")
    left.plot(epochs, clf.validation_loss_curve_, color=color,
              label=f"validation, dropout={rate}")
    right.plot(epochs, clf.validation_scores_, color=color, label=f"dropout={rate}")
left.set_yscale("log")
left.set_xlabel("epoch")
left.set_ylabel("log-loss")
left.legend()
right.set_xlabel("epoch")
right.set_ylabel("validation accuracy")
right.legend()
fig.tight_layout()
plt.show()

# %%
# Without dropout, the training loss falls towards zero while the validation loss, after
# its lowest point, climbs: the network grows over-confident on rows it has memorised.
# With dropout the training loss stays noisy and higher and the validation loss climbs
# less. Here the validation accuracy ends about the same either way: what dropout bought
# is better-calibrated probabilities (the lower validation log-loss printed above).
