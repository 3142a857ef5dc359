"""wrong: counts the updates from 1 and tests after each update, so a w0 already within tol gives 1"""

import numpy as np


def quadratic_grad(A, w):
    return np.asarray(A, dtype=float) @ np.asarray(w, dtype=float)


def momentum_step(w, grad, v, lr, beta):
    v_new = beta * np.asarray(v, dtype=float) + np.asarray(grad, dtype=float)
    w_new = np.asarray(w, dtype=float) - lr * v_new
    return w_new, v_new


def steps_to_tolerance(A, w0, lr, beta, tol, max_steps):
    w = np.asarray(w0, dtype=float)
    v = np.zeros_like(w)
    count = 0
    while count < max_steps:
        w, v = momentum_step(w, quadratic_grad(A, w), v, lr, beta)
        count += 1
        if np.linalg.norm(w) <= tol:
            return count
    return max_steps
