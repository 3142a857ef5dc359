"""wrong: 'too small' compares the final loss with half the smallest loss instead of the first"""

import numpy as np


def step_decay(lr0, step_size, gamma, k):
    return lr0 * gamma ** (np.asarray(k) // step_size)


def exponential_decay(lr0, gamma, k):
    return lr0 * gamma ** np.asarray(k, dtype=float)


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    return lr0 / (1.0 + decay_rate * np.asarray(k, dtype=float) / decay_steps)


def classify_trace(losses):
    J = np.asarray(losses, dtype=float)
    if not np.all(np.isfinite(J)) or np.any(np.diff(J) > 0):
        return "too large"
    if J[-1] > 0.5 * np.max(J[1:]) if len(J) > 1 else False:
        return "too small"
    return "about right"
