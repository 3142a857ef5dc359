"""wrong: numerical_gradient always nudges by 1e-4, ignoring eps"""

from collections.abc import Callable

import numpy as np


def logistic_loss(theta, X, y):
    theta = np.asarray(theta, dtype=float)
    z = np.asarray(X, dtype=float) @ theta[:-1] + theta[-1]
    y = np.asarray(y, dtype=float)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def numerical_gradient(f, w, eps=1e-6):
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    h = 1e-4
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + h
        up = f(w)
        w[i] = old - h
        down = f(w)
        w[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def worst_component(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    e = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return tuple(int(i) for i in np.unravel_index(np.argmax(e), e.shape))


def check_logistic_gradient(X, y, theta, analytic, eps=1e-6):
    numeric = numerical_gradient(lambda t: logistic_loss(t, X, y), theta, eps)
    return relative_error(analytic, numeric), worst_component(analytic, numeric)
