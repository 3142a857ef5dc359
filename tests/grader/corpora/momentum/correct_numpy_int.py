"""correct: np.add/np.multiply, returns a NumPy integer from steps_to_tolerance"""

import numpy as np


def quadratic_grad(A, w):
    return np.asarray(A, dtype=float) @ np.asarray(w, dtype=float)


def momentum_step(w, grad, v, lr, beta):
    v_new = np.add(np.multiply(beta, v), grad)
    return np.subtract(w, np.multiply(lr, v_new)), v_new


def steps_to_tolerance(A, w0, lr, beta, tol, max_steps):
    w = np.array(w0, dtype=float)
    v = np.zeros_like(w)
    steps = np.int64(0)
    while steps < max_steps and np.linalg.norm(w) > tol:
        w, v = momentum_step(w, quadratic_grad(A, w), v, lr, beta)
        steps += 1
    return steps
