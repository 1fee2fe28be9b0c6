"""Data sets for the demo, the tests and the benchmarks: deterministic splits, no downloads.

- :func:`load` — scikit-learn's bundled real data sets (digits, iris, wine, breast_cancer,
  diabetes) with a fixed, stratified (for classification) train/test split.
- :func:`load_mnist1d` — MNIST-1D (Greydanus 2020), generated locally by the ``mnist1d``
  package's own generator with its default arguments (its published table: logistic
  regression 32%, MLP 68%, CNN 94% test accuracy), cached to a local ``.npz`` file (under
  ``make``, in the checkout's ``datasets/cache/``; ``datasets/README.md`` lists every set).
- :func:`make_synthetic` — classification or regression data of a given size and dtype,
  for scaling studies (up to millions of rows).
"""

import os
import random
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn import datasets as sk_datasets
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


class Split(NamedTuple):
    """A train/test split; ``task`` is 'classification' or 'regression'."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    task: str


_BUNDLED = {
    "digits": (sk_datasets.load_digits, "classification"),
    "iris": (sk_datasets.load_iris, "classification"),
    "wine": (sk_datasets.load_wine, "classification"),
    "breast_cancer": (sk_datasets.load_breast_cancer, "classification"),
    "diabetes": (sk_datasets.load_diabetes, "regression"),
}
BUNDLED_NAMES = tuple(_BUNDLED)


def _finish(X_train, X_test, y_train, y_test, task, scale, dtype) -> Split:
    if scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    if task == "regression":
        y_train, y_test = y_train.astype(dtype), y_test.astype(dtype)
    return Split(X_train.astype(dtype), X_test.astype(dtype), y_train, y_test, task)


def load(name: str, *, dtype=np.float64, scale: bool = True, test_size: float = 0.25,
         random_state: int = 0) -> Split:
    """Load one of scikit-learn's bundled data sets, split into train and test.

    Parameters
    ----------
    name : {'digits', 'iris', 'wine', 'breast_cancer', 'diabetes'}
        The data set.
    dtype : numpy dtype, default=np.float64
        dtype of ``X`` (and of ``y`` for regression).
    scale : bool, default=True
        Standardise the features with statistics of the training part.
    test_size : float, default=0.25
        Fraction held out for testing (stratified for classification).
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    split : Split
    """
    if name not in _BUNDLED:
        raise ValueError(f"Unknown data set {name!r}; choose one of {sorted(_BUNDLED)}.")
    loader, task = _BUNDLED[name]
    X, y = loader(return_X_y=True)
    stratify = y if task == "classification" else None
    parts = train_test_split(X, y, test_size=test_size, random_state=random_state,
                             stratify=stratify)
    return _finish(*parts, task, scale, dtype)


def _default_cache_dir() -> Path:
    return Path(os.environ.get("NBNET_DATA_DIR", Path.home() / ".cache" / "nbnet"))


def load_mnist1d(*, dtype=np.float64, cache_dir=None) -> Split:
    """MNIST-1D with the ``mnist1d`` package's default arguments: 4000 train, 1000 test rows.

    The first call generates the data (a few seconds; the generator needs the optional
    ``mnist1d`` package, in nbnet's ``bench`` extra) and caches it as
    ``mnist1d_default.npz`` in ``cache_dir`` (default ``$NBNET_DATA_DIR`` or
    ``~/.cache/nbnet``); later calls read the file. The generator seeds numpy's and
    Python's global random state; both are restored afterwards.

    Parameters
    ----------
    dtype : numpy dtype, default=np.float64
    cache_dir : path-like, optional

    Returns
    -------
    split : Split
        40 features, 10 classes, as published (already centred and scaled).
    """
    path = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    path = path / "mnist1d_default.npz"
    if not path.exists():
        from mnist1d.data import get_dataset_args, make_dataset

        numpy_state, python_state = np.random.get_state(), random.getstate()
        try:
            data = make_dataset(get_dataset_args())
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, x=data["x"], y=data["y"], x_test=data["x_test"], y_test=data["y_test"])
        os.replace(tmp, path)
    with np.load(path) as data:
        return _finish(data["x"], data["x_test"], data["y"], data["y_test"], "classification",
                       False, dtype)


def make_synthetic(task: str, n_samples: int, n_features: int = 20, n_classes: int = 3, *,
                   dtype=np.float64, test_size: float = 0.2, random_state: int = 0) -> Split:
    """Synthetic data for scale: scikit-learn's ``make_classification``/``make_regression``.

    Parameters
    ----------
    task : {'classification', 'regression'}
    n_samples, n_features : int
        Rows (train and test together) and features.
    n_classes : int, default=3
        Classes (classification only).
    dtype : numpy dtype, default=np.float64
    test_size : float, default=0.2
    random_state : int, default=0

    Returns
    -------
    split : Split
        Standardised features; regression targets are standardised too.
    """
    if task == "classification":
        X, y = sk_datasets.make_classification(
            n_samples=n_samples, n_features=n_features, n_informative=min(n_features, 10),
            n_redundant=0, n_classes=n_classes, n_clusters_per_class=1,
            random_state=random_state)
    elif task == "regression":
        X, y = sk_datasets.make_regression(n_samples=n_samples, n_features=n_features,
                                           n_informative=min(n_features, 10), noise=1.0,
                                           random_state=random_state)
        y = (y - y.mean()) / y.std()
    else:
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    parts = train_test_split(X, y, test_size=test_size, random_state=random_state)
    return _finish(*parts, task, True, dtype)
