"""skmlp's global configuration: ``get_config``, ``set_config``, ``config_context``.

One setting today, ``fast``: whether NumPy input trains with the compiled
kernels of the ``fast`` extra (when numba can be imported). It is read once
per fit and per prediction, when the estimator chooses its backend; the
environment variable ``SKMLP_FAST=0`` turns it off by default. Like
scikit-learn's, the configuration is per thread: a fit in another thread
keeps its own.
"""

import os
import threading
from contextlib import contextmanager

_default = {"fast": os.environ.get("SKMLP_FAST", "1") != "0"}
_local = threading.local()


def _config():
    if not hasattr(_local, "config"):
        _local.config = dict(_default)
    return _local.config


def get_config():
    """The current configuration of skmlp, as a new dict.

    Returns
    -------
    config : dict
        ``{"fast": bool}``.
    """
    return dict(_config())


def set_config(fast=None):
    """Set skmlp's configuration for the calling thread.

    Parameters
    ----------
    fast : bool, default=None
        Train NumPy input with the compiled kernels of the ``fast`` extra
        when numba is installed (the default), or with NumPy alone
        (``False``). Both give the same models, bit for bit; the kernels
        take fewer passes over memory. None leaves the setting unchanged.
    """
    if fast is not None:
        _config()["fast"] = bool(fast)


@contextmanager
def config_context(*, fast=None):
    """Set skmlp's configuration inside a ``with`` block, then restore it.

    Parameters
    ----------
    fast : bool, default=None
        As in :func:`set_config`.

    Examples
    --------
    >>> import skmlp
    >>> with skmlp.config_context(fast=False):
    ...     skmlp.get_config()["fast"]
    False
    """
    old = get_config()
    set_config(fast=fast)
    try:
        yield
    finally:
        set_config(**old)
