"""correct: divmod for the count, batches as Python lists of ints, a list for the triple"""

import numpy as np


def num_batches(m, batch_size):
    q, r = divmod(m, batch_size)
    return q + (1 if r else 0)


def split_batches(order, batch_size):
    order = list(np.asarray(order).tolist())
    return [np.array(order[k * batch_size : (k + 1) * batch_size]) for k in range(num_batches(len(order), batch_size))]


def batch_schedule(m, batch_size, epochs, seed):
    rng = np.random.default_rng(seed)
    schedule = []
    for epoch in range(epochs):
        perm = rng.permutation(m)
        for batch in split_batches(perm, batch_size):
            schedule.append(batch)
    return schedule


def minibatch_descent(X, y, W0, b0, lr, batch_size, epochs, seed):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    theta = np.append(np.asarray(W0, dtype=float), b0)
    A = np.hstack([X, np.ones((len(X), 1))])
    losses = np.zeros(epochs * num_batches(len(y), batch_size))
    for k, idx in enumerate(batch_schedule(len(y), batch_size, epochs, seed)):
        r = A[idx] @ theta - y[idx]
        losses[k] = r @ r / (2 * len(idx))
        theta = theta - lr * A[idx].T @ r / len(idx)
    return [theta[:-1], float(theta[-1]), losses]
