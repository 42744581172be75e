"""ScratchLogisticNet: the network with independent sigmoid output units."""

from sklearn.utils.validation import check_is_fitted

from ._base import _BaseScratchNet
from ._docstrings import substitute


@substitute(hidden_layer_sizes="()", solver="'lbfgs'")
class ScratchLogisticNet(_BaseScratchNet):
    """Neural network with binary logistic output units (sigmoid + binary
    cross-entropy); with no hidden layer, L2-regularised logistic regression.

    The output layer is always independent sigmoid units trained with binary
    cross-entropy: one unit for a binary target, one per label for a
    multilabel indicator target, one per class for a multiclass target
    (one-vs-rest; ``predict_proba`` rows are normalised to sum to 1, as
    scikit-learn's one-vs-rest logistic regression). Every parameter of
    :class:`ScratchMLPClassifier` is available; only the defaults of
    ``hidden_layer_sizes`` (``()``) and ``solver`` (``'lbfgs'``) differ.

    With ``hidden_layer_sizes=()``, ``solver='lbfgs'`` and ``alpha = 1 / C``
    it minimises the objective of ``LogisticRegression(C=C)`` (binary) or of
    ``OneVsRestClassifier(LogisticRegression(C=C))`` (multiclass), and finds
    their coefficients; it then also exposes ``coef_`` and ``intercept_``.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}

    coef_ : ndarray of shape (n_outputs, n_features)
        The weights of the output units, ``coefs_[0].T``; only without a
        hidden layer.

    intercept_ : ndarray of shape (n_outputs,)
        The intercepts of the output units; only without a hidden layer.

    See Also
    --------
    ScratchMLPClassifier : The same network with a softmax head for
        multiclass targets.
    sklearn.linear_model.LogisticRegression : The linear model this
        estimator reproduces with no hidden layer.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import ScratchLogisticNet
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), ScratchLogisticNet(alpha=1.0))
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    >>> clf[-1].coef_.shape
    (1, 30)
    """

    # Each class spells out its own __init__: scikit-learn reads the
    # parameters and their defaults from the signature (get_params, clone).
    # fmt: off
    def __init__(
        self, hidden_layer_sizes=(), activation="relu", *, solver="lbfgs",
        alpha=0.0001, batch_size="auto", learning_rate="constant",
        learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
        random_state=None, tol=1e-4, verbose=False, warm_start=False,
        momentum=0.9, nesterovs_momentum=True, early_stopping=False,
        validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
        n_iter_no_change=10, max_fun=15000,
        # added to MLPClassifier's parameters:
        dropout=0.0, l1_ratio=0.0, decay=0.0, rho=0.9, class_weight=None,
        scoring=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.l1_ratio = l1_ratio
        self.decay = decay
        self.rho = rho
        self.class_weight = class_weight
        self.scoring = scoring

    # fmt: on

    _normalise_ovr = True

    def _head_name(self, kind, n_classes):
        return "logistic"

    def _initialize(self, network, random_state):
        # Without a hidden layer the objective is convex and has no symmetry
        # to break: start from zero, as LogisticRegression does (its
        # iterations are then LogisticRegression's).
        if len(network.layers) > 1:
            super()._initialize(network, random_state)

    @property
    def coef_(self):
        """Output units' weights, (n_outputs, n_features); no hidden layer only."""
        check_is_fitted(self)
        if len(self.coefs_) != 1:
            raise AttributeError(
                "coef_ exists only without hidden layers; this network has "
                f"hidden_layer_sizes={self.hidden_layer_sizes!r}: see coefs_."
            )
        return self.coefs_[0].T

    @property
    def intercept_(self):
        """Intercepts of the output units, (n_outputs,); no hidden layer only."""
        check_is_fitted(self)
        if len(self.coefs_) != 1:
            raise AttributeError(
                "intercept_ exists only without hidden layers; see intercepts_."
            )
        return self.intercepts_[0]
