"""wrong: subgradient uses np.clip(w − t, −1, 1), a soft sign that is not ±1 within 1 degree of a reading"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / t.size)


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.clip(w - t, -1.0, 1.0).sum() / t.size)


def descend(w0, readings, lr, steps):
    ws = [w0]
    w = w0
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array(ws, dtype=float)
