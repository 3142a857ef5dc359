"""wrong: trajectory preallocates np.full(steps, w0): an int w0 makes an int buffer and truncates every iterate"""

import numpy as np


def parabola_loss(w):
    return (w - 2) ** 2


def parabola_grad(w):
    return 2 * (w - 2)


def gd_step(w, grad, lr):
    return w - lr * grad


def trajectory(w0, lr, steps):
    ws = np.full(steps, w0)
    losses = np.full(steps, parabola_loss(w0))
    w = w0
    for k in range(steps):
        w = gd_step(w, parabola_grad(w), lr)
        ws[k] = w
        losses[k] = parabola_loss(w)
    return ws.tolist(), losses.tolist()


def error_ratio(lr):
    return 1 - 2 * lr
