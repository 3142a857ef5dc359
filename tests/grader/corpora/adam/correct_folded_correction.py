"""correct: bias correction folded into the step size (α_t = α·√(1−β₂ᵗ)/(1−β₁ᵗ), ε scaled to match), a list return"""

import numpy as np


def adam_init(params):
    z = np.zeros(np.shape(params), dtype=float)
    return {"m": z, "v": z.copy(), "t": 0}


def adam_step(params, grads, state, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = b1 * np.asarray(state["m"]) + (1 - b1) * np.asarray(grads)
    v = b2 * np.asarray(state["v"]) + (1 - b2) * np.square(grads)
    c2 = np.sqrt(1 - b2**t)
    step = lr * c2 / (1 - b1**t)
    new = np.asarray(params, dtype=float) - step * m / (np.sqrt(v) + eps * c2)
    return [new, dict(m=m, v=v, t=t)]


def adam_minimize_quadratic(A, c, w0, lr, steps, b1=0.9, b2=0.999, eps=1e-8):
    w = np.asarray(w0, dtype=float)
    state = adam_init(w)
    path = [w.copy()]
    for _ in range(steps):
        w, state = adam_step(w, np.dot(A, w) - np.dot(A, c), state, lr=lr, b1=b1, b2=b2, eps=eps)
        path.append(w)
    return np.vstack(path)
