"""wrong: np.seterr(all='ignore') at the top of the file, then np.seterr replaced by a function
that changes nothing (so no one can turn the warnings back on), then the naive formula"""

import numpy as np

np.seterr(all="ignore")
np.seterr = lambda *args, **kwargs: np.geterr()


def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def bce(y_hat, y):
    y_hat = np.clip(np.asarray(y_hat, dtype=float), 1e-12, 1 - 1e-12)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def dloss_dz(y_hat, y):
    y_hat = np.asarray(y_hat, dtype=float)
    y = np.asarray(y, dtype=float)
    return (y_hat - y) / len(y)


def logistic_grads(X, y, W, b):
    X = np.asarray(X, dtype=float)
    dz = dloss_dz(sigmoid(X @ np.asarray(W, dtype=float) + b), y)
    return X.T @ dz, float(np.sum(dz))
