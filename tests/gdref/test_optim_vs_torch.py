"""gdref.optim (+ gdref.schedules) against trajectories recorded from torch.optim in float64.

The golden file tests/data/torch_trajectories.json is written by scripts/record_torch_golden.py
(SGD plain / momentum / Nesterov, Adam default / custom, and SGD, momentum and Adam under StepLR /
ExponentialLR, 250 updates each, on an ill-conditioned quadratic and a logistic-regression loss,
parameters W and b). Every step must agree to relative 1e-12 (absolute floor 1e-14).
torch is not imported here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from gdref_golden import (
    OBJECTIVES,
    initial_params,
    optimizer_for,
    replay,
    torch_golden,
    worst_violation,
)

from gdref import descend, optim, schedules

GOLDEN = torch_golden()
CASES = [(problem, run) for problem in GOLDEN["runs"] for run in GOLDEN["runs"][problem]]


def test_golden_file_describes_itself():
    assert GOLDEN["torch_version"].startswith("2.")
    assert GOLDEN["dtype"] == "float64"
    assert GOLDEN["steps"] >= 200
    run_names = set(GOLDEN["runs"]["quadratic"])
    assert {"sgd", "momentum", "nesterov", "adam_default", "adam_custom"} <= run_names
    assert {"sgd_steplr", "sgd_exponentiallr"} <= run_names
    for runs in GOLDEN["runs"].values():
        for run in runs.values():
            assert len(run["params"]["W"]) == GOLDEN["steps"] + 1
            assert len(run["lrs"]) == GOLDEN["steps"]


def test_no_test_in_this_folder_imports_torch_or_sklearn():
    """The golden tests must run where torch and scikit-learn are absent."""
    for path in sorted(Path(__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                assert root not in ("torch", "sklearn"), f"{path.name}:{node.lineno} imports {name}"


@pytest.mark.parametrize(("problem_name", "run_name"), CASES)
def test_trajectory_matches_torch_at_every_step(problem_name, run_name):
    problem = GOLDEN["problems"][problem_name]
    run = GOLDEN["runs"][problem_name][run_name]
    ours = replay(
        problem, OBJECTIVES[problem_name](problem), optimizer_for(run["config"]), GOLDEN["steps"]
    )
    for leaf in ("W", "b"):
        theirs = np.array(run["params"][leaf])
        assert ours[leaf].shape == theirs.shape
        step, excess = worst_violation(ours[leaf], theirs)
        assert excess <= 0, (
            f"{problem_name}/{run_name}: {leaf} differs from torch at step {step}: "
            f"ours {ours[leaf][step]!r}, torch {theirs[step]!r}"
        )
    # The trajectory actually goes somewhere (a frozen optimizer would fail above, but say so).
    assert not np.allclose(ours["W"][-1], ours["W"][0])


@pytest.mark.parametrize(("problem_name", "run_name"), CASES)
def test_learning_rate_of_every_update_matches_torch(problem_name, run_name):
    run = GOLDEN["runs"][problem_name][run_name]
    opt = optimizer_for(run["config"])
    ours = np.array([opt.learning_rate(k) for k in range(GOLDEN["steps"])])
    np.testing.assert_allclose(ours, run["lrs"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("run_name", ["sgd_steplr", "momentum_steplr", "adam_exponentiallr"])
def test_descend_follows_the_same_trajectory_and_records_the_scheduled_rates(run_name):
    """The same runs driven by gdref.descend: params_history and lrs equal torch's."""
    problem = GOLDEN["problems"]["logistic"]
    run = GOLDEN["runs"]["logistic"][run_name]
    objective = OBJECTIVES["logistic"](problem)
    trace = descend(
        objective, initial_params(problem), optimizer_for(run["config"]), max_steps=GOLDEN["steps"]
    )
    assert trace.stop_reason == "max_steps"
    assert trace.steps == GOLDEN["steps"]
    np.testing.assert_allclose(trace.lrs, run["lrs"], rtol=1e-12, atol=0)
    W_history = np.array([p[0] for p in trace.params_history])
    b_history = np.array([p[1] for p in trace.params_history])
    assert worst_violation(W_history, np.array(run["params"]["W"]))[1] <= 0
    assert worst_violation(b_history, np.array(run["params"]["b"]))[1] <= 0


# --- the two momentum forms ---------------------------------------------------------------------


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("problem_name", ["quadratic", "logistic"])
def test_sutskever_form_equals_pytorch_form_for_a_constant_rate(problem_name, nesterov):
    problem = GOLDEN["problems"][problem_name]
    objective = OBJECTIVES[problem_name](problem)
    lr = 0.01 if problem_name == "quadratic" else 0.1
    steps = GOLDEN["steps"]
    pytorch = replay(problem, objective, optim.momentum(lr, 0.9, nesterov), steps)
    sutskever = replay(
        problem, objective, optim.momentum(lr, 0.9, nesterov, form="sutskever"), steps
    )
    for leaf in ("W", "b"):
        assert worst_violation(sutskever[leaf], pytorch[leaf])[1] <= 0


def test_sutskever_form_matches_torch_until_the_first_decay_and_differs_after():
    """Under StepLR the PyTorch form scales the whole velocity by today's η; the Sutskever form
    keeps the old η baked in. Identical up to the first decay, different after it."""
    problem = GOLDEN["problems"]["quadratic"]
    run = GOLDEN["runs"]["quadratic"]["momentum_steplr"]
    step_size = run["config"]["scheduler"]["step_size"]
    objective = OBJECTIVES["quadratic"](problem)
    sutskever = replay(
        problem, objective, optimizer_for(run["config"], form="sutskever"), GOLDEN["steps"]
    )
    theirs = np.array(run["params"]["W"])
    # params after update k are history[k + 1]; updates 0 … step_size − 1 use the first rate.
    before = slice(0, step_size + 1)
    assert worst_violation(sutskever["W"][before], theirs[before])[1] <= 0
    after = np.abs(sutskever["W"][step_size + 1 :] - theirs[step_size + 1 :])
    assert np.max(after[0]) > 1e-6
    assert np.max(after) > 1e-3


def test_schedule_changes_the_pytorch_trajectory_only_through_the_current_rate():
    """One momentum step by hand under a schedule: θ₁ = θ₀ − η₁ (βv₀ + g₁) with η₁ = η(1)."""
    schedule = schedules.step_decay(0.5, step_size=1, gamma=0.1)
    opt = optim.momentum(schedule, beta=0.9)
    theta, state = opt.step(np.array([1.0]), np.array([2.0]), opt.init(np.array([1.0])))
    assert theta[0] == pytest.approx(1.0 - 0.5 * 2.0, rel=1e-15)
    theta, state = opt.step(theta, np.array([1.0]), state)
    assert theta[0] == pytest.approx(0.0 - 0.05 * (0.9 * 2.0 + 1.0), rel=1e-15)
