"""correct: np.power, exp/log for γ^k, a while loop over the trace"""

import numpy as np


def step_decay(lr0, step_size, gamma, k):
    k = np.asarray(k)
    return lr0 * np.power(gamma, np.floor_divide(k, step_size)).astype(float)


def exponential_decay(lr0, gamma, k):
    return lr0 * np.power(float(gamma), np.asarray(k))


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    return lr0 / (1 + decay_rate * (np.asarray(k) / decay_steps))


def classify_trace(losses):
    J = np.asarray(losses, dtype=float)
    if np.isnan(J).any() or np.isinf(J).any():
        return "too large"
    i = 0
    while i + 1 < len(J):
        if J[i + 1] > J[i]:
            return "too large"
        i += 1
    return "too small" if J[-1] > J[0] * 0.5 else "about right"
