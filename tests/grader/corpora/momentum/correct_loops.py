"""correct: entry-by-entry loops, a while loop counting updates"""

import math

import numpy as np


def quadratic_grad(A, w):
    return np.asarray(A, dtype=float) @ np.asarray(w, dtype=float)


def momentum_step(w, grad, v, lr, beta):
    n = len(w)
    v_new = np.zeros(n)
    w_new = np.zeros(n)
    for i in range(n):
        v_new[i] = beta * v[i] + grad[i]
        w_new[i] = w[i] - lr * v_new[i]
    return w_new, v_new


def steps_to_tolerance(A, w0, lr, beta, tol, max_steps):
    w = np.array(w0, dtype=float)
    v = np.zeros(len(w))
    count = 0
    while math.sqrt(sum(x * x for x in w)) > tol and count < max_steps:
        w, v = momentum_step(w, quadratic_grad(A, w), v, lr, beta)
        count += 1
    return count
