"""wrong: a reading exactly at w contributes ½ (the midpoint of the jump) instead of 0"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / t.size)


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    s = np.sign(w - t)
    s[s == 0] = 0.5
    return float(s.sum() / t.size)


def descend(w0, readings, lr, steps):
    ws = [w0]
    w = w0
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array(ws, dtype=float)
