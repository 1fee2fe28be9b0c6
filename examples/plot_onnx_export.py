"""
Exporting to ONNX
=================

With the ``onnx`` extra (skl2onnx, onnx, onnxruntime), :func:`nbnet.onnx.register` adds
nbnet's converters to skl2onnx, and ``skl2onnx.to_onnx`` then converts nbnet's models, alone
or inside a pipeline. The graph runs wherever onnxruntime does, without Python, NumPy or
nbnet. Here a pipeline of a scaler and a classifier goes to ONNX, and onnxruntime's
predictions are checked against nbnet's.
"""

# %%
# Fit a pipeline, float32 end to end
# ----------------------------------
# float32 input trains a float32 model in nbnet, and converts to a float32 graph.
import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
import skl2onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import nbnet.onnx
from nbnet import MLPClassifier

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64, 32),
                                                     activation=["gelu", "relu"],
                                                     random_state=0))
pipe.fit(X_train, y_train)
print(f"nbnet's test accuracy: {pipe.score(X_test, y_test):.4f}")

# %%
# Convert, and run in onnxruntime
# -------------------------------
# Registering changes skl2onnx's global registry, so importing nbnet does not do it: call
# it once. ``zipmap=False`` makes the probabilities a plain matrix instead of a list of
# dicts.
nbnet.onnx.register()
onx = skl2onnx.to_onnx(pipe, X_train[:1], options={"zipmap": False})
print(f"ONNX graph: {len(onx.SerializeToString()) / 1024:.0f} KiB, operators "
      f"{sorted({node.op_type for node in onx.graph.node})}")
session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
label, probabilities = session.run(None, {"X": X_test})

# %%
# The numbers agree
# -----------------
# The same labels, and probabilities equal to float32 round-off.
difference = np.abs(probabilities - pipe.predict_proba(X_test))
print("same labels:", np.array_equal(label, pipe.predict(X_test)))
print(f"largest difference of a probability: {difference.max():.2e}")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.scatter(pipe.predict_proba(X_test).ravel(), probabilities.ravel(), s=4)
left.set_xlabel("nbnet's predict_proba")
left.set_ylabel("onnxruntime's probabilities")
left.set_title("every probability of every test row")
right.hist(difference.ravel(), bins=50, color="tab:green")
right.set_yscale("log")
right.set_xlabel("absolute difference")
right.set_title("their differences")
fig.tight_layout()
plt.show()
