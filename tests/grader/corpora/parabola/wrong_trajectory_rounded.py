"""wrong: trajectory rounds every w to 4 decimals for tidy output"""

import numpy as np


def parabola_loss(w):
    return (w - 2) ** 2


def parabola_grad(w):
    return 2 * (w - 2)


def gd_step(w, grad, lr):
    return w - lr * grad


def trajectory(w0, lr, steps):
    ws, losses = [], []
    w = w0
    for _ in range(steps):
        w = gd_step(w, parabola_grad(w), lr)
        ws.append(round(w, 4))
        losses.append(parabola_loss(w))
    return ws, losses


def error_ratio(lr):
    return 1 - 2 * lr
