"""correct: fresh copies for each nudge, np.fmax for the floor, a list for the pair"""

from collections.abc import Callable

import numpy as np


def logistic_loss(theta, X, y):
    theta = np.asarray(theta, dtype=float)
    z = np.asarray(X, dtype=float) @ theta[:-1] + theta[-1]
    y = np.asarray(y, dtype=float)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def numerical_gradient(f, w, eps=1e-6):
    w = np.asarray(w, dtype=float)
    out = np.empty(w.shape)
    it = np.nditer(w, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        plus, minus = w.copy(), w.copy()
        plus[i] += eps
        minus[i] -= eps
        out[i] = (f(plus) - f(minus)) / (2.0 * eps)
    return out


def _elementwise(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) / np.fmax(np.abs(a) + np.abs(b), 1e-8)


def relative_error(a, b):
    return float(_elementwise(a, b).max())


def worst_component(a, b):
    e = _elementwise(a, b)
    return tuple(map(int, np.argwhere(e == e.max())[0]))


def check_logistic_gradient(X, y, theta, analytic, eps=1e-6):
    numeric = numerical_gradient(lambda t: logistic_loss(t, X, y), theta, eps)
    return [relative_error(analytic, numeric), worst_component(analytic, numeric)]
