"""
Optimizers compared
===================

Besides scikit-learn's ``'sgd'``, ``'adam'`` and ``'lbfgs'``, nbnet's ``solver`` takes
``'adamw'`` (Adam with decoupled weight decay, ``weight_decay``), ``'rmsprop'`` and
``'adagrad'``, as PyTorch defines them. All the stochastic ones run in the same compiled
epoch and take every learning-rate schedule and gradient clipping (``clip_grad_norm``).
Here each trains the same network on digits.
"""

# %%
# One fit per solver
# ------------------
# Each solver gets a learning rate in its usual range; the fits run 40 epochs each (L-BFGS
# up to 200 iterations), so scikit-learn's warning that they did not converge is silenced.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from nbnet import MLPClassifier
from nbnet.datasets import load

warnings.filterwarnings("ignore", category=ConvergenceWarning)
data = load("digits")
solvers = {
    "sgd (momentum 0.9)": dict(solver="sgd", learning_rate_init=0.05),
    "adam": dict(solver="adam", learning_rate_init=0.001),
    "adamw (weight_decay=0.05)": dict(solver="adamw", learning_rate_init=0.001,
                                      weight_decay=0.05),
    "rmsprop": dict(solver="rmsprop", learning_rate_init=0.001),
    "adagrad": dict(solver="adagrad", learning_rate_init=0.05),
}
models = {}
for name, params in solvers.items():
    models[name] = MLPClassifier(hidden_layer_sizes=(64,), max_iter=40, n_iter_no_change=40,
                                 random_state=0, **params).fit(data.X_train, data.y_train)
lbfgs = MLPClassifier(hidden_layer_sizes=(64,), solver="lbfgs", random_state=0)
lbfgs.fit(data.X_train, data.y_train)
for name, clf in [*models.items(), ("lbfgs", lbfgs)]:
    print(f"{name:>26}: final training loss {clf.loss_:.4f}, "
          f"test accuracy {clf.score(data.X_test, data.y_test):.4f}")

# %%
# Training loss per epoch
# -----------------------
# L-BFGS works on the whole training set at once and records no per-epoch curve; its final
# loss is the dotted line. AdamW's curve lies almost on Adam's: its decay shrinks the
# weights by only ``learning_rate_init × weight_decay`` (5e-5) of themselves per step.
fig, ax = plt.subplots(figsize=(8, 4.5))
for name, clf in models.items():
    ax.plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_, label=name)
ax.axhline(lbfgs.loss_, color="black", linestyle=":",
           label=f"lbfgs ({lbfgs.n_iter_} iterations)")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
plt.show()
