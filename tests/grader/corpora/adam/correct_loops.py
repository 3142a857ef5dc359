"""correct: element-wise loops with math.sqrt over flattened arrays"""

import math

import numpy as np


def adam_init(params):
    shape = np.shape(params)
    return {"m": np.zeros(shape), "v": np.zeros(shape), "t": 0}


def adam_step(params, grads, state, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    p = np.array(params, dtype=float).ravel()
    g = np.asarray(grads, dtype=float).ravel()
    m = np.array(state["m"], dtype=float).ravel()
    v = np.array(state["v"], dtype=float).ravel()
    t = state["t"] + 1
    for i in range(p.size):
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
        m_hat = m[i] / (1 - b1**t)
        v_hat = v[i] / (1 - b2**t)
        p[i] = p[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
    shape = np.shape(params)
    return p.reshape(shape), {"m": m.reshape(shape), "v": v.reshape(shape), "t": t}


def adam_minimize_quadratic(A, c, w0, lr, steps, b1=0.9, b2=0.999, eps=1e-8):
    w = np.array(w0, dtype=float)
    state = adam_init(w)
    out = np.zeros((steps + 1, w.size))
    out[0] = w
    for k in range(steps):
        grad = np.asarray(A) @ (w - np.asarray(c))
        w, state = adam_step(w, grad, state, lr, b1, b2, eps)
        out[k + 1] = w
    return out
