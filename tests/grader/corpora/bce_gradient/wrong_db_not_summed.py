"""wrong: logistic_grads returns db as the vector dz instead of its sum"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def bce(y_hat, y):
    y_hat = np.clip(np.asarray(y_hat, dtype=float), 1e-12, 1 - 1e-12)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def dloss_dz(y_hat, y):
    y_hat = np.asarray(y_hat, dtype=float)
    y = np.asarray(y, dtype=float)
    return (y_hat - y) / len(y)


def logistic_grads(X, y, W, b):
    X = np.asarray(X, dtype=float)
    dz = dloss_dz(sigmoid(X @ np.asarray(W, dtype=float) + b), y)
    return X.T @ dz, dz
