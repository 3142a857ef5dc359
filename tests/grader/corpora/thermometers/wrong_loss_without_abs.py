"""wrong: loss is the mean of w − tᵢ without the absolute value"""

import numpy as np


def loss(w, readings):
    return float(np.mean(w - np.asarray(readings, dtype=float)))


def subgradient(w, readings):
    return float(np.mean(np.sign(w - np.asarray(readings, dtype=float))))


def descend(w0, readings, lr, steps):
    ws = [float(w0)]
    w = float(w0)
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array(ws)
