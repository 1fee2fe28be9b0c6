"""
Callbacks, early stopping and the best weights
==============================================

nbnet's estimators speak scikit-learn's callback API (``sklearn.callback``, scikit-learn
1.9): each epoch is a task, so scikit-learn's ``ScoringMonitor`` logs a score per epoch and
its ``ProgressBar`` shows an epoch bar (it needs rich: ``pip install 'nbnet[progress]'``).
:class:`nbnet.callbacks.EarlyStopping` stops on any curve the estimator records (the
training loss, the validation loss or the validation score) after ``patience`` epochs
without an improvement of ``min_delta``. ``restore_best_weights=True`` then ends the fit
with the weights of the best epoch instead of the last.
"""

# %%
# A fit watched by two callbacks
# ------------------------------
# ``ScoringMonitor`` scores the training data after every epoch; ``EarlyStopping`` watches
# the validation loss, with a patience of 10 epochs.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.callback import ScoringMonitor
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from nbnet import MLPClassifier
from nbnet.callbacks import EarlyStopping

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X / 16, y, train_size=500, random_state=0,
                                                  stratify=y)
monitor = ScoringMonitor(scoring="accuracy")
clf = MLPClassifier(hidden_layer_sizes=(128,), learning_rate_init=0.01, max_iter=300,
                    restore_best_weights=True, random_state=0)
clf.set_callbacks(monitor, EarlyStopping("validation_loss", patience=10))
clf.fit(X_train, y_train, validation_data=(X_val, y_val))
print(f"stopped after {clf.n_iter_} of at most {clf.max_iter} epochs")

# %%
# Which weights the model kept
# ----------------------------
# With a validation set, ``restore_best_weights`` keeps the epoch of the best validation
# score (here accuracy); the model's score on the validation set is that epoch's.
best_epoch = int(np.argmax(clf.validation_scores_)) + 1
print(f"best validation accuracy {clf.best_validation_score_:.4f} at epoch {best_epoch}, "
      f"last epoch's {clf.validation_scores_[-1]:.4f}; the kept model scores "
      f"{clf.score(X_val, y_val):.4f}")

# %%
# The monitor's log
# -----------------
# ``get_logs()`` returns the scores of every task: the whole fit (task name ``fit``) and
# each epoch.
log = monitor.get_logs().data_as_pandas
epochs = log[log["task_name"] == "epoch"]
print(epochs[["task_name", "task_id", "accuracy"]].tail())

epoch_numbers = np.arange(1, clf.n_iter_ + 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.plot(epoch_numbers, clf.loss_curve_, label="training loss")
left.plot(epoch_numbers, clf.validation_loss_curve_, label="validation loss (watched)")
left.set_yscale("log")
left.set_xlabel("epoch")
left.legend()
right.plot(epoch_numbers, epochs["accuracy"], label="training accuracy (ScoringMonitor)")
right.plot(epoch_numbers, clf.validation_scores_, label="validation accuracy")
right.axvline(best_epoch, color="gray", linestyle=":", label="epoch kept")
right.set_xlabel("epoch")
right.set_ylim(0.8, 1.005)
right.legend()
fig.tight_layout()
plt.show()
