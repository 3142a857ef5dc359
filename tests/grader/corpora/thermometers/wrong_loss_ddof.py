"""wrong: loss divides by m − 1 (an unbiased-looking mean), which fails with one reading"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / (t.size - 1))


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.sign(w - t).sum() / t.size)


def descend(w0, readings, lr, steps):
    ws = [w0]
    w = w0
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array(ws, dtype=float)
