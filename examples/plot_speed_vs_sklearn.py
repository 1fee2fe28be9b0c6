"""
nbnet against scikit-learn on digits
====================================

nbnet's :class:`~nbnet.MLPClassifier` takes scikit-learn's parameters and, for the same
``random_state``, starts from scikit-learn's weights. Here both libraries fit the same
network to scikit-learn's handwritten digits, each on one core, and we compare test
accuracy and fit time.

nbnet's compiled kernels are ready before the first fit: a tiny fit loads them from the
disk cache (``python -m nbnet compile`` fills it) or, on a first run, compiles them. We time
that apart, so that the comparison is of training only.
"""

# %%
# The data: a fixed, stratified split of digits, standardised
# ------------------------------------------------------------
import time
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from threadpoolctl import threadpool_limits

from nbnet import MLPClassifier, kernel_cache_stats
from nbnet.datasets import load

data = load("digits")
print(f"{len(data.X_train)} training rows, {len(data.X_test)} test rows, "
      f"{data.X_train.shape[1]} features")

# %%
# Loading (or compiling) the kernels
# ----------------------------------
# The first fit of a process needs nbnet's compiled kernels. A one-epoch fit on a few rows
# makes them ready; :func:`nbnet.kernel_cache_stats` tells whether they came from the
# cache or were compiled.
before = kernel_cache_stats()
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch does not converge
    MLPClassifier(max_iter=1).fit(data.X_train[:50], data.y_train[:50]).predict(data.X_test)
ready = time.perf_counter() - start
after = kernel_cache_stats()
loaded, compiled = after.loaded - before.loaded, after.compiled - before.compiled
if loaded or compiled:
    print(f"kernels ready in {ready:.2f} s: {loaded} loaded from the cache, {compiled} compiled")
else:
    print(f"kernels ready in {ready:.2f} s: an earlier fit of this process had loaded them")

# %%
# Fitting both
# ------------
# The same parameters for both: scikit-learn's defaults with 100 epochs at most. Both fits
# run with the BLAS libraries held to one thread (threadpoolctl), so that each library
# trains on one core, whatever else the machine is running: matrix products on two BLAS
# threads slow down badly when another process takes one of the cores. Each fit starts
# after a short pause, so that the other library's BLAS threads, which spin for a moment
# after their last product, are asleep.
params = dict(hidden_layer_sizes=(100,), max_iter=100, random_state=0)
results = {}
for name, model in [("scikit-learn", SklearnMLPClassifier(**params)),
                    ("nbnet", MLPClassifier(**params))]:
    time.sleep(0.3)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(data.X_train, data.y_train)
        seconds = time.perf_counter() - start
    accuracy = model.score(data.X_test, data.y_test)
    results[name] = seconds
    print(f"{name:>12}: {model.n_iter_} epochs in {seconds:.3f} s, "
          f"test accuracy {accuracy:.4f}")
print(f"nbnet trained {results['scikit-learn'] / results['nbnet']:.1f}x as fast")

# %%
# The fit times side by side
# --------------------------
# The kernels' one-off start-up is drawn apart: a process pays it once, whatever it fits
# next.
names = ["scikit-learn", "nbnet", "nbnet kernels\n(once per process)"]
seconds = [results["scikit-learn"], results["nbnet"], ready]
fig, ax = plt.subplots(figsize=(7, 3))
bars = ax.barh(names, seconds, color=["tab:gray", "tab:blue", "tab:cyan"])
ax.bar_label(bars, fmt="%.2f s", padding=3)
ax.invert_yaxis()
ax.set_xlabel("seconds")
ax.set_title("Fitting an MLP to digits: same parameters, one core each")
ax.margins(x=0.2)
fig.tight_layout()
plt.show()
