"""The loaders: shapes, dtypes, splits and determinism, at tiny sizes and with no downloads."""

import random

import numpy as np
import pytest

from nbnet import datasets

# (rows, features, classes or None for regression) of scikit-learn's bundled sets
BUNDLED = {"digits": (1797, 64, 10), "iris": (150, 4, 3), "wine": (178, 13, 3),
           "breast_cancer": (569, 30, 2), "diabetes": (442, 10, None)}


def assert_same_split(a, b):
    assert a.task == b.task
    for left, right in zip(a[:4], b[:4]):
        np.testing.assert_array_equal(left, right)


def test_the_bundled_table_covers_every_loader_name():
    assert set(datasets.BUNDLED_NAMES) == set(BUNDLED)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_load_shapes_dtypes_and_scaling(name, dtype):
    rows, features, classes = BUNDLED[name]
    split = datasets.load(name, dtype=dtype)
    assert split.task == ("regression" if classes is None else "classification")
    assert split.X_train.shape[1] == split.X_test.shape[1] == features
    assert len(split.X_train) + len(split.X_test) == rows
    assert len(split.X_test) == int(np.ceil(0.25 * rows))
    assert len(split.y_train) == len(split.X_train) and len(split.y_test) == len(split.X_test)
    assert split.X_train.dtype == split.X_test.dtype == dtype
    if classes is None:
        assert split.y_train.dtype == split.y_test.dtype == dtype
    else:
        assert set(np.unique(split.y_train)) == set(np.unique(split.y_test)) == set(range(classes))
    # standardised with the training part's statistics (constant pixels of digits stay 0)
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0, atol=1e-5)
    assert np.all(np.isclose(split.X_train.std(axis=0), 1, atol=1e-4)
                  | (split.X_train.std(axis=0) == 0))


def test_load_is_deterministic_and_seeded():
    assert_same_split(datasets.load("iris"), datasets.load("iris"))
    other = datasets.load("iris", random_state=1)
    assert not np.array_equal(datasets.load("iris").y_train, other.y_train)


def test_load_stratifies_classification_splits():
    split = datasets.load("iris")
    assert np.bincount(split.y_test).tolist() == [13, 13, 12]  # 38 test rows of 3 × 50


def test_load_without_scaling_keeps_the_raw_values():
    split = datasets.load("digits", scale=False, test_size=0.5)
    assert len(split.X_test) == 899
    assert split.X_train.min() == 0 and split.X_train.max() == 16


def test_load_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="Unknown data set 'mnist'"):
        datasets.load("mnist")


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_make_synthetic_shapes_dtypes_and_determinism(task, dtype):
    split = datasets.make_synthetic(task, 50, n_features=6, n_classes=4, dtype=dtype)
    assert split.task == task
    assert split.X_train.shape == (40, 6) and split.X_test.shape == (10, 6)
    assert split.X_train.dtype == split.X_test.dtype == dtype
    if task == "classification":
        assert set(np.unique(np.r_[split.y_train, split.y_test])) == {0, 1, 2, 3}
    else:
        assert split.y_train.dtype == dtype
        y = np.r_[split.y_train, split.y_test].astype(np.float64)
        np.testing.assert_allclose([y.mean(), y.std()], [0, 1], atol=1e-6)
    assert_same_split(split, datasets.make_synthetic(task, 50, n_features=6, n_classes=4,
                                                     dtype=dtype))
    assert not np.array_equal(
        split.X_train,
        datasets.make_synthetic(task, 50, n_features=6, n_classes=4, dtype=dtype,
                                random_state=1).X_train)


def test_make_synthetic_rejects_an_unknown_task():
    with pytest.raises(ValueError, match="task must be"):
        datasets.make_synthetic("ranking", 10)


def _write_mnist1d_file(folder):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "mnist1d_default.npz", x=rng.standard_normal((8, 40)),
             y=np.arange(8) % 10, x_test=rng.standard_normal((3, 40)), y_test=np.arange(3))


def test_load_mnist1d_reads_its_cache_file(tmp_path, dtype):
    _write_mnist1d_file(tmp_path)
    split = datasets.load_mnist1d(dtype=dtype, cache_dir=tmp_path)
    assert split.task == "classification"
    assert split.X_train.shape == (8, 40) and split.X_test.shape == (3, 40)
    assert split.X_train.dtype == split.X_test.dtype == dtype
    with np.load(tmp_path / "mnist1d_default.npz") as raw:  # as published: not rescaled
        np.testing.assert_allclose(split.X_train, raw["x"].astype(dtype))
        np.testing.assert_array_equal(split.y_test, raw["y_test"])


def test_load_mnist1d_takes_its_folder_from_nbnet_data_dir(tmp_path, monkeypatch):
    _write_mnist1d_file(tmp_path / "home")
    monkeypatch.setenv("NBNET_DATA_DIR", str(tmp_path / "home"))
    assert datasets.load_mnist1d().X_train.shape == (8, 40)


@pytest.mark.slow
def test_load_mnist1d_generates_the_published_set_once(tmp_path):
    pytest.importorskip("mnist1d")
    numpy_state, python_state = np.random.get_state(), random.getstate()
    split = datasets.load_mnist1d(cache_dir=tmp_path)
    assert split.X_train.shape == (4000, 40) and split.X_test.shape == (1000, 40)
    assert sorted(np.unique(split.y_train)) == list(range(10))
    # the generator's seeding of the global random state is undone
    assert random.getstate() == python_state
    assert np.random.get_state()[1].tolist() == numpy_state[1].tolist()
    assert_same_split(split, datasets.load_mnist1d(cache_dir=tmp_path))  # read from the file
