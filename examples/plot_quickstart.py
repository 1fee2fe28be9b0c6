"""
Quick start: nbnet in place of scikit-learn's MLP
=================================================

Train :class:`nbnet.MLPClassifier` on the digits data set and plot its training and
validation loss per epoch with :class:`nbnet.display.LossCurveDisplay`.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from nbnet import MLPClassifier
from nbnet.display import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X / 16, y, random_state=0)
clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=40, random_state=0)
clf.fit(X_train, y_train, validation_data=(X_val, y_val))
print(f"validation accuracy: {clf.score(X_val, y_val):.3f} after {clf.n_iter_} epochs")

LossCurveDisplay.from_estimator(clf)
plt.show()
