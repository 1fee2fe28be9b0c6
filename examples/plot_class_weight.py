"""
Class weights on imbalanced data
================================

With one class in twenty, a classifier can score well by rarely predicting the rare class.
``class_weight='balanced'`` weighs each class by ``n_samples / (n_classes · count)``, so
that both classes count alike in the loss; a dict ``{label: weight}`` sets the weights by
hand. The weights become sample weights, exactly as scikit-learn's
``compute_sample_weight`` gives them. (nbnet's own: scikit-learn's MLP has no
``class_weight``.)
"""

# %%
# Imbalanced data: 5% positives
# -----------------------------
import matplotlib.pyplot as plt
from sklearn.datasets import make_classification
from sklearn.metrics import ConfusionMatrixDisplay, balanced_accuracy_score, recall_score

from nbnet import MLPClassifier

X, y = make_classification(n_samples=4000, n_features=20, n_informative=4, weights=[0.95, 0.05],
                           flip_y=0, random_state=0)
X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
print(f"positives: {y_train.sum()} of {len(y_train)} training rows")

# %%
# Without and with class weights
# ------------------------------
# The same network, seed and L2 penalty (``alpha``); only ``class_weight`` changes.
models = {}
for class_weight in (None, "balanced"):
    clf = MLPClassifier((16,), alpha=1.0, class_weight=class_weight, max_iter=400,
                        random_state=0)
    models[class_weight] = clf.fit(X_train, y_train)
    predicted = clf.predict(X_test)
    print(f"class_weight={class_weight!s:>8}: recall of the rare class "
          f"{recall_score(y_test, predicted):.3f}, of the common class "
          f"{recall_score(y_test, predicted, pos_label=0):.3f}, balanced accuracy "
          f"{balanced_accuracy_score(y_test, predicted):.3f}")

# %%
# The confusion matrices
# ----------------------
# Rows are the true classes: the balanced model finds more of the rare class (bottom row)
# at the price of more false alarms (top right).
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (class_weight, clf) in zip(axes, models.items()):
    ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test, ax=ax, colorbar=False)
    ax.set_title(f"class_weight={class_weight}")
fig.tight_layout()
plt.show()
