"""wrong: adam_step's default learning rate is 0.01 instead of 1e-3"""

import numpy as np


def adam_init(params):
    params = np.asarray(params, dtype=float)
    return {"m": np.zeros(params.shape), "v": np.zeros(params.shape), "t": 0}


def adam_step(params, grads, state, lr=1e-2, b1=0.9, b2=0.999, eps=1e-8):
    g = np.asarray(grads, dtype=float)
    t = state["t"] + 1
    m = b1 * state["m"] + (1 - b1) * g
    v = b2 * state["v"] + (1 - b2) * g**2
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    new_params = np.asarray(params, dtype=float) - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_params, {"m": m, "v": v, "t": t}


def adam_minimize_quadratic(A, c, w0, lr, steps, b1=0.9, b2=0.999, eps=1e-8):
    A = np.asarray(A, dtype=float)
    c = np.asarray(c, dtype=float)
    w = np.asarray(w0, dtype=float)
    state = adam_init(w)
    path = [w]
    for _ in range(steps):
        w, state = adam_step(w, A @ (w - c), state, lr, b1, b2, eps)
        path.append(w)
    return np.array(path)
