"""correct: np.split at multiples of B, an int from float ceil"""

import numpy as np


def num_batches(m, batch_size):
    return int(np.ceil(m / batch_size))


def split_batches(order, batch_size):
    order = np.asarray(order)
    return np.split(order, np.arange(batch_size, len(order), batch_size))


def batch_schedule(m, batch_size, epochs, seed):
    rng = np.random.default_rng(seed)
    perms = [rng.permutation(m) for _ in range(epochs)]
    return [b for p in perms for b in split_batches(p, batch_size)]


def minibatch_descent(X, y, W0, b0, lr, batch_size, epochs, seed):
    W, b = np.asarray(W0, dtype=float).copy(), float(b0)
    losses = []
    for idx in batch_schedule(X.shape[0], batch_size, epochs, seed):
        Xb, yb = X[idx], y[idx]
        r = np.dot(Xb, W) + b - yb
        losses.append(0.5 * np.mean(np.square(r)))
        gW, gb = np.dot(r, Xb) / r.size, r.mean()
        W -= lr * gW
        b -= lr * gb
    return W, b, np.asarray(losses)
