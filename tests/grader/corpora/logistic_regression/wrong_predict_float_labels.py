"""wrong: predict returns 1.0/0.0 floats from np.where"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    mu = X_train.mean(axis=0)
    s = X_train.std(axis=0)
    s[s == 0] = 1.0
    return (X_train - mu) / s, (X_test - mu) / s


def loss_and_gradients(X, y, W, b):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    z = X @ W + b
    m = len(y)
    J = np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
    dz = (sigmoid(z) - y) / m
    return float(J), X.T @ dz, float(dz.sum())


def train(X, y, lr, max_steps, tol):
    W = np.zeros(np.shape(X)[1])
    b = 0.0
    losses = []
    for k in range(max_steps):
        J, dW, db = loss_and_gradients(X, y, W, b)
        losses.append(J)
        if k >= 1 and abs(J - losses[-2]) <= tol * abs(losses[-2]):
            return W, b, np.array(losses), "converged"
        W = W - lr * dW
        b = b - lr * db
    return W, b, np.array(losses), "max_steps"


def predict(X, W, b):
    return np.where(sigmoid(np.asarray(X, dtype=float) @ W + b) >= 0.5, 1.0, 0.0)


def accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
