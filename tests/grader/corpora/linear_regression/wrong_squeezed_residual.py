"""wrong: the residual is squeezed, so with one example (m = 1) Xᵀ r has the wrong shape"""

import numpy as np


def predict(X, W, b):
    return np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + b


def mse_loss(X, y, W, b):
    r = predict(X, W, b) - np.asarray(y, dtype=float)
    return float(np.mean(r**2) / 2)


def gradients(X, y, W, b):
    X = np.asarray(X, dtype=float)
    r = np.squeeze(predict(X, W, b) - np.asarray(y, dtype=float))
    m = X.shape[0]
    return X.T @ r / m, float(r.sum() / m)


def fit(X, y, W0, b0, lr, steps):
    W = np.array(W0, dtype=float)
    b = float(b0)
    losses = np.zeros(steps)
    for k in range(steps):
        losses[k] = mse_loss(X, y, W, b)
        dW, db = gradients(X, y, W, b)
        W, b = W - lr * dW, b - lr * db
    return W, b, losses
