"""correct: classify_trace returns a NumPy string from a lookup array"""

import numpy as np

LABELS = np.array(["too large", "too small", "about right"])


def step_decay(lr0, step_size, gamma, k):
    return lr0 * gamma ** (np.asarray(k) // step_size)


def exponential_decay(lr0, gamma, k):
    return lr0 * gamma ** np.asarray(k, dtype=float)


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    return lr0 / (1.0 + decay_rate * np.asarray(k, dtype=float) / decay_steps)


def classify_trace(losses):
    J = np.asarray(losses, dtype=float)
    if not np.isfinite(J).all() or (np.diff(J) > 0).any():
        return LABELS[0]
    return LABELS[1] if J[-1] > 0.5 * J[0] else LABELS[2]
