"""wrong: subgradient keeps the readings' dtype and floors w to it (np.asarray(w, dtype=t.dtype))"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / t.size)


def subgradient(w, readings):
    t = np.asarray(readings)
    w = np.asarray(w, dtype=t.dtype)
    return float(np.sign(w - t).sum() / t.size)


def descend(w0, readings, lr, steps):
    ws = [w0]
    w = w0
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array(ws, dtype=float)
