"""correct: sigmoid as (1 + tanh(z/2))/2, dot products, mean-based gradients"""

import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def bce(y_hat, y):
    y_hat = np.asarray(y_hat, dtype=float)
    p = np.minimum(np.maximum(y_hat, 1e-12), 1 - 1e-12)
    losses = np.where(np.asarray(y) == 1, -np.log(p), -np.log(1 - p))
    return float(losses.sum() / losses.size)


def dloss_dz(y_hat, y):
    return (np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)) / np.size(y)


def logistic_grads(X, y, W, b):
    X = np.asarray(X, dtype=float)
    dz = dloss_dz(sigmoid(np.dot(X, W) + b), y)
    return np.dot(dz, X), float(dz.sum())
