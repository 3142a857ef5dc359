"""correct: counts readings below and above w; a list of iterates"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(t - w).sum() / t.size)


def subgradient(w, readings):
    t = np.asarray(readings, dtype=float)
    below = np.count_nonzero(t < w)
    above = np.count_nonzero(t > w)
    return (below - above) / t.size


def descend(w0, readings, lr, steps):
    ws = [w0]
    for _ in range(steps):
        ws.append(ws[-1] - lr * subgradient(ws[-1], readings))
    return ws
