"""correct: copies the state dict and updates it by key; np.stack of iterates"""

import numpy as np


def adam_init(params):
    return dict(m=np.zeros_like(params, dtype=float), v=np.zeros_like(params, dtype=float), t=0)


def adam_step(params, grads, state, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    new_state = dict(state)
    new_state["t"] = state["t"] + 1
    new_state["m"] = b1 * state["m"] + (1.0 - b1) * grads
    new_state["v"] = b2 * state["v"] + (1.0 - b2) * grads * grads
    t = new_state["t"]
    update = (new_state["m"] / (1.0 - b1**t)) / (np.sqrt(new_state["v"] / (1.0 - b2**t)) + eps)
    return params - lr * update, new_state


def adam_minimize_quadratic(A, c, w0, lr, steps, b1=0.9, b2=0.999, eps=1e-8):
    ws = [np.asarray(w0, dtype=float)]
    state = adam_init(ws[0])
    for _ in range(steps):
        w, state = adam_step(ws[-1], A @ (ws[-1] - c), state, lr, b1, b2, eps)
        ws.append(w)
    return np.stack(ws)
