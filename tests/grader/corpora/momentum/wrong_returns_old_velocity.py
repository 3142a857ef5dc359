"""wrong: momentum_step moves w with the new velocity but returns the old one"""

import numpy as np


def quadratic_grad(A, w):
    return np.asarray(A, dtype=float) @ np.asarray(w, dtype=float)


def momentum_step(w, grad, v, lr, beta):
    w = np.asarray(w, dtype=float)
    v = np.asarray(v, dtype=float)
    v_new = beta * v + np.asarray(grad, dtype=float)
    return w - lr * v_new, v


def steps_to_tolerance(A, w0, lr, beta, tol, max_steps):
    w = np.asarray(w0, dtype=float)
    v = np.zeros_like(w)
    for k in range(max_steps):
        if np.linalg.norm(w) <= tol:
            return k
        w, v = momentum_step(w, quadratic_grad(A, w), v, lr, beta)
    return max_steps
