"""Writes the pickles of fitted estimators that test_persistence loads (tests/data/*.pkl).

They were made by nbnet 0.1.0 as of commit 1103756, before the training state moved into
one object, so that the tests show that such pickles keep loading, predicting and training.
Each file holds a dict: the estimator, its training data, its outputs on X, copies of its
fitted attributes, and the outputs after one more training call (``resume``), all made by
that version. Run from the repository root: ``python tests/data/make_pickles.py``.
"""

import copy
import pickle
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification, make_regression

import nbnet
from nbnet import MLPClassifier, MLPRegressor

ATTRIBUTES = ("coefs_", "intercepts_", "n_iter_", "t_", "loss_", "loss_curve_", "best_loss_",
              "validation_scores_", "validation_loss_curve_", "best_validation_score_",
              "n_outputs_", "n_layers_", "out_activation_", "classes_", "n_features_in_")


def outputs(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


def resume(est, X, y):
    """One more training call: a warm start for L-BFGS and early stopping, else partial_fit."""
    if est.solver == "lbfgs" or est.early_stopping:
        return est.set_params(warm_start=True, max_iter=3).fit(X, y)
    return est.partial_fit(X, y)


def cases():
    X, y = make_classification(n_samples=40, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3, random_state=0)
    Xr, yr = make_regression(n_samples=40, n_features=4, random_state=0)
    yr = yr / yr.std()
    small = dict(hidden_layer_sizes=(3,), random_state=0)
    # adam with early stopping, then a warm start that goes on (two fits of history)
    adam = MLPClassifier(**small, solver="adam", early_stopping=True, max_iter=15,
                         n_iter_no_change=50, learning_rate_init=0.01).fit(X, y)
    adam.set_params(warm_start=True, max_iter=5).fit(X, y)
    yield "classifier_adam_early_stopping", adam, X, y
    sgd = MLPRegressor(**small, solver="sgd", max_iter=10, learning_rate_init=0.01,
                       restore_best_weights=True).fit(Xr, yr)
    for _ in range(3):
        sgd.partial_fit(Xr, yr)
    yield "regressor_sgd_partial_fit", sgd, Xr, yr
    yield "classifier_lbfgs", MLPClassifier(**small, solver="lbfgs", max_iter=20).fit(X, y), X, y
    X32 = Xr.astype(np.float32)
    rms = MLPRegressor(**small, solver="rmsprop", max_iter=8, learning_rate_init=0.01)
    rms.fit(X32, yr, validation_data=(X32[:10], yr[:10]))
    yield "regressor_rmsprop_float32_validation_data", rms, X32, yr


def main():
    folder = Path(__file__).parent
    for name, est, X, y in cases():
        record = {"version": nbnet.__version__, "X": X, "y": y, "outputs": outputs(est, X),
                  "attributes": copy.deepcopy({a: getattr(est, a) for a in ATTRIBUTES
                                               if hasattr(est, a)})}
        blob = pickle.dumps(est, protocol=4)
        record["resume"] = outputs(resume(copy.deepcopy(est), X, y), X)
        record["estimator"] = pickle.loads(blob)  # as it was pickled, before resume
        (folder / f"{name}.pkl").write_bytes(pickle.dumps(record, protocol=4))


if __name__ == "__main__":
    main()
