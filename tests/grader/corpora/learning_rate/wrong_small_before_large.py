"""wrong: classify_trace tests 'too small' before 'too large'"""

import numpy as np


def step_decay(lr0, step_size, gamma, k):
    return lr0 * gamma ** (np.asarray(k) // step_size)


def exponential_decay(lr0, gamma, k):
    return lr0 * gamma ** np.asarray(k, dtype=float)


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    return lr0 / (1.0 + decay_rate * np.asarray(k, dtype=float) / decay_steps)


def classify_trace(losses):
    J = np.asarray(losses, dtype=float)
    if np.isfinite(J[-1]) and J[-1] > 0.5 * J[0]:
        return "too small"
    if not np.all(np.isfinite(J)) or np.any(np.diff(J) > 0):
        return "too large"
    return "about right"
