"""correct: returns NumPy float64 scalars from loss and subgradient"""

import numpy as np


def loss(w, readings):
    return np.mean(np.abs(np.subtract(w, readings)))


def subgradient(w, readings):
    return np.sign(np.subtract(w, readings)).mean()


def descend(w0, readings, lr, steps):
    w = np.float64(w0)
    ws = np.zeros(steps + 1)
    ws[0] = w
    for k in range(1, steps + 1):
        w = w - lr * subgradient(w, readings)
        ws[k] = w
    return ws
