"""wrong: fit adds the gradients (W + α·dW); gradients itself is right"""

import numpy as np


def predict(X, W, b):
    return np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + b


def mse_loss(X, y, W, b):
    r = predict(X, W, b) - np.asarray(y, dtype=float)
    return float(np.mean(r**2) / 2)


def gradients(X, y, W, b):
    X = np.asarray(X, dtype=float)
    r = predict(X, W, b) - np.asarray(y, dtype=float)
    return X.T @ r / len(r), float(np.mean(r))


def fit(X, y, W0, b0, lr, steps):
    W, b = np.array(W0, dtype=float), float(b0)
    losses = []
    for _ in range(steps):
        losses.append(mse_loss(X, y, W, b))
        dW, db = gradients(X, y, W, b)
        W, b = W + lr * dW, b + lr * db
    return W, b, np.array(losses)
