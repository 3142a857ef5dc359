"""wrong: descend divides the learning rate by k + 1 (a schedule the instructions do not ask for)"""

import numpy as np


def loss(w, readings):
    return float(np.mean(np.abs(w - np.asarray(readings, dtype=float))))


def subgradient(w, readings):
    return float(np.mean(np.sign(w - np.asarray(readings, dtype=float))))


def descend(w0, readings, lr, steps):
    ws = [float(w0)]
    w = float(w0)
    for k in range(steps):
        w = w - lr / (k + 1) * subgradient(w, readings)
        ws.append(w)
    return np.array(ws)
