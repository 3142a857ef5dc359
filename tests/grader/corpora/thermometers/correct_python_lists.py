"""correct: plain Python: sum over a list of readings, math.copysign-free sign by comparisons, a float() start"""

import numpy as np


def loss(w, readings):
    t = np.asarray(readings, dtype=float)
    return float(np.abs(w - t).sum() / t.size)


def subgradient(w, readings):
    total = 0
    count = 0
    for t in readings:
        d = float(w) - float(t)
        total += (d > 0) - (d < 0)
        count += 1
    return total / count


def descend(w0, readings, lr, steps):
    w = float(w0)
    ws = [w]
    for _ in range(steps):
        w = w - lr * subgradient(w, readings)
        ws.append(w)
    return np.array(ws, dtype=float)
