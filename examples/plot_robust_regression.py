"""
Robust regression losses against outliers
=========================================

Squared error lets a few wild targets pull the whole fit towards them. nbnet's
:class:`~nbnet.MLPRegressor` also takes ``loss='huber'`` (squared within ``huber_delta`` of
the prediction, linear beyond) and ``loss='absolute_error'``, whose gradients do not grow
with the size of the error. (nbnet's own: scikit-learn's MLP has squared error only.)
"""

# %%
# A curve with 5% gross outliers
# ------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from nbnet import MLPRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # fixed epochs on purpose
rng = np.random.default_rng(0)
X = rng.uniform(-3, 3, (1000, 1))
clean = np.sin(X[:, 0])
y = clean + rng.normal(0, 0.1, 1000)
outliers = rng.choice(1000, 50, replace=False)
y[outliers] += rng.uniform(5, 10, 50)  # all upwards, so that they bias the mean

# %%
# Three losses, the same network
# ------------------------------
# We measure each fit against the clean curve, which the outliers hide.
losses = {"squared_error": {}, "huber": dict(huber_delta=0.5), "absolute_error": {}}
grid = np.linspace(-3, 3, 300).reshape(-1, 1)
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.scatter(X[:, 0], y, s=4, color="gray", alpha=0.5, label="training data")
for loss, params in losses.items():
    reg = MLPRegressor(loss=loss, hidden_layer_sizes=(32, 32), learning_rate_init=0.01,
                       max_iter=150, random_state=0, **params).fit(X, y)
    error = np.abs(reg.predict(X) - clean).mean()
    print(f"{loss:>15}: mean distance to the clean curve {error:.3f}")
    ax.plot(grid[:, 0], reg.predict(grid), linewidth=2, label=f"{loss} ({error:.2f})")
ax.plot(grid[:, 0], np.sin(grid[:, 0]), color="black", linestyle=":", label="clean curve")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend(title="loss (mean distance to the clean curve)", loc="upper left", fontsize="small")
fig.tight_layout()
plt.show()
