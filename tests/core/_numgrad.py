"""Central finite differences, shared by the gradient checks of tests/core."""

import numpy as np

STEP = 1e-6  # float64: truncation ~ STEP**2, rounding ~ 1e-16 / STEP


def numerical_gradient(f, x, h=STEP):
    """d f() / d x by central differences, perturbing ``x`` in place entry by entry.

    ``f`` takes no argument and must read ``x`` (or a view of it); ``x`` is
    restored exactly afterwards.
    """
    flat = x.reshape(-1)
    assert np.shares_memory(flat, x), "x must be perturbable through a flat view"
    grad = np.empty(flat.size, dtype=np.float64)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f()
        flat[i] = old - h
        f_minus = f()
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)


def relative_error(a, b):
    """||a - b|| / max(||a||, ||b||): 0 when both are 0."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
