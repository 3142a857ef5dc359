"""correct: a column of ones appended to X, θ = [W, b] updated together"""

import numpy as np


def _augment(X):
    X = np.asarray(X, dtype=float)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def predict(X, W, b):
    return _augment(X) @ np.append(np.asarray(W, dtype=float), b)


def mse_loss(X, y, W, b):
    return float(np.sum(np.square(predict(X, W, b) - y)) / (2.0 * len(y)))


def gradients(X, y, W, b):
    A = _augment(X)
    g = A.T @ (predict(X, W, b) - y) / len(y)
    return g[:-1], float(g[-1])


def fit(X, y, W0, b0, lr, steps):
    theta = np.append(np.asarray(W0, dtype=float), float(b0))
    losses = []
    for _ in range(steps):
        W, b = theta[:-1], theta[-1]
        losses.append(mse_loss(X, y, W, b))
        dW, db = gradients(X, y, W, b)
        theta = theta - lr * np.append(dW, db)
    return theta[:-1], float(theta[-1]), np.asarray(losses)
