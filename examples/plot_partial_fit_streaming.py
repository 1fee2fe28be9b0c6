"""
Training on a stream with partial_fit
=====================================

``partial_fit`` trains on the rows it is given, one epoch of mini-batches, and keeps the
optimizer's state for the next call: a model can learn from data that arrives in chunks, or
that does not fit in memory. Here we first feed chunks by hand, then let dask-ml's
``Incremental`` feed the chunks of a Dask array (the ``dask`` extra).
"""

# %%
# Chunks by hand
# --------------
# The training rows arrive in chunks of 200, each one ``partial_fit`` call: an epoch of
# mini-batches of 50 over that chunk. The first call names every class, since a chunk may
# lack some. After each chunk we score the model on held-out rows.
import dask
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from dask_ml.wrappers import Incremental
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from nbnet import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0, stratify=y)
classes = np.unique(y)
CHUNK, PASSES = 200, 10


def chunks(X, y, size):
    """Yield the rows in chunks, as a reader of a large file or a message queue would."""
    for start in range(0, len(X), size):
        yield X[start:start + size], y[start:start + size]


clf = MLPClassifier(hidden_layer_sizes=(64,), batch_size=50, random_state=0)
seen, scores = [], []
for _ in range(PASSES):
    for X_chunk, y_chunk in chunks(X_train, y_train, CHUNK):
        clf.partial_fit(X_chunk, y_chunk, classes=classes)
        seen.append(clf.t_)
        scores.append(clf.score(X_test, y_test))
print(f"after {PASSES} passes over {len(X_train)} rows in chunks of {CHUNK}: "
      f"test accuracy {scores[-1]:.4f}")

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(seen, scores, marker=".")
ax.set_xlabel("training rows seen (t_)")
ax.set_ylabel("test accuracy")
ax.set_title("one partial_fit call per chunk")
fig.tight_layout()

# %%
# The chunks of a Dask array
# --------------------------
# dask-ml's ``Incremental`` calls ``partial_fit`` on each chunk of a Dask array in turn
# (here in their order, ``shuffle_blocks=False``), one pass per call, and predicts chunk by
# chunk. The array could come from zarr, HDF5 or Parquet files larger than memory; Dask's
# local threaded scheduler runs the tasks, with no cluster to start. It is the loop above:
# the same weights, and the same predictions.
X_dask = da.from_array(X_train, chunks=(CHUNK, X_train.shape[1]))
y_dask = da.from_array(y_train, chunks=CHUNK)
with dask.config.set(scheduler="threads"):
    model = Incremental(MLPClassifier(hidden_layer_sizes=(64,), batch_size=50,
                                      random_state=0), shuffle_blocks=False)
    for _ in range(PASSES):
        model.partial_fit(X_dask, y_dask, classes=classes)
    predicted = model.predict(da.from_array(X_test, chunks=CHUNK))  # lazy, chunk by chunk
    print(f"{predicted.numblocks[0]} chunks of predictions, computed now")
    predicted = predicted.compute()
print(f"Incremental's test accuracy {np.mean(predicted == y_test):.4f}")
print("same weights as the loop by hand:",
      all(np.array_equal(a, b) for a, b in zip(model.estimator_.coefs_, clf.coefs_)))
plt.show()
