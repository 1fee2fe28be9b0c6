"""`make demo`: nbnet and scikit-learn's MLP side by side on scikit-learn's digits data.

Both fit the same model (scikit-learn's defaults, same random_state) on the same split; the
demo prints test accuracy and fit time for each. nbnet's kernels are made ready first, by a
fit of one epoch on one batch's worth of rows (so that it takes the real fit's compiled path,
batches split in halves or not), and the demo says whether they came from the disk cache or
had to be compiled (a first run compiles these few only, into the cache). Each fit starts
after a pause: the two libraries' BLAS thread pools are separate, and one pool's threads spin
for about 0.2 s after its last product, on the cores the other library's fit needs (nbnet's
digits fit right after scikit-learn's: 0.15-0.18 s; after a pause: 0.08 s, on a 2-core machine).
"""

import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP

from nbnet import MLPClassifier, kernel_cache_stats
from nbnet.datasets import load

PAUSE = 0.3  # seconds before each fit, for the other library's BLAS threads to go to sleep


def timed_fit(model, X, y) -> float:
    """Fit ``model`` and return the seconds it took (convergence warnings silenced)."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start


def prepare_kernels(X, y, params=None) -> str:
    """Fit an nbnet model of ``params`` for one epoch of one batch (scikit-learn's 200 rows)
    and score it, so that the kernels of its fit are loaded or compiled; say which."""
    before = kernel_cache_stats()
    start = time.perf_counter()
    model = MLPClassifier(**{**(params or {}), "max_iter": 1})
    timed_fit(model, X[:200], y[:200])
    model.score(X[:200], y[:200])
    seconds = time.perf_counter() - start
    after = kernel_cache_stats()
    compiled = after.compiled - before.compiled
    if compiled:
        return (f"compiled {compiled} kernels in {seconds:.2f} s (first run of this version on "
                f"this machine; cached in {after.folder} for the next runs)")
    return f"kernels loaded from the cache in {seconds:.2f} s ({after.folder})"


def main():
    data = load("digits")
    params = dict(hidden_layer_sizes=(100,), random_state=0, max_iter=200)
    print(f"digits: {len(data.X_train)} train / {len(data.X_test)} test rows, "
          f"{data.X_train.shape[1]} features, {len(set(data.y_train))} classes, {params}")
    print(f"nbnet: {prepare_kernels(data.X_train, data.y_train, params)}")
    results = {}
    for name, model in (("scikit-learn", SklearnMLP(**params)), ("nbnet", MLPClassifier(**params))):
        time.sleep(PAUSE)
        seconds = timed_fit(model, data.X_train, data.y_train)
        accuracy = model.score(data.X_test, data.y_test)
        results[name] = seconds
        print(f"{name:>12}: test accuracy {accuracy:.4f}, fit {seconds:.3f} s, "
              f"{model.n_iter_} epochs")
    print(f"nbnet fits {results['scikit-learn'] / results['nbnet']:.1f}x faster "
          f"(each fit after a {PAUSE} s pause, so that it has the cores to itself)")


if __name__ == "__main__":
    main()
