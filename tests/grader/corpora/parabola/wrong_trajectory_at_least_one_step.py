"""wrong: trajectory's loop tests the count after the update, so steps = 0 still makes one update"""

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
    while True:
        w = gd_step(w, parabola_grad(w), lr)
        ws.append(w)
        losses.append(parabola_loss(w))
        if len(ws) >= steps:
            break
    return ws, losses


def error_ratio(lr):
    return 1 - 2 * lr
