"""correct: loops and if/elif for the sign"""

import numpy as np


def _sign(v):
    if v > 0:
        return 1.0
    if v < 0:
        return -1.0
    return 0.0


def predict(X, W, b):
    return np.array([_sign(sum(x * w for x, w in zip(row, W)) + b) for row in X])


def sign_derivative(z):
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    for index in np.ndindex(z.shape):
        out[index] = 0.0
    return out


def loss(X, y, W, b):
    p = predict(X, W, b)
    return sum((p[i] - y[i]) ** 2 for i in range(len(y))) / (2 * len(y))


def gradients(X, y, W, b):
    X = np.asarray(X, dtype=float)
    m, n = X.shape
    z = X @ np.asarray(W, dtype=float) + b
    d = sign_derivative(z)
    p = predict(X, W, b)
    dW = np.zeros(n)
    db = 0.0
    for i in range(m):
        dz = (p[i] - y[i]) / m * d[i]
        dW += dz * X[i]
        db += dz
    return dW, db


def train(X, y, W0, b0, lr, steps):
    W, b = np.array(W0, dtype=float), b0
    losses = np.zeros(steps)
    for k in range(steps):
        losses[k] = loss(X, y, W, b)
        dW, db = gradients(X, y, W, b)
        W = W - lr * dW
        b = b - lr * db
    return W, b, losses
