"""correct: math.ceil, np.array_split-free slicing by counts, loops over rows"""

import math

import numpy as np


def num_batches(m, batch_size):
    return math.ceil(m / batch_size)


def split_batches(order, batch_size):
    order = np.asarray(order)
    batches = []
    start = 0
    while start < len(order):
        batches.append(order[start : start + batch_size])
        start += batch_size
    return batches


def batch_schedule(m, batch_size, epochs, seed):
    rng = np.random.default_rng(seed)
    return [b for _ in range(epochs) for b in split_batches(rng.permutation(m), batch_size)]


def minibatch_descent(X, y, W0, b0, lr, batch_size, epochs, seed):
    W = [float(v) for v in W0]
    b = float(b0)
    losses = []
    for batch in batch_schedule(len(y), batch_size, epochs, seed):
        B = len(batch)
        errors = [sum(X[i][j] * W[j] for j in range(len(W))) + b - y[i] for i in batch]
        losses.append(sum(e * e for e in errors) / (2 * B))
        dW = [sum(e * X[i][j] for e, i in zip(errors, batch)) / B for j in range(len(W))]
        db = sum(errors) / B
        W = [W[j] - lr * dW[j] for j in range(len(W))]
        b = b - lr * db
    return np.array(W), b, np.array(losses)
