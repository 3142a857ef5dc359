"""correct: schedules as Python lists through exp/log, classify_trace with a for loop and a flag"""

import math

import numpy as np


def step_decay(lr0, step_size, gamma, k):
    return np.array([lr0 * math.pow(gamma, int(i) // int(step_size)) for i in np.asarray(k)])


def exponential_decay(lr0, gamma, k):
    k = np.asarray(k, dtype=float)
    return lr0 * np.exp(k * math.log(gamma))


def inverse_time_decay(lr0, decay_rate, decay_steps, k):
    out = []
    for i in np.asarray(k, dtype=float):
        out.append(lr0 / (1.0 + decay_rate * i / decay_steps))
    return np.array(out)


def classify_trace(losses):
    values = list(np.asarray(losses, dtype=float))
    rose = False
    for i, v in enumerate(values):
        if math.isnan(v) or math.isinf(v):
            return "too large"
        if i > 0 and v > values[i - 1]:
            rose = True
    if rose:
        return "too large"
    if values[-1] > 0.5 * values[0]:
        return "too small"
    return "about right"
