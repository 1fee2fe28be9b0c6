"""
Training and validation curves
==============================

Given ``validation_data``, a fit records after every epoch the validation score
(``validation_scores_``) and the validation loss without the L2 penalty
(``validation_loss_curve_``), beside the training loss (``loss_curve_``).
:class:`nbnet.display.LossCurveDisplay` draws the two loss curves.

With ``early_stopping=True`` the given set replaces the ``validation_fraction`` that
scikit-learn would hold out of the training data: training stops once the validation score
has not improved for ``n_iter_no_change`` epochs, and the best epoch's weights are kept.
"""

# %%
# A fit with a validation set
# ---------------------------
# A wide network on 400 digits: the training loss keeps falling while the validation loss
# levels off after some 15 epochs; the widening gap between them is over-fitting. The fit
# runs its 60 epochs (``max_iter``) on purpose, so scikit-learn's warning that it did not
# converge is silenced.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from nbnet import MLPClassifier
from nbnet.display import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X / 16, y, train_size=400, random_state=0,
                                                  stratify=y)
clf = MLPClassifier(hidden_layer_sizes=(256,), learning_rate_init=0.01, max_iter=60,
                    n_iter_no_change=60, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train, validation_data=(X_val, y_val))
print(f"{clf.n_iter_} epochs; last validation accuracy {clf.validation_scores_[-1]:.4f}, "
      f"best {clf.best_validation_score_:.4f}")

# %%
# The curves
# ----------
# Left, the display's two loss curves; right, the validation accuracy per epoch.
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
LossCurveDisplay.from_estimator(clf, ax=left, log_scale=True)
epochs = np.arange(1, clf.n_iter_ + 1)
right.plot(epochs, clf.validation_scores_, color="tab:orange")
right.set_xlabel("epoch")
right.set_ylabel("validation accuracy")
fig.tight_layout()

# %%
# Early stopping on the same validation set
# -----------------------------------------
# ``early_stopping=True`` watches the validation score and stops after ``n_iter_no_change``
# epochs without an improvement of ``tol``; the model keeps the best epoch's weights.
stopped = MLPClassifier(hidden_layer_sizes=(256,), learning_rate_init=0.01, max_iter=60,
                        early_stopping=True, n_iter_no_change=5, random_state=0)
stopped.fit(X_train, y_train, validation_data=(X_val, y_val))
print(f"stopped after {stopped.n_iter_} epochs; best validation accuracy "
      f"{stopped.best_validation_score_:.4f}; accuracy of the kept weights "
      f"{stopped.score(X_val, y_val):.4f}")

display = LossCurveDisplay.from_estimator(stopped)
display.ax_.set_title("early_stopping=True, n_iter_no_change=5")
plt.show()
