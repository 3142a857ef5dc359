"""wrong: train adds the gradients (gradient ascent); loss_and_gradients itself is right"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def standardize(X_train, X_test):
    mu = X_train.mean(axis=0)
    s = X_train.std(axis=0)
    s = np.where(s == 0, 1.0, s)
    return (X_train - mu) / s, (X_test - mu) / s


def loss_and_gradients(X, y, W, b):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    z = X @ W + b
    J = float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))
    dz = (sigmoid(z) - y) / len(y)
    return J, X.T @ dz, float(np.sum(dz))


def train(X, y, lr, max_steps, tol):
    W, b = np.zeros(np.shape(X)[1]), 0.0
    losses = []
    for k in range(max_steps + 1):
        J, dW, db = loss_and_gradients(X, y, W, b)
        losses.append(J)
        if k >= 1 and abs(J - losses[-2]) <= tol * abs(losses[-2]):
            return W, b, np.array(losses), "converged"
        if k == max_steps:
            losses.pop()
            break
        W, b = W + lr * dW, b + lr * db
    return W, b, np.array(losses), "max_steps"


def predict(X, W, b):
    return (sigmoid(np.asarray(X, dtype=float) @ W + b) >= 0.5).astype(int)


def accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
