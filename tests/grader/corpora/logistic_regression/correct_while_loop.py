"""correct: a while loop with the budget test first; the stable sigmoid from exp(min(z,0))"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    ez = np.exp(np.minimum(z, 0.0))
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.maximum(z, 0.0))), ez / (1.0 + ez))


def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    mu = np.mean(X_train, axis=0)
    s = np.std(X_train, axis=0)
    s[s == 0] = 1.0
    return (X_train - mu) / s, (X_test - mu) / s


def loss_and_gradients(X, y, W, b):
    z = np.dot(X, W) + b
    m = len(y)
    J = np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)) / m
    g = (sigmoid(z) - y) / m
    return float(J), np.dot(np.transpose(X), g), float(g.sum())


def train(X, y, lr, max_steps, tol):
    W = np.zeros(X.shape[1])
    b = 0.0
    J, dW, db = loss_and_gradients(X, y, W, b)
    losses = [J]
    updates = 0
    while True:
        if updates == max_steps:
            return W, b, np.array(losses[:-1]), "max_steps"
        W = W - lr * dW
        b = b - lr * db
        updates += 1
        J, dW, db = loss_and_gradients(X, y, W, b)
        losses.append(J)
        if abs(J - losses[-2]) <= tol * abs(losses[-2]):
            return W, b, np.array(losses), "converged"


def predict(X, W, b):
    return np.where(sigmoid(X @ W + b) >= 0.5, 1, 0)


def accuracy(y_true, y_pred):
    return np.count_nonzero(np.equal(y_true, y_pred)) / len(y_true)
