"""correct: per-example loops for the loss and gradients, a list for the returned tuple"""

import math

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for i in np.ndindex(z.shape):
        v = z[i]
        out[i] = 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
    return out


def standardize(X_train, X_test):
    n = X_train.shape[1]
    A, B = np.empty(X_train.shape), np.empty(X_test.shape)
    for j in range(n):
        col = X_train[:, j]
        mu = col.sum() / len(col)
        s = math.sqrt(((col - mu) ** 2).sum() / len(col))
        if s == 0:
            s = 1.0
        A[:, j] = (col - mu) / s
        B[:, j] = (X_test[:, j] - mu) / s
    return [A, B]


def loss_and_gradients(X, y, W, b):
    m, n = X.shape
    J, dW, db = 0.0, np.zeros(n), 0.0
    z = X @ W + b
    p = sigmoid(z)
    for i in range(m):
        J += y[i] * np.logaddexp(0, -z[i]) + (1 - y[i]) * np.logaddexp(0, z[i])
        dW += (p[i] - y[i]) * X[i]
        db += p[i] - y[i]
    return [J / m, dW / m, db / m]


def train(X, y, lr, max_steps, tol):
    W, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for k in range(max_steps):
        J, dW, db = loss_and_gradients(X, y, W, b)
        if losses and abs(J - losses[-1]) <= tol * abs(losses[-1]):
            losses.append(J)
            return [W, b, np.array(losses), "converged"]
        losses.append(J)
        W, b = W - lr * dW, b - lr * db
    return [W, b, np.array(losses), "max_steps"]


def predict(X, W, b):
    return np.array([1 if p >= 0.5 else 0 for p in sigmoid(X @ W + b)])


def accuracy(y_true, y_pred):
    return sum(1 for a, c in zip(y_true, y_pred) if a == c) / len(y_true)
