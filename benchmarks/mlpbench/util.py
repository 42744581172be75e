"""Small helpers shared by the modules: progress lines, number formatting, the
number of CPUs, the width of a network's output layer."""

import os
import sys

import numpy as np


def log(message):
    """Progress goes to standard error; the table goes to standard output."""
    print(message, file=sys.stderr, flush=True)


def threads_text(n):
    """'1 thread', '2 threads'; 'default threads' for a contender left to its
    libraries' own thread counts (a defaults row)."""
    return f"{n} thread{'s' if n != 1 else ''}"


def all_threads():
    """'All threads': the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def output_units(y, regression):
    """The width of the output layer for targets `y`: one unit per target
    column (regression), else one per class (one for two classes, as
    MLPClassifier's logistic output)."""
    if regression:
        return 1 if np.ndim(y) == 1 else np.shape(y)[1]
    n_classes = len(np.unique(y))
    return 1 if n_classes == 2 else n_classes
