"""wrong: descend fills np.full(steps + 1, w0): an int w0 gives an int array and every iterate is truncated"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / t.size)


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.sign(w - t).sum() / t.size)


def descend(w0, readings, lr, steps):
    ws = np.full(steps + 1, w0)
    for k in range(steps):
        ws[k + 1] = ws[k] - lr * subgradient(ws[k], readings)
    return ws
