"""correct: einsum and a dot-product loss; returns a list (W, b, losses)"""

import numpy as np


def predict(X, W, b):
    return np.einsum("ij,j->i", np.asarray(X, float), np.asarray(W, float)) + b


def mse_loss(X, y, W, b):
    r = predict(X, W, b) - y
    return float(r @ r / (2 * r.size))


def gradients(X, y, W, b):
    r = predict(X, W, b) - y
    m = r.shape[0]
    return np.einsum("ij,i->j", np.asarray(X, float), r) / m, float(r.sum() / m)


def fit(X, y, W0, b0, lr, steps):
    W = np.copy(np.asarray(W0, dtype=float))
    b = float(b0)
    losses = np.empty(steps)
    for k in range(steps):
        losses[k] = mse_loss(X, y, W, b)
        dW, db = gradients(X, y, W, b)
        W -= lr * dW
        b -= lr * db
    return [W, b, losses]
