"""skmlp: neural-network classifiers written from scratch on NumPy/SciPy that
behave as first-class scikit-learn estimators."""

from ._config import config_context, get_config, set_config
from ._logistic import ScratchLogisticNet
from ._mlp import ScratchMLPClassifier

__version__ = "0.1.0"

__all__ = [
    "ScratchMLPClassifier",
    "ScratchLogisticNet",
    "config_context",
    "get_config",
    "set_config",
    "__version__",
]
