"""wrong: a reading equal to w counts −1 (the other tie convention)"""

import numpy as np


def loss(w, readings):
    return float(np.mean(np.abs(w - np.asarray(readings, dtype=float))))


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.mean(np.where(w - t > 0, 1.0, -1.0)))


def descend(w0, readings, lr, steps):
    ws = [float(w0)]
    w = float(w0)
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array(ws)
