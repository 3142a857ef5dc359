"""wrong: worst_component takes the last index of a stable argsort, i.e. the last of tied components"""

import numpy as np


def logistic_loss(theta, X, y):
    theta = np.asarray(theta, dtype=float)
    z = np.asarray(X, dtype=float) @ theta[:-1] + theta[-1]
    y = np.asarray(y, dtype=float)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def numerical_gradient(f, w, eps=1e-6):
    w = np.array(w, dtype=float)
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        saved = w[i]
        w[i] = saved + eps
        up = f(w)
        w[i] = saved - eps
        down = f(w)
        w[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def _errors(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def relative_error(a, b):
    return float(np.max(_errors(a, b)))


def worst_component(a, b):
    err = _errors(a, b)
    flat = np.argsort(err.reshape(-1), kind='stable')[-1]
    return tuple(int(i) for i in np.unravel_index(flat, err.shape))


def check_logistic_gradient(X, y, theta, analytic, eps=1e-6):
    numeric = numerical_gradient(lambda t: logistic_loss(t, X, y), theta, eps)
    return relative_error(analytic, numeric), worst_component(analytic, numeric)
