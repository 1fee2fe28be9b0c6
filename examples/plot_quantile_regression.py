"""
Prediction intervals by quantile regression
===========================================

:class:`~nbnet.MLPRegressor` with ``loss='quantile'`` minimises the pinball loss of the
``quantile`` it is given, so that its prediction estimates that conditional quantile of
``y`` instead of the mean. Two such models, for the 5% and the 95% quantile, bound a 90%
prediction interval; a third, for the median, is robust to the skewed noise. (nbnet's own:
scikit-learn's MLP has squared error only.)
"""

# %%
# Data with skewed, growing noise
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np

from nbnet import MLPRegressor

rng = np.random.default_rng(0)
X = rng.uniform(0, 5, (2000, 1))
noise = rng.lognormal(0, 0.5, 2000) * (0.2 + 0.3 * X[:, 0])  # skewed, wider to the right
y = np.sin(2 * X[:, 0]) + noise
X_train, y_train, X_test, y_test = X[:1000], y[:1000], X[1000:], y[1000:]

# %%
# One model per quantile, and one for the mean
# --------------------------------------------
# The pinball loss's gradient is a sign, whatever the size of the error, so small batches,
# a small rate and a longer patience (``n_iter_no_change``) help the fits settle.
common = dict(hidden_layer_sizes=(64, 64), learning_rate_init=0.003, batch_size=50,
              max_iter=500, n_iter_no_change=50, random_state=0)
models = {q: MLPRegressor(loss="quantile", quantile=q, **common).fit(X_train, y_train)
          for q in (0.05, 0.5, 0.95)}
mean_model = MLPRegressor(loss="squared_error", **common).fit(X_train, y_train)

low, high = models[0.05].predict(X_test), models[0.95].predict(X_test)
covered = np.mean((low <= y_test) & (y_test <= high))
print(f"share of test targets inside the 90% interval: {covered:.3f}")
for q, model in models.items():
    print(f"quantile {q}: share of test targets below the prediction "
          f"{np.mean(y_test <= model.predict(X_test)):.3f}")

# %%
# The interval
# ------------
# The band widens where the noise does, and the median lies below the mean, which the
# long upper tail of the noise pulls up.
grid = np.linspace(0, 5, 300).reshape(-1, 1)
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.scatter(X_test[:, 0], y_test, s=4, color="gray", alpha=0.4, label="test data")
ax.fill_between(grid[:, 0], models[0.05].predict(grid), models[0.95].predict(grid),
                color="tab:blue", alpha=0.25, label="5%–95% quantiles")
ax.plot(grid[:, 0], models[0.5].predict(grid), color="tab:blue", label="median (quantile 0.5)")
ax.plot(grid[:, 0], mean_model.predict(grid), color="tab:red", linestyle="--",
        label="mean (squared error)")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
