"""correct: np.full for the derivative, a list for the returned triple"""

import numpy as np


def predict(X, W, b):
    return np.sign(np.asarray(X, float) @ np.asarray(W, float) + b).astype(float)


def sign_derivative(z):
    return np.full(np.shape(z), 0.0)


def loss(X, y, W, b):
    diff = predict(X, W, b) - y
    return float(diff @ diff) / (2 * len(y))


def gradients(X, y, W, b):
    X = np.asarray(X, float)
    z = X @ W + b
    g = (predict(X, W, b) - y) / len(y) * sign_derivative(z)
    return X.T.dot(g), float(g.sum())


def train(X, y, W0, b0, lr, steps):
    W, b, losses = np.array(W0, float), float(b0), []
    for _ in range(steps):
        losses.append(loss(X, y, W, b))
        dW, db = gradients(X, y, W, b)
        W, b = W - lr * dW, b - lr * db
    return [W, b, np.array(losses)]
