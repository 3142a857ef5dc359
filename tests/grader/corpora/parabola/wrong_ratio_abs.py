"""wrong: error_ratio returns |1 − 2α| (the size of the ratio, not the ratio)"""

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
        ws.append(w)
        losses.append(parabola_loss(w))
    return ws, losses


def error_ratio(lr):
    return abs(1 - 2 * lr)
