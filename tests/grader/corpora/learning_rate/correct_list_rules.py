"""correct: plain Python over a list: math.isfinite, all(), comparisons of neighbours, list comprehensions for the schedules"""

import math

import numpy as np


def step_decay(lr0, step_size, gamma, k):
    return np.array([lr0 * gamma ** (int(i) // step_size) for i in k], dtype=float)


def exponential_decay(lr0, gamma, k):
    return lr0 * gamma ** np.asarray(k, dtype=float)


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    return lr0 / (1 + decay_rate * np.asarray(k, dtype=float) / decay_steps)


def classify_trace(losses):
    J = [float(x) for x in losses]
    if not all(math.isfinite(x) for x in J):
        return "too large"
    for a, b in zip(J[:-1], J[1:]):
        if b > a:
            return "too large"
    if J[-1] > J[0] / 2:
        return "too small"
    return "about right"
