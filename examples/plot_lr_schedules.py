"""
Learning-rate schedules
=======================

Besides scikit-learn's schedules, nbnet's stochastic solvers take three of PyTorch's, applied
at every update step: ``learning_rate='step'`` multiplies the rate by ``lr_gamma`` every
``lr_step_size`` epochs, ``'exponential'`` by ``lr_gamma`` per epoch (spread over its
steps), and ``'cosine'`` anneals it from ``learning_rate_init`` to ``min_learning_rate`` over
``max_iter`` epochs. ``warmup_epochs`` puts a linear warm-up in front of any of them.

Here five schedules train the same network on digits with Adam; we draw each one's rate
per step and its training loss per epoch.
"""

# %%
# Five fits, one per schedule
# ---------------------------
# Every schedule's parameters are given explicitly. ``n_iter_no_change=max_iter`` keeps all
# fits running their 40 epochs, so that the curves are comparable.
import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from nbnet import MLPClassifier
from nbnet.datasets import load
from nbnet.schedules import rates

data = load("digits")
MAX_ITER, BATCH = 40, 100
common = dict(hidden_layer_sizes=(64,), solver="adam", learning_rate_init=0.01,
              batch_size=BATCH, max_iter=MAX_ITER, n_iter_no_change=MAX_ITER, random_state=0)
schedules = {
    "constant": dict(learning_rate="constant"),
    "step (×0.3 every 10 epochs)": dict(learning_rate="step", lr_step_size=10, lr_gamma=0.3),
    "exponential (×0.9 per epoch)": dict(learning_rate="exponential", lr_gamma=0.9),
    "cosine": dict(learning_rate="cosine", min_learning_rate=1e-4),
    "cosine, 5 warm-up epochs": dict(learning_rate="cosine", min_learning_rate=1e-4,
                                     warmup_epochs=5),
}
models = {}
for name, schedule in schedules.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 40 epochs on purpose
        models[name] = MLPClassifier(**common, **schedule).fit(data.X_train, data.y_train)
    print(f"{name:>30}: final training loss {models[name].loss_:.5f}, "
          f"test accuracy {models[name].score(data.X_test, data.y_test):.4f}")

# %%
# The rate of every step, and the loss of every epoch
# ---------------------------------------------------
# :func:`nbnet.schedules.rates` gives the scheduled rate of each step from the estimator's
# parameters, as the solver asks for it (Adam then multiplies it by its bias correction).
steps_per_epoch = math.ceil(len(data.X_train) / BATCH)
n_steps = MAX_ITER * steps_per_epoch
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for name, model in models.items():
    params = model.get_params()
    scheduled = rates(params["learning_rate"], params["learning_rate_init"], 0, n_steps,
                      steps_per_epoch, warmup_epochs=params["warmup_epochs"],
                      max_iter=params["max_iter"], min_learning_rate=params["min_learning_rate"],
                      lr_step_size=params["lr_step_size"], lr_gamma=params["lr_gamma"])
    left.plot(np.arange(n_steps) / steps_per_epoch, scheduled, label=name)
    right.plot(np.arange(1, model.n_iter_ + 1), model.loss_curve_, label=name)
left.set_xlabel("epoch")
left.set_ylabel("learning rate")
left.set_title("scheduled rate per step")
right.set_xlabel("epoch")
right.set_ylabel("training loss")
right.set_yscale("log")
right.set_title("training loss per epoch")
right.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# The decaying schedules end with small steps, so their training loss flattens where the
# constant rate's keeps falling; on a problem as easy as digits, the test accuracies printed
# above differ by a few test rows. The warm-up's first epochs take small steps, and its
# loss starts slower.
