"""wrong: np.any(np.diff(J)) > 0: any non-zero change counts as a rise"""

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
    if not np.isfinite(J).all():
        return "too large"
    if np.any(np.diff(J)) > 0:
        return "too large"
    if J[-1] > J[0] / 2:
        return "too small"
    return "about right"
