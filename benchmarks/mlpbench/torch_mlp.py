"""A plain PyTorch loop that trains MLPClassifier's (or MLPRegressor's) network
the way it does."""

import numpy as np

from .devices import on_device

_DEFAULT_THREADS = []  # PyTorch's own intra-op thread count, once read


def default_threads():
    """PyTorch's default intra-op thread count, as it was before the benchmark
    set any: read on the first call, which the command line makes before any
    row runs (and outside any threadpool limit, which can change what torch
    reports), then remembered."""
    if not _DEFAULT_THREADS:
        import torch

        _DEFAULT_THREADS.append(torch.get_num_threads())
    return _DEFAULT_THREADS[0]


class TorchMLP:
    """A plain PyTorch loop training MLPClassifier's network the way it does.

    Same layers, ReLU, Glorot-uniform init, softmax cross-entropy, Adam
    (lr 1e-3, betas 0.9/0.999, eps 1e-8), L2 on weights only with alpha / batch
    size (MLPClassifier's scaling), reshuffled minibatches every epoch, the mean
    loss of each epoch recorded; plus inverted dropout after each hidden layer.
    The data and the network live on `device` (None: the CPU).  `batch_size`
    "auto" is MLPClassifier's min(200, n); `n_threads` None is PyTorch's own
    default thread count (`default_threads`).

    ``regression=True`` trains MLPRegressor's network instead: one output per
    target column, the identity output, and half the squared error summed
    over the outputs and averaged over the batch -- the objective whose
    gradient MLPRegressor follows, ``(Z - Y) / batch`` at the output layer
    (the loss curve records MLPRegressor's value of it, the mean over the
    outputs); ``predict`` returns the shape of the ``y`` it was fitted on.
    """

    untraced_memory = True  # torch's allocator does not report to tracemalloc

    def __init__(
        self,
        hidden_layer_sizes,
        *,
        batch_size,
        max_iter,
        alpha,
        dropout,
        random_state,
        n_threads,
        device=None,
        regression=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.alpha = alpha
        self.dropout = dropout
        self.random_state = random_state
        self.n_threads = n_threads
        self.device = device
        self.regression = regression

    def _network(self, sizes, dtype):
        import torch
        from torch import nn

        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            if layers:  # after a hidden layer: its activation, then dropout
                layers.append(nn.ReLU())
                if self.dropout:
                    layers.append(nn.Dropout(self.dropout))
            dense = nn.Linear(fan_in, fan_out, dtype=dtype)
            bound = (6 / (fan_in + fan_out)) ** 0.5  # Glorot, as MLPClassifier
            with torch.no_grad():
                dense.weight.uniform_(-bound, bound)
                dense.bias.uniform_(-bound, bound)
            layers.append(dense)
        return nn.Sequential(*layers).to(self.device)

    def _optimizer(self, model, batch_size):
        import torch

        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
        return torch.optim.Adam(
            [
                {"params": weights, "weight_decay": self.alpha / batch_size},
                {"params": biases, "weight_decay": 0.0},
            ],
            lr=1e-3,
            betas=(0.9, 0.999),
            eps=1e-8,
        )

    def fit(self, X, y):
        import torch

        # torch's setting is global: set it, whatever ran before
        torch.set_num_threads(self.n_threads or default_threads())
        torch.manual_seed(self.random_state)
        X_t = on_device(X, self.device)
        y_t, n_outputs, loss_fn = self._targets(y, X_t.dtype)
        sizes = [X.shape[1], *self.hidden_layer_sizes, n_outputs]
        self.model_ = model = self._network(sizes, X_t.dtype)
        batch_size = self.batch_size
        if batch_size == "auto":  # MLPClassifier's
            batch_size = min(200, len(y_t))
        optimizer = self._optimizer(model, batch_size)
        generator = torch.Generator().manual_seed(self.random_state)
        model.train()
        self.loss_curve_ = []
        for _ in range(self.max_iter):
            order = torch.randperm(len(y_t), generator=generator).to(self.device)
            total = 0.0
            for batch in torch.split(order, batch_size):
                optimizer.zero_grad()
                loss = loss_fn(model(X_t[batch]), y_t[batch])
                loss.backward()
                optimizer.step()
                # kept on the device: no host round trip per batch
                total = total + loss.detach() * len(batch)
            # MLPRegressor reports the mean over the outputs, not the sum
            per_output = n_outputs if self.regression else 1
            self.loss_curve_.append(float(total) / len(y_t) / per_output)
        self.n_iter_ = self.max_iter
        return self

    def _targets(self, y, dtype):
        """(targets on the device, output units, loss function of a batch)."""
        import torch

        if self.regression:
            self.y_ndim_ = np.ndim(y)
            self.n_outputs_ = 1 if self.y_ndim_ == 1 else np.shape(y)[1]
            # moved once (on_device caches by array), then a view; cast to
            # X's dtype if it is not (the benchmark's targets already are)
            Y_t = on_device(y, self.device).reshape(len(y), self.n_outputs_)
            Y_t = Y_t.to(dtype)

            def half_squared_error(Z, Y):  # summed over outputs, batch mean
                return torch.nn.functional.mse_loss(Z, Y, reduction="sum") * (
                    0.5 / len(Z)
                )

            return Y_t, self.n_outputs_, half_squared_error
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        y_t = torch.asarray(y_encoded.astype(np.int64), device=self.device)
        return y_t, len(self.classes_), torch.nn.CrossEntropyLoss()

    def _outputs(self, X):
        import torch

        self.model_.eval()
        with torch.no_grad():
            return self.model_(on_device(X, self.device))

    def predict_proba(self, X):
        import torch

        if self.regression:
            raise AttributeError("a regression TorchMLP has no predict_proba")
        return torch.softmax(self._outputs(X), dim=1).cpu().numpy()

    def predict(self, X):
        """The values (regression) or the classes of the largest output."""
        Z = self._outputs(X).cpu().numpy()
        if not self.regression:
            return self.classes_[np.argmax(Z, axis=1)]
        return Z[:, 0] if self.y_ndim_ == 1 else Z
