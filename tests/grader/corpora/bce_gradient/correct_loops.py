"""correct: loops over examples, math.exp on each entry with the two stable branches"""

import math

import numpy as np


def _sig(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index in np.ndindex(z.shape):
        out[index] = _sig(float(z[index]))
    return out


def bce(y_hat, y):
    total = 0.0
    for p, t in zip(np.ravel(y_hat), np.ravel(y)):
        p = min(max(float(p), 1e-12), 1.0 - 1e-12)
        total += t * math.log(p) + (1 - t) * math.log(1 - p)
    return -total / len(y)


def dloss_dz(y_hat, y):
    m = len(y)
    return np.array([(p - t) / m for p, t in zip(y_hat, y)])


def logistic_grads(X, y, W, b):
    X = np.asarray(X, dtype=float)
    m, n = X.shape
    z = [sum(X[i, j] * W[j] for j in range(n)) + b for i in range(m)]
    dz = dloss_dz(sigmoid(np.array(z)), y)
    dW = np.zeros(n)
    for i in range(m):
        for j in range(n):
            dW[j] += X[i, j] * dz[i]
    return dW, float(sum(dz))
