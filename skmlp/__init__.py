"""skmlp: neural-network classifiers and a regressor written from scratch on
NumPy/SciPy that behave as first-class scikit-learn estimators."""

from ._config import config_context, get_config, set_config
from ._logistic import ScratchLogisticNet
from ._mlp import ScratchMLPClassifier
from ._regressor import ScratchMLPRegressor

__version__ = "0.1.0"

__all__ = [
    "ScratchMLPClassifier",
    "ScratchLogisticNet",
    "ScratchMLPRegressor",
    "config_context",
    "get_config",
    "set_config",
    "__version__",
]
