"""wrong: train runs range(steps - 1) updates and records one loss fewer"""

import numpy as np


def predict(X, W, b):
    z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + b
    return np.sign(z)


def sign_derivative(z):
    return np.zeros(np.shape(z))


def loss(X, y, W, b):
    errors = predict(X, W, b) - np.asarray(y, dtype=float)
    m = len(errors)
    return float(np.sum(errors**2) / (2 * m))


def gradients(X, y, W, b):
    X = np.asarray(X, dtype=float)
    z = X @ np.asarray(W, dtype=float) + b
    m = X.shape[0]
    dz = (np.sign(z) - np.asarray(y, dtype=float)) / m * sign_derivative(z)
    return X.T @ dz, float(dz.sum())


def train(X, y, W0, b0, lr, steps):
    W, b = np.array(W0, dtype=float), float(b0)
    losses = np.zeros(steps - 1)
    for k in range(steps - 1):
        losses[k] = loss(X, y, W, b)
        dW, db = gradients(X, y, W, b)
        W = W - lr * dW
        b = b - lr * db
    return W, b, losses
