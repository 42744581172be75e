"""ScratchMLPClassifier: a superset of scikit-learn's MLPClassifier."""

from ._base import _BaseScratchNet
from ._docstrings import substitute


@substitute(hidden_layer_sizes="(100,)", solver="'adam'")
class ScratchMLPClassifier(_BaseScratchNet):
    """Multi-layer perceptron classifier with dropout, elastic-net penalties,
    more optimizers, learning-rate decay and class weights.

    Every parameter of :class:`sklearn.neural_network.MLPClassifier` exists
    here with the same name, default and meaning, so swapping the class name
    keeps code and parameter grids working. The output head is softmax with
    categorical cross-entropy for multiclass targets, one logistic unit with
    binary cross-entropy for binary targets, and one logistic unit per label
    for multilabel indicator targets -- as MLPClassifier.

    Where MLPClassifier has known defects the interface is kept and the
    behaviour fixed: ``warm_start`` and repeated ``partial_fit`` continue the
    optimizer's state; a non-finite loss stops training and keeps the last
    finite weights; a minibatch whose sample weights sum to zero is skipped;
    ``predict_proba`` stays strictly inside (0, 1); Ctrl-C during ``fit``
    keeps the model trained so far, with a warning.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    ScratchLogisticNet : The same network with independent sigmoid outputs
        (binary cross-entropy), by default logistic regression.
    sklearn.neural_network.MLPClassifier : The estimator this one extends.

    Notes
    -----
    ``alpha`` is scaled as in MLPClassifier: the L2 term of a step is
    ``0.5 * alpha * ||W||^2 / B``, B the minibatch's sample-weight sum. A
    per-layer coefficient lambda added to the batch-mean loss (lambda
    ``||W||^2``) is therefore ``alpha = 2 * lambda * B``.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from sklearn.model_selection import train_test_split
    >>> from skmlp import ScratchMLPClassifier
    >>> X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = ScratchMLPClassifier(hidden_layer_sizes=(32,), dropout=0.1,
    ...                            learning_rate_init=0.01, max_iter=500,
    ...                            random_state=0)
    >>> clf.fit(X_train, y_train).predict_proba(X_test[:1]).shape
    (1, 2)
    >>> clf.score(X_test, y_test) > 0.85
    True
    """

    # Each class spells out its own __init__: scikit-learn reads the
    # parameters and their defaults from the signature (get_params, clone).
    # fmt: off
    def __init__(
        self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
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

    def _head_name(self, kind, n_classes):
        # softmax over the classes, except where MLPClassifier uses logistic
        # units: one for a binary target, one per label for a multilabel one
        return "logistic" if kind == "multilabel" or n_classes == 2 else "softmax"
