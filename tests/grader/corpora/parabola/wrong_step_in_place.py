"""wrong: gd_step updates w in place with -= (changes the caller's array)"""

import numpy as np


def parabola_loss(w):
    return (w - 2) ** 2


def parabola_grad(w):
    return 2 * (w - 2)


def gd_step(w, grad, lr):
    if isinstance(w, np.ndarray):
        w -= lr * grad
        return w
    return w - lr * grad


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
