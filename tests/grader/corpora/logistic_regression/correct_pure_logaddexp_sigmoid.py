"""correct: sigmoid as exp(−logaddexp(0, −z)), predict via z ≥ 0"""

import numpy as np


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def standardize(X_train, X_test):
    mu, s = X_train.mean(0), X_train.std(0, ddof=0)
    s = s + (s == 0)
    return (X_train - mu) / s, (X_test - mu) / s


def loss_and_gradients(X, y, W, b):
    z = X @ W + b
    J = np.mean(np.where(y == 1, np.logaddexp(0.0, -z), np.logaddexp(0.0, z)))
    r = (sigmoid(z) - y) / y.size
    return float(J), r @ X, float(np.sum(r))


def train(X, y, lr, max_steps, tol):
    W, b, losses = np.zeros(X.shape[1]), 0.0, []
    for k in range(max_steps + 1):
        J, dW, db = loss_and_gradients(X, y, W, b)
        if k > 0 and abs(J - losses[-1]) <= tol * abs(losses[-1]):
            return W, b, np.array(losses + [J]), "converged"
        if k == max_steps:
            break
        losses.append(J)
        W, b = W - lr * dW, b - lr * db
    return W, b, np.array(losses), "max_steps"


def predict(X, W, b):
    return (X @ W + b >= 0).astype(int)


def accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
