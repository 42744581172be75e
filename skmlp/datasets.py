"""Toy data sets that the examples, the demo and the tests build themselves."""

import numpy as np
from sklearn.utils import check_random_state


def make_spiral(n_samples_per_class=100, n_classes=3, *, noise=0.2, random_state=None):
    """Interleaved spiral arms, one arm per class, in two dimensions.

    Arm k is traced by radius r from 0 to 1 and angle
    ``t = 2.5 * (linspace(4k, 4(k + 1)) + noise * N(0, 1))``; its points are
    ``(r sin t, r cos t)``. This is the spiral problem of "Neural Networks
    from Scratch in Python", drawn from ``random_state`` instead of a global
    seed. It cannot be separated linearly: a hidden layer is needed.

    Parameters
    ----------
    n_samples_per_class : int, default=100
        Points on each arm.
    n_classes : int, default=3
        Number of arms (classes).
    noise : float, default=0.2
        Standard deviation of the Gaussian noise added to the angle, before
        the factor 2.5.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise, with scikit-learn's convention.

    Returns
    -------
    X : ndarray of shape (n_samples_per_class * n_classes, 2)
        The points.
    y : ndarray of shape (n_samples_per_class * n_classes,)
        The arm (class) of each point, 0 to ``n_classes - 1``.

    Examples
    --------
    >>> from skmlp.datasets import make_spiral
    >>> X, y = make_spiral(n_samples_per_class=100, n_classes=3, random_state=0)
    >>> X.shape, y.shape
    ((300, 2), (300,))
    """
    rng = check_random_state(random_state)
    n = int(n_samples_per_class)
    X = np.empty((n * n_classes, 2))
    y = np.repeat(np.arange(n_classes), n)
    r = np.linspace(0.0, 1.0, n)
    for k in range(n_classes):
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n) + rng.standard_normal(n) * noise
        X[k * n : (k + 1) * n] = np.c_[r * np.sin(2.5 * t), r * np.cos(2.5 * t)]
    return X, y
