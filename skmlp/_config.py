"""skmlp's global configuration: ``get_config``, ``set_config``, ``config_context``.

Two settings, read once per fit (and per prediction):

- ``fast``: whether NumPy input trains with the compiled kernels of the
  ``fast`` extra (when numba can be imported); the environment variable
  ``SKMLP_FAST=0`` turns it off by default;
- ``choose_threads``: whether a fit chooses its BLAS threads by its work and
  by timing its own steps (``skmlp._threads``), within the caller's limits;
  ``False`` leaves the threads as the caller set them.

Like scikit-learn's, the configuration is per thread: a fit in another
thread keeps its own.
"""

import os
import threading
from contextlib import contextmanager

_default = {"fast": os.environ.get("SKMLP_FAST", "1") != "0", "choose_threads": True}
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
        ``{"fast": bool, "choose_threads": bool}``.
    """
    return dict(_config())


def set_config(fast=None, choose_threads=None):
    """Set skmlp's configuration for the calling thread.

    Parameters
    ----------
    fast : bool, default=None
        Train NumPy input with the compiled kernels of the ``fast`` extra
        when numba is installed (the default), or with NumPy alone
        (``False``). Both give the same models, bit for bit; the kernels
        take fewer passes over memory. None leaves the setting unchanged.
    choose_threads : bool, default=None
        Let a fit choose its BLAS threads (the default): one thread for
        steps too small to share, else the faster of the caller's limit and
        one thread, timed on its own steps -- never more than the caller's
        limit. ``False`` keeps the caller's thread count throughout, which
        makes fits bit-reproducible where the BLAS's results depend on its
        thread count (long reductions: see the user guide). None leaves the
        setting unchanged.
    """
    if fast is not None:
        _config()["fast"] = bool(fast)
    if choose_threads is not None:
        _config()["choose_threads"] = bool(choose_threads)


@contextmanager
def config_context(*, fast=None, choose_threads=None):
    """Set skmlp's configuration inside a ``with`` block, then restore it.

    Parameters
    ----------
    fast, choose_threads : bool, default=None
        As in :func:`set_config`.

    Examples
    --------
    >>> import skmlp
    >>> with skmlp.config_context(fast=False):
    ...     skmlp.get_config()["fast"]
    False
    """
    old = get_config()
    set_config(fast=fast, choose_threads=choose_threads)
    try:
        yield
    finally:
        set_config(**old)
