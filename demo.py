"""`make demo`: nbnet and scikit-learn's MLP side by side on scikit-learn's digits data.

Both fit the same model (scikit-learn's defaults, same random_state) on the same split; the
demo prints test accuracy and fit time for each. nbnet's one-off compile (or load from the
disk cache) is timed apart, on a tiny warm-up fit. Each fit starts after a pause, as in the
benchmarks (``benchmarks/measure.py``): the two libraries' BLAS thread pools are separate,
and one pool's threads spin for about 0.2 s after its last product, on the cores the other
library's fit needs (nbnet's digits fit right after scikit-learn's: 0.15-0.18 s; after a
pause: 0.08 s, on the 2-core benchmark machine with OpenBLAS's own kernels for its CPU).
"""

import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP

from benchmarks.measure import LIBRARY_PAUSE
from nbnet import MLPClassifier
from nbnet.datasets import load


def timed_fit(model, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start


def main():
    data = load("digits")
    params = dict(hidden_layer_sizes=(100,), random_state=0, max_iter=200)
    compile_seconds = timed_fit(MLPClassifier(max_iter=1), data.X_train[:50], data.y_train[:50])
    print(f"digits: {len(data.X_train)} train / {len(data.X_test)} test rows, "
          f"{data.X_train.shape[1]} features, {len(set(data.y_train))} classes, {params}")
    print(f"nbnet compile (or load from cache), once per process: {compile_seconds:.2f} s")
    results = {}
    for name, model in (("scikit-learn", SklearnMLP(**params)), ("nbnet", MLPClassifier(**params))):
        time.sleep(LIBRARY_PAUSE)  # let the other library's BLAS threads go to sleep
        seconds = timed_fit(model, data.X_train, data.y_train)
        accuracy = model.score(data.X_test, data.y_test)
        results[name] = seconds
        print(f"{name:>12}: test accuracy {accuracy:.4f}, fit {seconds:.3f} s, "
              f"{model.n_iter_} epochs")
    print(f"nbnet fits {results['scikit-learn'] / results['nbnet']:.1f}x faster "
          f"(each fit after a {LIBRARY_PAUSE} s pause, so that it has both cores to itself)")


if __name__ == "__main__":
    main()
