"""correct: np.square and np.subtract (work on numbers and arrays alike), trajectory built from np.asarray"""

import numpy as np


def parabola_loss(w):
    return np.square(np.subtract(w, 2.0))


def parabola_grad(w):
    return 2 * (w - 2)


def gd_step(w, grad, lr):
    return np.subtract(w, np.multiply(lr, grad))


def trajectory(w0, lr, steps):
    ws, losses = [], []
    w = w0
    for _ in range(steps):
        w = gd_step(w, parabola_grad(w), lr)
        ws.append(w)
        losses.append(parabola_loss(w))
    return ws, losses


def error_ratio(lr):
    return 1 - 2 * lr
