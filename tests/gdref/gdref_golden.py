"""Shared helpers for the golden-file tests: load the recorded JSON, rebuild the problems and the
gdref optimizers that correspond to each recorded PyTorch configuration.

The files are written by scripts/record_torch_golden.py and scripts/record_sklearn_golden.py;
neither torch nor scikit-learn is imported here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from gdref import logistic_grads, logistic_loss, optim, schedules

DATA = Path(__file__).resolve().parents[1] / "data"

# Agreement demanded with PyTorch at every step: relative 1e-12, with an absolute floor far below
# the parameters' size (they are O(0.1–1)), for components passing near zero.
RTOL = 1e-12
ATOL = 1e-14


@cache
def torch_golden() -> dict:
    return json.loads((DATA / "torch_trajectories.json").read_text())


@cache
def sklearn_golden() -> dict:
    return json.loads((DATA / "sklearn_logreg.json").read_text())


def quadratic_objective(problem: dict):
    """J = ½ (θ − c)ᵀ H (θ − c), θ = [W.ravel(), b]; returns (loss, (dW, db))."""
    H = np.array(problem["H"])
    c = np.array(problem["c"])

    def objective(params):
        W, b = params
        r = np.concatenate([np.ravel(W), np.ravel(b)]) - c
        g = H @ r
        return 0.5 * float(r @ g), (g[: np.size(W)].reshape(np.shape(W)), g[np.size(W) :])

    return objective


def logistic_problem_objective(problem: dict):
    """Mean BCE from logits of z = XW + b, with gdref's own loss and analytic gradient."""
    X = np.array(problem["X"])
    y = np.array(problem["y"])

    def objective(params):
        W, b = params
        return logistic_loss(X, y, W, b), logistic_grads(X, y, W, b)

    return objective


OBJECTIVES = {"quadratic": quadratic_objective, "logistic": logistic_problem_objective}


def schedule_for(config: dict):
    """The gdref schedule equal to the recorded PyTorch scheduler (or the constant rate)."""
    spec = config.get("scheduler")
    if spec is None:
        return config["lr"]
    if spec["type"] == "StepLR":
        return schedules.step_decay(config["lr"], spec["step_size"], spec["gamma"])
    if spec["type"] == "ExponentialLR":
        return schedules.exponential_decay(config["lr"], spec["gamma"])
    raise AssertionError(f"golden file names an unknown scheduler {spec['type']!r}")


def optimizer_for(config: dict, form: str = "pytorch") -> optim.Optimizer:
    """The gdref optimizer for a recorded torch.optim configuration."""
    lr = schedule_for(config)
    if config["optimizer"] == "adam":
        b1, b2 = config["betas"]
        return optim.adam(lr, b1=b1, b2=b2, eps=config["eps"])
    if config["momentum"] == 0.0:
        return optim.sgd(lr)
    return optim.momentum(lr, beta=config["momentum"], nesterov=config["nesterov"], form=form)


def initial_params(problem: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.array(problem["W0"], dtype=np.float64), np.array(problem["b0"], dtype=np.float64)


def replay(problem: dict, objective, optimizer: optim.Optimizer, steps: int) -> dict:
    """Run ``steps`` updates by hand; return the W and b history (steps + 1 entries each)."""
    params = initial_params(problem)
    state = optimizer.init(params)
    history = {"W": [params[0]], "b": [params[1]]}
    for _ in range(steps):
        _, grads = objective(params)
        params, state = optimizer.step(params, grads, state)
        history["W"].append(np.asarray(params[0]))
        history["b"].append(np.asarray(params[1]))
    return {key: np.array(value) for key, value in history.items()}


def worst_violation(ours: np.ndarray, theirs: np.ndarray, rtol: float = RTOL, atol: float = ATOL):
    """(step, excess) of the worst |ours − theirs| − (atol + rtol |theirs|), over all steps."""
    ours = ours.reshape(len(ours), -1)
    theirs = theirs.reshape(len(theirs), -1)
    excess = np.abs(ours - theirs) - (atol + rtol * np.abs(theirs))
    step = int(np.argmax(np.max(excess, axis=1)))
    return step, float(np.max(excess))
