"""
A grid search, and its parallel paths
=====================================

nbnet's estimators drop into :class:`~sklearn.model_selection.GridSearchCV`. Its fits can
run one after another (``n_jobs=1``), in joblib's worker processes (loky, the default for
``n_jobs > 1``), or in threads of this process: nbnet's compiled epochs release the GIL, so
with joblib's ``threading`` backend the fits run side by side with nothing pickled and no
worker to start. Each fit's matrix products also use BLAS threads; holding BLAS to one
thread around a threaded search (threadpoolctl) keeps the fits from oversubscribing the
cores.

We time the same small search on each path; the results are the same on every path.
"""

# %%
# The search
# ----------
# Two network widths × two L2 penalties, 3-fold cross-validation on digits: 12 fits and the
# refit. Short fits on purpose, so scikit-learn's warning that they did not converge is
# silenced (scikit-learn passes the filter on to joblib's workers).
import time
import warnings

import matplotlib.pyplot as plt
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from nbnet import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_digits(return_X_y=True)
grid = {"mlpclassifier__hidden_layer_sizes": [(32,), (64,)],
        "mlpclassifier__alpha": [1e-4, 1e-1]}


def search(n_jobs):
    """A new search of the grid over a scaler and nbnet's classifier."""
    model = make_pipeline(StandardScaler(), MLPClassifier(max_iter=30, random_state=0))
    return GridSearchCV(model, grid, cv=3, n_jobs=n_jobs)


# %%
# Each path, timed
# ----------------
# The first loky search pays for starting its worker processes, which import nbnet and load
# its kernels from the disk cache; joblib keeps the workers, so a second search does not.
def threaded():
    with threadpool_limits(1), parallel_config(backend="threading"):
        return search(2).fit(X, y)


paths = {
    "n_jobs=1": lambda: search(1).fit(X, y),
    "threading, n_jobs=2,\nBLAS at 1 thread": threaded,
    "loky, n_jobs=2\n(starts workers)": lambda: search(2).fit(X, y),
    "loky, n_jobs=2\n(workers reused)": lambda: search(2).fit(X, y),
}
seconds, results = {}, {}
for name, run in paths.items():
    start = time.perf_counter()
    fitted = run()
    seconds[name] = time.perf_counter() - start
    results[name] = fitted.cv_results_["mean_test_score"]
    best = fitted.best_params_
    print(f"{name.replace(chr(10), ' '):>38}: {seconds[name]:5.2f} s; best: "
          f"{best['mlpclassifier__hidden_layer_sizes']}, alpha={best['mlpclassifier__alpha']}, "
          f"accuracy {fitted.best_score_:.4f}")
first = next(iter(results.values()))
print("same scores on every path:", all((r == first).all() for r in results.values()))

# %%
# The times side by side
# ----------------------
# On a machine with more cores, raise ``n_jobs``; the right path depends on the machine and
# on what else runs on it, so time your own.
fig, ax = plt.subplots(figsize=(7, 3.5))
bars = ax.barh(list(seconds), list(seconds.values()), color="tab:blue")
ax.bar_label(bars, fmt="%.2f s", padding=3)
ax.invert_yaxis()
ax.set_xlabel("seconds for the whole search")
ax.margins(x=0.2)
fig.tight_layout()
plt.show()
