"""wrong: logistic_grads uses z itself in place of ŷ = σ(z)"""

import numpy as np

EPS = 1e-12


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def bce(y_hat, y):
    p = np.clip(np.asarray(y_hat, dtype=float), EPS, 1.0 - EPS)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def dloss_dz(y_hat, y):
    y_hat = np.asarray(y_hat, dtype=float)
    y = np.asarray(y, dtype=float)
    return (y_hat - y) / len(y)


def logistic_grads(X, y, W, b):
    X = np.asarray(X, dtype=float)
    dz = dloss_dz(X @ np.asarray(W, dtype=float) + b, y)
    return X.T @ dz, float(np.sum(dz))
