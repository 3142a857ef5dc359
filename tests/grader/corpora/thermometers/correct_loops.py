"""correct: loops with explicit if/elif signs, a preallocated array"""

import numpy as np


def loss(w, readings):
    total = 0.0
    for t in readings:
        total += abs(w - t)
    return total / len(readings)


def subgradient(w, readings):
    total = 0
    for t in readings:
        if w > t:
            total += 1
        elif w < t:
            total -= 1
    return total / len(readings)


def descend(w0, readings, lr, steps):
    out = np.empty(steps + 1)
    out[0] = w0
    for k in range(steps):
        out[k + 1] = out[k] - lr * subgradient(out[k], readings)
    return out
