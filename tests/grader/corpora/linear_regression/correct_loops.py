"""correct: explicit loops over examples and features"""

import numpy as np


def predict(X, W, b):
    m, n = len(X), len(W)
    out = np.zeros(m)
    for i in range(m):
        s = b
        for j in range(n):
            s += X[i][j] * W[j]
        out[i] = s
    return out


def mse_loss(X, y, W, b):
    p = predict(X, W, b)
    return sum((p[i] - y[i]) ** 2 for i in range(len(y))) / (2 * len(y))


def gradients(X, y, W, b):
    m, n = len(X), len(W)
    p = predict(X, W, b)
    dW = np.zeros(n)
    db = 0.0
    for i in range(m):
        e = p[i] - y[i]
        for j in range(n):
            dW[j] += e * X[i][j] / m
        db += e / m
    return dW, db


def fit(X, y, W0, b0, lr, steps):
    W = [float(v) for v in W0]
    b = b0
    losses = np.zeros(steps)
    for k in range(steps):
        losses[k] = mse_loss(X, y, W, b)
        dW, db = gradients(X, y, W, b)
        W = [W[j] - lr * dW[j] for j in range(len(W))]
        b = b - lr * db
    return np.array(W), b, losses
