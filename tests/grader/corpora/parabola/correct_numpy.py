"""correct: NumPy functions and NumPy scalars, expanded square, list comprehensions"""

import numpy as np


def parabola_loss(w):
    return np.square(np.subtract(w, 2.0))


def parabola_grad(w):
    return np.multiply(2.0, np.subtract(w, 2.0))


def gd_step(w, grad, lr):
    return np.subtract(w, np.multiply(lr, grad))


def trajectory(w0, lr, steps):
    ws = [float(w0)]
    for _ in range(steps):
        ws.append(float(gd_step(ws[-1], parabola_grad(ws[-1]), lr)))
    ws = ws[1:]
    return ws, [float(parabola_loss(w)) for w in ws]


def error_ratio(lr):
    return float(np.float64(1) - 2 * np.float64(lr))
