"""
Deploying with ONNX: export, run in onnxruntime, compare
========================================================

:func:`skmlp.onnx.to_onnx` turns a fitted pipeline that ends in one of our
classifiers into an ONNX graph. This example exports one, runs it in
onnxruntime, checks that its probabilities and labels are those of
``predict_proba`` and ``predict``, and times both on one row and on 10 000
rows. See :ref:`onnx` for the options and what the graph computes.
"""

# %%
# Fit a pipeline
# --------------
#
# A scaler and a two-layer network on the spiral, in float32 (the dtype of
# most deployments; float64 works the same way).
import time

import numpy as np
import onnxruntime as ort
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchMLPClassifier
from skmlp.datasets import make_spiral
from skmlp.onnx import to_onnx

X, y = make_spiral(n_samples_per_class=300, n_classes=3, random_state=0)
X = X.astype(np.float32)
pipe = make_pipeline(
    StandardScaler(),
    ScratchMLPClassifier(
        (32, 32), batch_size=64, learning_rate_init=0.02, random_state=0
    ),
).fit(X, y)
print(f"training accuracy {pipe.score(X, y):.3f}")

# %%
# Export and load
# ---------------
#
# The sample ``X[:1]`` sets the input's dtype and width. ``zipmap=False``
# keeps the probabilities as one tensor instead of a list of dictionaries.
onx = to_onnx(pipe, X[:1], options={"zipmap": False})
print("graph:", " -> ".join(node.op_type for node in onx.graph.node))
print(f"{len(onx.SerializeToString()) / 1024:.1f} KiB")

session = ort.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
print("inputs: ", [(i.name, i.type, i.shape) for i in session.get_inputs()])
print("outputs:", [(o.name, o.type, o.shape) for o in session.get_outputs()])

# %%
# Compare
# -------
#
# On fresh points, including some far outside the training range, where the
# logits are large and the probabilities sit on the clip bounds.
rng = np.random.default_rng(1)
X_new = np.vstack([rng.normal(size=(10_000, 2)), 1e3 * rng.normal(size=(10, 2))])
X_new = X_new.astype(np.float32)
label, proba = session.run(None, {"X": X_new})
expected = pipe.predict_proba(X_new)
print(f"largest probability difference: {np.abs(proba - expected).max():.2e}")
print(f"labels equal: {np.array_equal(label, pipe.predict(X_new))}")
print(f"probabilities inside (0, 1): {bool(np.all((proba > 0) & (proba < 1)))}")

# %%
# Latency
# -------
#
# The median of repeated calls, for one row (what a web service answering one
# request at a time sees) and for 10 000 rows (a batch job).


def median_seconds(function, argument, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


one, batch = X_new[:1], X_new[:10_000]
rows = []
for name, data, repeat in [("1 row", one, 200), ("10 000 rows", batch, 10)]:
    t_onnx = median_seconds(lambda Xb: session.run(None, {"X": Xb}), data, repeat)
    t_numpy = median_seconds(pipe.predict_proba, data, repeat)
    rows.append((name, t_onnx, t_numpy))

print(f"{'':>12} {'onnxruntime':>14} {'predict_proba':>14} {'ratio':>7}")
for name, t_onnx, t_numpy in rows:
    print(
        f"{name:>12} {t_onnx * 1e6:>11.0f} us {t_numpy * 1e6:>11.0f} us "
        f"{t_numpy / t_onnx:>6.1f}x"
    )

# %%
# On one row, onnxruntime skips what ``predict_proba`` does around the
# arithmetic (input validation, the pipeline's checks); on 10 000 rows both
# spend their time in the same matrix products, so they come closer. The
# figures depend on the machine and on how many threads each may use.
