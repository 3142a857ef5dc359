"""correct: a flat index loop over w.size with unit vectors"""

from collections.abc import Callable

import numpy as np


def logistic_loss(theta, X, y):
    theta = np.asarray(theta, dtype=float)
    z = np.asarray(X, dtype=float) @ theta[:-1] + theta[-1]
    y = np.asarray(y, dtype=float)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def numerical_gradient(f, w, eps=1e-6):
    w = np.asarray(w, dtype=float)
    flat = np.zeros(w.size)
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = eps
        e = e.reshape(w.shape)
        flat[i] = (f(w + e) - f(w - e)) / (2 * eps)
    return flat.reshape(w.shape)


def relative_error(a, b):
    worst = 0.0
    for x, y in zip(np.ravel(a), np.ravel(b)):
        worst = max(worst, abs(x - y) / max(1e-8, abs(x) + abs(y)))
    return worst


def worst_component(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    best, where = -1.0, None
    for index in np.ndindex(a.shape):
        e = abs(a[index] - b[index]) / max(1e-8, abs(a[index]) + abs(b[index]))
        if e > best:
            best, where = e, index
    return tuple(int(i) for i in where)


def check_logistic_gradient(X, y, theta, analytic, eps=1e-6):
    n = numerical_gradient(lambda t: logistic_loss(t, X, y), theta, eps)
    return relative_error(analytic, n), worst_component(analytic, n)
