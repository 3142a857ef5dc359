"""wrong: seeds NumPy's legacy global generator (np.random.seed) and calls np.random.permutation"""

import math

import numpy as np


def num_batches(m, batch_size):
    return math.ceil(m / batch_size)


def split_batches(order, batch_size):
    order = np.asarray(order)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def batch_schedule(m, batch_size, epochs, seed):
    np.random.seed(seed)
    batches = []
    for _ in range(epochs):
        batches += split_batches(np.random.permutation(m), batch_size)
    return batches


def minibatch_descent(X, y, W0, b0, lr, batch_size, epochs, seed):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    W = np.array(W0, dtype=float)
    b = float(b0)
    losses = []
    for rows in batch_schedule(len(y), batch_size, epochs, seed):
        r = X[rows] @ W + b - y[rows]
        losses.append(float(np.mean(r**2) / 2))
        W = W - lr * X[rows].T @ r / len(rows)
        b = b - lr * float(np.mean(r))
    return W, b, np.array(losses)
