"""correct: np.where for the sign, derivative as z * 0, mean-based loss"""

import numpy as np


def predict(X, W, b):
    z = np.dot(X, W) + b
    return np.where(z > 0, 1.0, np.where(z < 0, -1.0, 0.0))


def sign_derivative(z):
    return np.asarray(z, dtype=float) * 0.0


def loss(X, y, W, b):
    return float(0.5 * np.mean((predict(X, W, b) - y) ** 2))


def gradients(X, y, W, b):
    z = np.dot(X, W) + b
    upstream = (predict(X, W, b) - y) / np.size(y)
    dz = upstream * sign_derivative(z)
    return np.dot(dz, X), dz.sum()


def train(X, y, W0, b0, lr, steps):
    W, b = np.asarray(W0, dtype=float).copy(), float(b0)
    losses = []
    for _ in range(steps):
        losses.append(loss(X, y, W, b))
        dW, db = gradients(X, y, W, b)
        W = W - lr * dW
        b = b - lr * float(db)
    return W, b, np.array(losses)
