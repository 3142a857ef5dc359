"""wrong: moves w with the old velocity, then updates v"""

import numpy as np


def quadratic_grad(A, w):
    return np.asarray(A, dtype=float) @ np.asarray(w, dtype=float)


def momentum_step(w, grad, v, lr, beta):
    w = np.asarray(w, dtype=float)
    v = np.asarray(v, dtype=float)
    w_new = w - lr * v
    return w_new, beta * v + np.asarray(grad, dtype=float)


def steps_to_tolerance(A, w0, lr, beta, tol, max_steps):
    w = np.asarray(w0, dtype=float)
    v = np.zeros_like(w)
    for k in range(max_steps):
        if np.linalg.norm(w) <= tol:
            return k
        w, v = momentum_step(w, quadratic_grad(A, w), v, lr, beta)
    return max_steps
