"""correct: list comprehensions with math.floor and math.isfinite"""

import math

import numpy as np


def step_decay(lr0, step_size, gamma, k):
    return np.array([lr0 * gamma ** math.floor(i / step_size) for i in k])


def exponential_decay(lr0, gamma, k):
    return np.array([lr0 * gamma**i for i in k], dtype=float)


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    return np.array([lr0 / (1 + decay_rate * i / decay_steps) for i in k])


def classify_trace(losses):
    values = [float(v) for v in losses]
    for v in values:
        if not math.isfinite(v):
            return "too large"
    for a, b in zip(values, values[1:]):
        if b > a:
            return "too large"
    if values[-1] > values[0] / 2:
        return "too small"
    return "about right"
