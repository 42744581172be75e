"""Reference formulas of the core, written out here in plain NumPy and SciPy.

Nothing here calls skmlp: the tests compare the core's results with these
(and with finite differences of them). Everything is computed in float64.

A network's flat parameter vector is laid out as the core documents it,
[W_1, ..., W_L, b_1, ..., b_L] (row-major W_l of shape (fan_in, fan_out));
``test_network`` checks that layout on its own.
"""

import math

import numpy as np
import scipy.special

# f(Z) and f'(Z) of each hidden activation
ACTIVATIONS = {
    "identity": (lambda Z: Z, lambda Z: np.ones_like(Z)),
    "logistic": (
        scipy.special.expit,
        lambda Z: scipy.special.expit(Z) * scipy.special.expit(-Z),
    ),
    "tanh": (np.tanh, lambda Z: 1.0 - np.tanh(Z) ** 2),
    "relu": (lambda Z: np.where(Z > 0, Z, 0.0), lambda Z: (Z > 0).astype(float)),
}


def unpack(params, sizes):
    """(Ws, bs): the weight matrices and intercepts of the flat vector ``params``."""
    params = np.asarray(params, dtype=np.float64)
    shapes = list(zip(sizes[:-1], sizes[1:]))
    Ws, start = [], 0
    for fan_in, fan_out in shapes:
        Ws.append(params[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    bs = []
    for _, fan_out in shapes:
        bs.append(params[start : start + fan_out])
        start += fan_out
    assert start == params.size
    return Ws, bs


def n_weights(sizes):
    return sum(i * o for i, o in zip(sizes[:-1], sizes[1:]))


def forward(params, sizes, activation, X, masks=None, rates=None):
    """(Z_L, [(Z_l, A_l, A_l after dropout) per hidden layer]).

    ``masks[l]`` is the keep mask of hidden layer l (or None: no dropout),
    applied as A * M / (1 - rate).
    """
    f, _ = ACTIVATIONS[activation]
    Ws, bs = unpack(params, sizes)
    n_hidden = len(Ws) - 1
    masks = masks or [None] * n_hidden
    rates = rates or [0.0] * n_hidden
    A = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    A, cache = A.astype(np.float64), []
    for l, (W, b) in enumerate(zip(Ws, bs)):
        Z = A @ W + b
        if l == n_hidden:
            return Z, cache
        A_act = f(Z)
        A = A_act
        if masks[l] is not None:
            A = A_act * np.asarray(masks[l], dtype=np.float64) / (1.0 - rates[l])
        cache.append((Z, A_act, A))


def head_loss(kind, Z, Y, w=None):
    """sum_i w_i l_i / sum_i w_i; l_i the categorical (``softmax``) or the
    summed binary (any other kind) cross-entropy of row i."""
    Z, Y = np.asarray(Z, np.float64), np.asarray(Y, np.float64)
    if kind == "softmax":
        per_sample = -(Y * scipy.special.log_softmax(Z, axis=1)).sum(axis=1)
    else:
        log_p, log_q = scipy.special.log_expit(Z), scipy.special.log_expit(-Z)
        per_sample = -(Y * log_p + (1 - Y) * log_q).sum(axis=1)
    w = np.ones(Z.shape[0]) if w is None else np.asarray(w, np.float64)
    return float(w @ per_sample / w.sum())


def head_dZ(kind, Z, Y, w=None):
    """d head_loss / dZ = (P - Y) w_i / B."""
    Z, Y = np.asarray(Z, np.float64), np.asarray(Y, np.float64)
    if kind == "softmax":
        P = scipy.special.softmax(Z, axis=1)
    else:
        P = scipy.special.expit(Z)
    w = np.ones(Z.shape[0]) if w is None else np.asarray(w, np.float64)
    return (P - Y) * (w / w.sum())[:, None]


def alphas_per_matrix(alpha, Ws):
    return [float(alpha)] * len(Ws) if np.ndim(alpha) == 0 else list(alpha)


def penalty_value(Ws, alpha, l1_ratio, B):
    """alpha (l1_ratio sum|W| + (1 - l1_ratio) sum W**2 / 2) / B, per matrix."""
    total = 0.0
    for W, a in zip(Ws, alphas_per_matrix(alpha, Ws), strict=True):
        W = np.asarray(W, np.float64)
        total += a * (l1_ratio * np.abs(W).sum() + (1 - l1_ratio) * 0.5 * (W**2).sum())
    return total / B


def penalty_grad(Ws, alpha, l1_ratio, B):
    """[alpha (l1_ratio sign(W) + (1 - l1_ratio) W) / B per matrix]."""
    return [
        a * (l1_ratio * np.sign(W) + (1 - l1_ratio) * W) / B
        for W, a in zip(Ws, alphas_per_matrix(alpha, Ws), strict=True)
    ]


def objective(
    params, sizes, activation, kind, X, Y, w, alpha, l1_ratio, masks=None, rates=None
):
    """The head's weighted mean loss plus the penalty over B = sum of w."""
    Z, _ = forward(params, sizes, activation, X, masks, rates)
    B = float(X.shape[0]) if w is None else float(np.sum(w))
    Ws, _ = unpack(params, sizes)
    return head_loss(kind, Z, Y, w) + penalty_value(Ws, alpha, l1_ratio, B)


def gradient(
    params,
    sizes,
    activation,
    kind,
    X,
    Y,
    w,
    alpha,
    l1_ratio,
    masks=None,
    rates=None,
    penalty=True,
):
    """The gradient of :func:`objective`, by backpropagation written out here:
    dZ_L = (P - Y) w / B; dW_l = A_{l-1}^T dZ_l; db_l = sum_i dZ_l;
    dA_{l-1} = dZ_l W_l^T, times M / (1 - rate) through dropout, times f'(Z)."""
    _, fprime = ACTIVATIONS[activation]
    Ws, _ = unpack(params, sizes)
    n_hidden = len(Ws) - 1
    masks = masks or [None] * n_hidden
    rates = rates or [0.0] * n_hidden
    Z, cache = forward(params, sizes, activation, X, masks, rates)
    dZ = head_dZ(kind, Z, Y, w)
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, np.float64)
    inputs = [X] + [A for _, _, A in cache]
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        dWs[l] = inputs[l].T @ dZ
        dbs[l] = dZ.sum(axis=0)
        if l == 0:
            break
        dA = dZ @ Ws[l].T
        if masks[l - 1] is not None:
            dA = dA * np.asarray(masks[l - 1], np.float64) / (1.0 - rates[l - 1])
        dZ = dA * fprime(cache[l - 1][0])
    if penalty:
        B = float(X.shape[0]) if w is None else float(np.sum(w))
        dWs = [
            dW + dR
            for dW, dR in zip(dWs, penalty_grad(Ws, alpha, l1_ratio, B), strict=True)
        ]
    return np.concatenate([dW.ravel() for dW in dWs] + dbs)


# -- update rules: one step each, from the state before it -------------------


def sgd_step(p, g, state, lr, momentum, nesterov):
    """v = mu v - lr g; p += v, or with Nesterov's momentum p += mu v - lr g."""
    v = momentum * state["velocity"] - lr * g
    step = momentum * v - lr * g if nesterov else v
    return p + step, {"steps": state["steps"] + 1, "velocity": v}


def adagrad_step(p, g, state, lr, epsilon):
    """G += g**2; p -= lr g / (sqrt(G) + eps)."""
    G = state["cache"] + g * g
    return p - lr * g / (np.sqrt(G) + epsilon), {
        "steps": state["steps"] + 1,
        "cache": G,
    }


def rmsprop_step(p, g, state, lr, rho, epsilon):
    """G = rho G + (1 - rho) g**2; p -= lr g / (sqrt(G) + eps)."""
    G = rho * state["cache"] + (1 - rho) * g * g
    return p - lr * g / (np.sqrt(G) + epsilon), {
        "steps": state["steps"] + 1,
        "cache": G,
    }


def adam_step(p, g, state, lr, beta_1, beta_2, epsilon):
    """Kingma and Ba's Algorithm 1, with epsilon added to sqrt(v) before the
    bias corrections (MLPClassifier's form: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t),
    p -= lr_t m / (sqrt(v) + eps))."""
    t = state["steps"] + 1
    m = beta_1 * state["m"] + (1 - beta_1) * g
    v = beta_2 * state["v"] + (1 - beta_2) * g * g
    m_hat = m / (1 - beta_1**t)
    v_hat = v / (1 - beta_2**t)
    eps_hat = epsilon / math.sqrt(1 - beta_2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps_hat), {"steps": t, "m": m, "v": v}
