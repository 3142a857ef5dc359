"""wrong: predict rounds z and clips it to [−1, 1] (0 for |z| < ½)"""

import numpy as np


def predict(X, W, b):
    z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + b
    return np.clip(np.round(z), -1.0, 1.0)


def sign_derivative(z):
    return np.zeros_like(np.asarray(z, dtype=float))


def loss(X, y, W, b):
    r = predict(X, W, b) - np.asarray(y, dtype=float)
    return float(np.sum(r**2) / (2 * len(r)))


def gradients(X, y, W, b):
    X = np.asarray(X, dtype=float)
    z = X @ np.asarray(W, dtype=float) + b
    dz = (np.sign(z) - np.asarray(y, dtype=float)) / len(z) * sign_derivative(z)
    return X.T @ dz, float(np.sum(dz))


def train(X, y, W0, b0, lr, steps):
    W, b = np.array(W0, dtype=float), float(b0)
    losses = []
    for _ in range(steps):
        losses.append(loss(X, y, W, b))
        dW, db = gradients(X, y, W, b)
        W, b = W - lr * dW, b - lr * db
    return W, b, np.array(losses)
