"""correct: keeps Keras' u = −ηv internally and converts back; returns a list"""

import numpy as np


def quadratic_grad(A, w):
    return np.asarray(A, dtype=float) @ np.asarray(w, dtype=float)


def momentum_step(w, grad, v, lr, beta):
    u = -lr * np.asarray(v, dtype=float)
    u = beta * u - lr * np.asarray(grad, dtype=float)
    return [np.asarray(w, dtype=float) + u, -u / lr]


def steps_to_tolerance(A, w0, lr, beta, tol, max_steps):
    w, v = np.asarray(w0, dtype=float), np.zeros(np.shape(w0))
    done = 0
    for _ in range(max_steps):
        if np.sqrt(w @ w) <= tol:
            break
        w, v = momentum_step(w, A @ w, v, lr, beta)
        done += 1
    return done
