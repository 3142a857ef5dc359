"""Learning-rate schedules: PyTorch's StepLR / ExponentialLR values (recorded in the torch golden
file, read without importing torch) and the inverse-time formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gdref_golden import torch_golden

from gdref import schedules

GOLDEN = torch_golden()
SCHEDULED = [
    (problem, name, run)
    for problem, runs in GOLDEN["runs"].items()
    for name, run in runs.items()
    if "scheduler" in run["config"]
]


def build(spec: dict, lr: float):
    if spec["type"] == "StepLR":
        return schedules.step_decay(lr, step_size=spec["step_size"], gamma=spec["gamma"])
    return schedules.exponential_decay(lr, gamma=spec["gamma"])


def test_golden_file_has_both_pytorch_schedulers():
    types = {run["config"]["scheduler"]["type"] for _, _, run in SCHEDULED}
    assert types == {"StepLR", "ExponentialLR"}


@pytest.mark.parametrize(
    ("spec", "lr", "lrs"),
    [(run["config"]["scheduler"], run["lrs"][0], run["lrs"]) for _, _, run in SCHEDULED],
    ids=[f"{problem}-{name}" for problem, name, _ in SCHEDULED],
)
def test_schedule_values_equal_pytorchs(spec, lr, lrs):
    schedule = build(spec, lr)
    ours = [schedule(k) for k in range(len(lrs))]
    np.testing.assert_allclose(ours, lrs, rtol=1e-12, atol=0)
    assert len(set(lrs)) > 1  # the recorded rates really change


def test_get_schedule_builds_the_same_functions_by_name():
    by_name = {
        "constant": (schedules.get_schedule("constant", lr=0.3), lambda k: 0.3),
        "step": (
            schedules.get_schedule("step", lr=0.3, step_size=4, gamma=0.5),
            lambda k: 0.3 * 0.5 ** (k // 4),
        ),
        "exponential": (
            schedules.get_schedule("exponential", lr=0.3, gamma=0.9),
            lambda k: 0.3 * 0.9**k,
        ),
        "inverse_time": (
            schedules.get_schedule("inverse_time", lr=0.3, decay_rate=0.5, decay_steps=10),
            lambda k: 0.3 / (1 + 0.5 * k / 10),
        ),
    }
    for name, (schedule, formula) in by_name.items():
        for k in range(40):
            assert schedule(k) == pytest.approx(formula(k), rel=1e-14), (name, k)


def test_step_decay_holds_for_step_size_updates_then_multiplies_by_gamma():
    schedule = schedules.step_decay(1.0, step_size=3, gamma=0.1)
    assert [schedule(k) for k in range(7)] == pytest.approx(
        [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.01], rel=1e-15
    )
    assert schedules.step_decay(0.5, step_size=2)(2) == pytest.approx(0.05)  # default γ = 0.1


def test_inverse_time_formula():
    # η_k = η₀ / (1 + d·k / s)
    schedule = schedules.inverse_time_decay(0.2, decay_rate=1.0, decay_steps=1)
    assert [schedule(k) for k in range(4)] == pytest.approx([0.2, 0.1, 0.2 / 3, 0.05], rel=1e-15)
    schedule = schedules.inverse_time_decay(1.0, decay_rate=0.5, decay_steps=100)
    assert schedule(0) == 1.0
    assert schedule(100) == pytest.approx(1 / 1.5, rel=1e-15)
    assert schedule(1000) == pytest.approx(1 / 6, rel=1e-15)
    # decays like 1/k: k·η_k tends to s·η₀/d
    assert 10**9 * schedule(10**9) == pytest.approx(200.0, rel=1e-5)
    # decay_rate 0 is the constant schedule
    assert schedules.inverse_time_decay(0.3, decay_rate=0.0)(10**6) == 0.3


def test_exponential_decay_is_the_step_decay_with_step_size_one():
    a = schedules.exponential_decay(0.7, gamma=0.95)
    b = schedules.step_decay(0.7, step_size=1, gamma=0.95)
    for k in range(0, 300, 7):
        assert a(k) == pytest.approx(b(k), rel=1e-15)
        assert a(k) == pytest.approx(0.7 * math.exp(k * math.log(0.95)), rel=1e-12)


def test_constant_and_float_learning_rates_agree():
    assert schedules.as_schedule(0.25)(1000) == schedules.constant(0.25)(1000) == 0.25
    custom = schedules.as_schedule(lambda k: 1.0 / (k + 1))
    assert custom(3) == 0.25
