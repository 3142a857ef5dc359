"""wrong: looks for non-finite losses from the second one on (J[1:])"""

import numpy as np


def step_decay(lr0, step_size, gamma, k):
    k = np.asarray(k)
    return lr0 * gamma ** (k // step_size)


def exponential_decay(lr0, gamma, k):
    return lr0 * gamma ** np.asarray(k, dtype=float)


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    return lr0 / (1 + decay_rate * np.asarray(k, dtype=float) / decay_steps)


def classify_trace(losses):
    J = np.asarray(losses, dtype=float)
    if not np.isfinite(J[1:]).all():
        return "too large"
    for a, b in zip(J[:-1], J[1:]):
        if b > a:
            return "too large"
    if J[-1] > J[0] / 2:
        return "too small"
    return "about right"
