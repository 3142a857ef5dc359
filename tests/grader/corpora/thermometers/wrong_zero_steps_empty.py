"""wrong: descend builds the path from the updates, prepending w0 only when there was one"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / t.size)


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.sign(w - t).sum() / t.size)


def descend(w0, readings, lr, steps):
    ws = []
    w = w0
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array([w0] + ws if ws else ws, dtype=float)
