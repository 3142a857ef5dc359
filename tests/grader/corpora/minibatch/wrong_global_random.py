"""wrong: batch_schedule seeds NumPy's global generator (np.random.seed) and uses np.random.permutation"""

import numpy as np


def num_batches(m, batch_size):
    return -(-m // batch_size)


def split_batches(order, batch_size):
    order = np.asarray(order)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def batch_schedule(m, batch_size, epochs, seed):
    np.random.seed(seed)
    out = []
    for _ in range(epochs):
        out.extend(split_batches(np.random.permutation(m), batch_size))
    return out


def minibatch_descent(X, y, W0, b0, lr, batch_size, epochs, seed):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    W, b = np.array(W0, dtype=float), float(b0)
    losses = []
    for idx in batch_schedule(len(y), batch_size, epochs, seed):
        r = X[idx] @ W + b - y[idx]
        losses.append(float(np.mean(r**2) / 2))
        W = W - lr * X[idx].T @ r / len(idx)
        b = b - lr * float(np.mean(r))
    return W, b, np.array(losses)
