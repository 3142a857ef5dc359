"""correct: nudges in place on a float copy, restoring from a saved copy of the whole array"""

from collections.abc import Callable

import numpy as np


def logistic_loss(theta, X, y):
    theta = np.asarray(theta, dtype=float)
    z = np.asarray(X, dtype=float) @ theta[:-1] + theta[-1]
    y = np.asarray(y, dtype=float)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def numerical_gradient(f, w, eps=1e-6):
    work = np.array(w, dtype=float, copy=True)
    saved = work.copy()
    grad = np.zeros(work.shape)
    for index in np.ndindex(work.shape):
        work[index] += eps
        fp = f(work)
        work[index] -= 2 * eps
        fm = f(work)
        work[...] = saved
        grad[index] = (fp - fm) / (2 * eps)
    return grad


def relative_error(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    denom = np.abs(a) + np.abs(b)
    denom[denom < 1e-8] = 1e-8
    return float(np.amax(np.abs(a - b) / denom))


def worst_component(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-8)
    flat = int(np.argmax(np.abs(a - b) / denom))
    return tuple(int(i) for i in np.unravel_index(flat, a.shape))


def check_logistic_gradient(X, y, theta, analytic, eps=1e-6):
    def f(t):
        return logistic_loss(t, X, y)

    numeric = numerical_gradient(f, theta, eps)
    return relative_error(analytic, numeric), worst_component(analytic, numeric)
