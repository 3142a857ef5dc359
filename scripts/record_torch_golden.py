"""Record golden optimizer trajectories from PyTorch into tests/data/torch_trajectories.json.

Run in a virtual environment that has the project and PyTorch's CPU build (the golden file was
recorded with torch 2.13.0+cpu; torch is not a dependency of gdkit):

    python -m pip install -e . torch==2.13.0
    python scripts/record_torch_golden.py

The tests (tests/gdref/test_optim_vs_torch.py, test_schedules.py) read the JSON file and replay
every run with gdref.optim + gdref.schedules; torch is not a test dependency.

Two deterministic float64 problems, each with parameters made of two tensors (W and b):

- ``quadratic``: J(θ) = ½ (θ − c)ᵀ H (θ − c) with θ = [W.ravel(), b], W (2, 2), b (2,), and H a
  dense symmetric positive-definite 6 × 6 matrix with eigenvalues from 1 to 100 (a ravine:
  condition number 100).
- ``logistic``: mean binary cross-entropy from logits of z = XW + b on fixed random data,
  X (40, 5), y (40,) ∈ {0, 1}, W (5,), b a scalar (0-d tensor).

Every problem is run with each optimizer configuration in RUNS for STEPS updates, in the usual
PyTorch loop ``zero_grad(); loss.backward(); opt.step(); sched.step()``. Recorded per run: the
parameters before the first update and after every update (STEPS + 1 entries per tensor), and
the learning rate used by each update (``param_groups[0]["lr"]`` read just before ``step()``).
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch

SEED = 20261122
STEPS = 250
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "torch_trajectories.json"

# Optimizer configurations. "lr" is per problem (the two problems have very different curvature).
RUNS: list[dict] = [
    {"name": "sgd", "optimizer": "sgd", "momentum": 0.0, "nesterov": False},
    {"name": "momentum", "optimizer": "sgd", "momentum": 0.9, "nesterov": False},
    {"name": "nesterov", "optimizer": "sgd", "momentum": 0.9, "nesterov": True},
    {"name": "adam_default", "optimizer": "adam"},  # torch.optim.Adam(params): every default
    {"name": "adam_custom", "optimizer": "adam", "betas": [0.8, 0.99], "eps": 1e-6},
    {
        "name": "sgd_steplr",
        "optimizer": "sgd",
        "momentum": 0.0,
        "nesterov": False,
        "scheduler": {"type": "StepLR", "step_size": 50, "gamma": 0.5},
    },
    {
        "name": "sgd_exponentiallr",
        "optimizer": "sgd",
        "momentum": 0.0,
        "nesterov": False,
        "scheduler": {"type": "ExponentialLR", "gamma": 0.99},
    },
    {
        "name": "momentum_steplr",
        "optimizer": "sgd",
        "momentum": 0.9,
        "nesterov": False,
        "scheduler": {"type": "StepLR", "step_size": 60, "gamma": 0.3},
    },
    {
        "name": "adam_exponentiallr",
        "optimizer": "adam",
        "betas": [0.9, 0.999],
        "eps": 1e-8,
        "scheduler": {"type": "ExponentialLR", "gamma": 0.995},
    },
]

# Learning rates per problem and run (Adam default keeps torch's default lr = 1e-3).
LRS = {
    "quadratic": {
        "sgd": 0.015,
        "momentum": 0.01,
        "nesterov": 0.01,
        "adam_custom": 0.05,
        "sgd_steplr": 0.015,
        "sgd_exponentiallr": 0.015,
        "momentum_steplr": 0.01,
        "adam_exponentiallr": 0.05,
    },
    "logistic": {
        "sgd": 1.0,
        "momentum": 0.1,
        "nesterov": 0.1,
        "adam_custom": 0.05,
        "sgd_steplr": 1.0,
        "sgd_exponentiallr": 1.0,
        "momentum_steplr": 0.1,
        "adam_exponentiallr": 0.05,
    },
}


def make_problems(rng: np.random.Generator) -> dict:
    """The two problems, as plain lists (the JSON holds the exact float64 values)."""
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    eigenvalues = np.geomspace(1.0, 100.0, 6)
    H = q @ np.diag(eigenvalues) @ q.T
    H = 0.5 * (H + H.T)
    quadratic = {
        "description": "J = 1/2 (theta - c)^T H (theta - c), theta = concat(W.ravel(), b)",
        "H": H.tolist(),
        "c": rng.normal(size=6).tolist(),
        "W0": rng.normal(size=(2, 2)).tolist(),
        "b0": rng.normal(size=2).tolist(),
    }
    X = rng.normal(size=(40, 5))
    w_true = rng.normal(size=5)
    p = 1.0 / (1.0 + np.exp(-(X @ w_true + 0.3)))
    y = (rng.random(40) < p).astype(np.float64)
    logistic = {
        "description": "J = mean BCE with logits of z = X W + b (no penalty)",
        "X": X.tolist(),
        "y": y.tolist(),
        "W0": (0.1 * rng.normal(size=5)).tolist(),
        "b0": 0.0,
    }
    return {"quadratic": quadratic, "logistic": logistic}


def quadratic_loss(problem: dict, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    H = torch.tensor(problem["H"], dtype=torch.float64)
    c = torch.tensor(problem["c"], dtype=torch.float64)
    r = torch.cat([W.reshape(-1), b]) - c
    return 0.5 * r @ (H @ r)


def logistic_loss(problem: dict, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    X = torch.tensor(problem["X"], dtype=torch.float64)
    y = torch.tensor(problem["y"], dtype=torch.float64)
    return torch.nn.functional.binary_cross_entropy_with_logits(X @ W + b, y)


LOSSES = {"quadratic": quadratic_loss, "logistic": logistic_loss}


def make_optimizer(run: dict, lr: float | None, params: list[torch.Tensor]):
    if run["optimizer"] == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=run["momentum"], nesterov=run["nesterov"])
    elif "betas" in run:
        opt = torch.optim.Adam(params, lr=lr, betas=tuple(run["betas"]), eps=run["eps"])
    else:
        opt = torch.optim.Adam(params)
    scheduler = None
    spec = run.get("scheduler")
    if spec is not None and spec["type"] == "StepLR":
        scheduler = torch.optim.lr_scheduler.StepLR(
            opt, step_size=spec["step_size"], gamma=spec["gamma"]
        )
    elif spec is not None and spec["type"] == "ExponentialLR":
        scheduler = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=spec["gamma"])
    return opt, scheduler


def record(problem_name: str, problem: dict, run: dict) -> dict:
    W = torch.tensor(problem["W0"], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(problem["b0"], dtype=torch.float64, requires_grad=True)
    lr = LRS[problem_name].get(run["name"])
    opt, scheduler = make_optimizer(run, lr, [W, b])
    history = {"W": [W.detach().tolist()], "b": [b.detach().tolist()]}
    lrs = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = LOSSES[problem_name](problem, W, b)
        loss.backward()
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        if scheduler is not None:
            scheduler.step()
        history["W"].append(W.detach().tolist())
        history["b"].append(b.detach().tolist())
    group = opt.param_groups[0]
    config = dict(run)
    config["lr"] = float(group["lr"]) if scheduler is None else lrs[0]
    if run["optimizer"] == "adam":
        config["betas"] = [float(x) for x in group["betas"]]
        config["eps"] = float(group["eps"])
    return {"config": config, "params": history, "lrs": lrs}


def main() -> None:
    torch.manual_seed(0)  # nothing here is random in torch; set for good measure
    problems = make_problems(np.random.default_rng(SEED))
    runs = {
        name: {run["name"]: record(name, problem, run) for run in RUNS}
        for name, problem in problems.items()
    }
    payload = {
        "generated_by": "scripts/record_torch_golden.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "dtype": "float64",
        "seed": SEED,
        "steps": STEPS,
        "loop": "opt.zero_grad(); loss.backward(); lrs.append(lr); opt.step(); sched.step()",
        "problems": problems,
        "runs": runs,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB), torch {torch.__version__}")


if __name__ == "__main__":
    main()
