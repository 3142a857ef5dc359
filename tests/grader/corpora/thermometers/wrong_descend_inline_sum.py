"""wrong: descend writes its own step with the sum of the signs instead of calling subgradient (m times too far)"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / t.size)


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.sign(w - t).sum() / t.size)


def descend(w0, readings, lr, steps):
    ws = [w0]
    w = w0
    for _ in range(steps):
        w = w - lr * float(np.sum(np.sign(w - np.asarray(readings, dtype=float))))
        ws.append(w)
    return np.array(ws, dtype=float)
