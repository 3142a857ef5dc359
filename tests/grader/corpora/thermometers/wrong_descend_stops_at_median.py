"""wrong: descend stops early when the subgradient is 0 (fewer iterates)"""

import numpy as np


def loss(w, readings):
    return float(np.mean(np.abs(w - np.asarray(readings, dtype=float))))


def subgradient(w, readings):
    return float(np.mean(np.sign(w - np.asarray(readings, dtype=float))))


def descend(w0, readings, lr, steps):
    ws = [float(w0)]
    w = float(w0)
    for _ in range(steps):
        g = subgradient(w, readings)
        if g == 0:
            break
        w = w - lr * g
        ws.append(w)
    return np.array(ws)
