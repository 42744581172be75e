"""skmlp: neural-network classifiers written from scratch on NumPy/SciPy that
behave as first-class scikit-learn estimators."""

from ._logistic import ScratchLogisticNet
from ._mlp import ScratchMLPClassifier

__version__ = "0.1.0"

__all__ = ["ScratchMLPClassifier", "ScratchLogisticNet", "__version__"]
