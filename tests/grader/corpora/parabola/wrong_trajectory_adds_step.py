"""wrong: trajectory adds the step itself (w + α·g) instead of calling gd_step"""

import numpy as np


def parabola_loss(w):
    return (w - 2.0) ** 2


def parabola_grad(w):
    return 2.0 * (w - 2.0)


def gd_step(w, grad, lr):
    return w - lr * grad


def trajectory(w0, lr, steps):
    ws, losses = [], []
    w = w0
    for _ in range(steps):
        w = w + lr * parabola_grad(w)
        ws.append(w)
        losses.append(parabola_loss(w))
    return ws, losses


def error_ratio(lr):
    return 1.0 - 2.0 * lr
