"""Checks for exercise 10: learning-rate schedules, and reading a loss trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gdref import datasets, optim, schedules
from gdref.descent import descend, linear_objective
from grader.checking.framework import Exercise, Mistake, any_of, check, expect_close
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from grader.checking.plugin import Student

TOO_SMALL, ABOUT_RIGHT, TOO_LARGE = "too small", "about right", "too large"

EXERCISE = Exercise(
    name="learning_rate",
    order=10,
    file="10_learning_rate.py",
    to_write=("step_decay", "exponential_decay", "inverse_time_decay", "classify_trace"),
    title="The learning rate: schedules and loss traces",
    summary="Step, exponential and inverse-time decay as functions of the update index, and "
    "telling a too-small, about-right and too-large learning rate apart from the loss trace.",
    hints=(
        "k counts updates from 0: the first update uses the initial rate α₀ in every schedule.",
        "Step decay changes the rate only every step_size updates: use integer division k // s.",
        "Inverse-time decay divides k by decay_steps: α₀ / (1 + d · k / s).",
        "A trace with inf or nan is 'too large' — test np.isfinite first, since comparisons "
        "with nan are always False.",
        "Only a strict rise J_{k+1} > J_k counts as going up; equal losses are not a rise.",
    ),
    mistakes=(
        Mistake(
            id="step_off_by_one",
            message="Your step decay changes one update too early: you used ⌊(k + 1)/s⌋ where "
            "the k-th update (counting from 0) uses ⌊k/s⌋.",
            hint="The first update is k = 0 and uses α₀; the rate first drops at k = step_size.",
            mutant=[("k // step_size", "(k + 1) // step_size")],
        ),
        Mistake(
            id="step_no_floor",
            message="Your step decay decays smoothly (γ^(k/s)); it should drop in steps, γ^⌊k/s⌋.",
            hint="Use integer division k // step_size in the exponent.",
            mutant=[("k // step_size", "k / step_size")],
        ),
        Mistake(
            id="exponential_off_by_one",
            message="Your exponential decay is one step ahead: you used γ^(k+1); the first "
            "update (k = 0) uses α₀.",
            hint="α_k = α₀ · γ^k, so α_0 = α₀.",
            mutant=[
                (
                    "    return lr0 * np.power(float(gamma), np.asarray(k))\n",
                    "    return lr0 * np.power(float(gamma), np.asarray(k) + 1)\n",
                )
            ],
        ),
        Mistake(
            id="decay_steps_ignored",
            message="Your inverse-time decay ignores decay_steps: α₀/(1 + d·k) instead of "
            "α₀/(1 + d·k/s).",
            hint="Divide k by decay_steps before multiplying by the decay rate.",
            mutant=[
                (
                    "decay_rate * np.asarray(k, dtype=float) / decay_steps)",
                    "decay_rate * np.asarray(k, dtype=float))",
                )
            ],
        ),
        Mistake(
            id="nonfinite_not_checked",
            message="A trace containing nan or inf did not come out as 'too large': comparisons "
            "with nan are always False, so your tests let it through (test every loss, not "
            "only the last one).",
            hint="Check np.all(np.isfinite(losses)) first.",
            mutant=[
                (
                    "    if not np.all(np.isfinite(J)) or np.any(np.diff(J) > 0):\n",
                    "    if np.any(np.diff(J) > 0):\n",
                )
            ],
        ),
        Mistake(
            id="flat_counts_as_rise",
            message="You treated an unchanged loss (J_{k+1} = J_k) as going up; only a strict "
            "rise means the rate is too large.",
            hint="Use np.diff(losses) > 0, not >= 0.",
            mutant=[("np.any(np.diff(J) > 0)", "np.any(np.diff(J) >= 0)")],
        ),
        Mistake(
            id="progress_test_reversed",
            message="Your 'too small' and 'about right' are swapped: a run whose final loss is "
            "still above half the first one made too little progress.",
            hint="too small ⇔ losses[-1] > 0.5 · losses[0].",
            mutant=[("    if J[-1] > 0.5 * J[0]:\n", "    if J[-1] <= 0.5 * J[0]:\n")],
        ),
    ),
)


@remembered
def values(schedule: str, settings: tuple, k: np.ndarray) -> np.ndarray:
    """gdref's schedule ``schedule`` (a name in gdref.schedules) with ``settings``, at steps k."""
    made = getattr(schedules, schedule)(*settings)
    return np.array([made(int(i)) for i in k])


@remembered
def step_mistakes(lr0: float, step_size: int, gamma: float, k: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "step_off_by_one": values("step_decay", (lr0, step_size, gamma), k + 1),
        "step_no_floor": values("exponential_decay", (lr0, gamma ** (1.0 / step_size)), k),
    }


# ---- loss traces, made by gdref runs (the label is how each run was set up) ------------------


@remembered
def parabola_losses(lr: float, steps: int) -> np.ndarray:
    trace = descend(datasets.parabola_objective, 6.0, optim.sgd(lr), max_steps=steps)
    return np.array(trace.losses)


@remembered
def commute_losses(lr: float, steps: int) -> np.ndarray:
    X, y = datasets.commute_times()
    trace = descend(
        linear_objective,
        (np.zeros(1), 0.0),
        optim.sgd(lr),
        X=X,
        y=y,
        max_steps=steps,
        divergence_factor=1e300,
    )
    return np.array(trace.losses)


@remembered
def labelled_traces() -> list[tuple[str, np.ndarray, str]]:
    """(description, losses, label) from gdref runs whose learning rate is known to be
    too small / about right / too large relative to the curvature (2 for the parabola)."""
    return [
        ("parabola, lr 0.001, 20 steps", parabola_losses(0.001, 20), TOO_SMALL),
        ("parabola, lr 0.3, 10 steps", parabola_losses(0.3, 10), ABOUT_RIGHT),
        ("parabola, lr 1.2, 10 steps", parabola_losses(1.2, 10), TOO_LARGE),
        ("commute times, lr 1e-5, 30 steps", commute_losses(1e-5, 30), TOO_SMALL),
        ("commute times, lr 0.005, 30 steps", commute_losses(0.005, 30), ABOUT_RIGHT),
        ("commute times, lr 0.02, 30 steps", commute_losses(0.02, 30), TOO_LARGE),
    ]


@remembered
def edge_traces() -> list[tuple[str, np.ndarray, str]]:
    """Traces at the edges of the rule, built from gdref runs."""
    diverging = commute_losses(0.02, 12)
    nan_inside = parabola_losses(0.3, 8)
    nan_inside[3] = np.nan
    smooth = parabola_losses(0.3, 8)
    # one rise (at update 2), after which the loss still ends far below where it started
    bump = np.concatenate([smooth[:2], [1.5 * smooth[1]], smooth[2:]])
    # (1 − 2·0.05)² = 0.81 a step: after four updates J_4 ≈ 0.43·J_0, between ¼ and ½
    slowish = parabola_losses(0.05, 5)
    assert 0.25 < slowish[-1] / slowish[0] < 0.5, "the threshold trace moved; pick another rate"
    return [
        # first: where a flat stretch alone decides ("≥ 0 counts as a rise" is named here)
        ("a run that never moves", np.full(4, slowish[0]), TOO_SMALL),
        # lr 0.5 on (w − 2)² lands exactly on the minimum: the loss then stays at 0
        ("parabola, lr 0.5 (reaches the minimum and stays)", parabola_losses(0.5, 8), ABOUT_RIGHT),
        ("a run that overflowed to inf", np.append(diverging, np.inf), TOO_LARGE),
        ("a run that ended in nan", np.append(parabola_losses(0.3, 6), np.nan), TOO_LARGE),
        ("a run whose loss is nan throughout", np.full(5, np.nan), TOO_LARGE),
        ("a run with nan in the middle", nan_inside, TOO_LARGE),
        ("a run that rises once, then ends below its start", bump, TOO_LARGE),
        ("a run ending at 0.43 of its first loss", slowish, ABOUT_RIGHT),
        # the rule's own boundaries: a first loss that is already inf; a final loss of exactly
        # half the first (not "more than half": about right); a single loss (no change to see,
        # and J_0 > 0.5·J_0); a run that stays flat from the start
        ("a run whose first loss is inf", np.append(np.inf, parabola_losses(0.3, 5)), TOO_LARGE),
        (
            "a run ending at exactly half its first loss",
            np.append(slowish[:4], slowish[0] / 2),
            ABOUT_RIGHT,
        ),
        ("a single loss", parabola_losses(0.3, 1), TOO_SMALL),
    ]


# traces on which a catalogued mistake gives the same label as a plausible bug outside the
# catalogue, so its name would mislead: on the 0.43 trace a reversed progress test and a
# threshold of ¼ instead of ½ both say "too small"
NOT_NAMED_ON = {
    "a run ending at 0.43 of its first loss": {"progress_test_reversed"},
    # ≥ instead of > in the progress test says "too small" there too
    "a run ending at exactly half its first loss": {"progress_test_reversed"},
    # testing for nan only (or from the second loss on) lets an inf first loss through too
    "a run whose first loss is inf": {"nonfinite_not_checked"},
    # any change at all taken for a rise (np.any(np.diff(J)) > 0) says "too large" there too;
    # a flat ≥ is named on the run that never moves
    "parabola, lr 0.5 (reaches the minimum and stays)": {"flat_counts_as_rise"},
}


@remembered
def mistaken_labels(losses: np.ndarray) -> dict[str, object]:
    """What each catalogued classify_trace mistake says about ``losses`` (a label, or the
    labels of its common forms)."""
    J = np.asarray(losses, dtype=float)
    finite = bool(np.all(np.isfinite(J)))
    rises, flat_or_rises = bool(np.any(np.diff(J) > 0)), bool(np.any(np.diff(J) >= 0))
    slow = bool(J[-1] > 0.5 * J[0])
    unchecked = TOO_LARGE if rises else (TOO_SMALL if slow else ABOUT_RIGHT)
    # its two common forms: no test of finiteness at all, or a test of the last loss only
    last_only = TOO_LARGE if not np.isfinite(J[-1]) else unchecked
    return {
        "nonfinite_not_checked": unchecked
        if last_only == unchecked
        else any_of(unchecked, last_only),
        "flat_counts_as_rise": TOO_LARGE
        if (not finite or flat_or_rises)
        else (TOO_SMALL if slow else ABOUT_RIGHT),
        "progress_test_reversed": TOO_LARGE
        if (not finite or rises)
        else (TOO_SMALL if J[-1] <= 0.5 * J[0] else ABOUT_RIGHT),
    }


def check_label(student: Student, description: str, losses: np.ndarray, label: str) -> None:
    shown = np.array2string(losses, precision=3, threshold=6)
    expect_close(
        student.classify_trace(losses),
        label,
        what=f"classify_trace(<{description}: {shown}>)",
        mistakes={
            key: value
            for key, value in separable(mistaken_labels(losses), label).items()
            if key not in NOT_NAMED_ON.get(description, ())
        },
    )


def separable(labels: dict[str, object], right: str) -> dict[str, object]:
    """The mistakes whose wrong labels on this trace no other mistake gives: with three
    labels, several mistakes often say the same, and then none of them is named."""

    def wrong_of(value: object) -> set[str]:
        return {label for label in (value if isinstance(value, tuple) else (value,))} - {right}

    wrong = [label for value in labels.values() for label in wrong_of(value)]
    return {
        key: value
        for key, value in labels.items()
        if wrong_of(value) and all(wrong.count(label) == 1 for label in wrong_of(value))
    }


CLASSIFY_MISTAKES = ["nonfinite_not_checked", "flat_counts_as_rise", "progress_test_reversed"]


@check(2, mistakes=["step_off_by_one", "step_no_floor"])
def test_step_decay(student):
    """step_decay: α₀·γ^⌊k/s⌋, the same values as PyTorch's StepLR."""
    for lr0, step_size, gamma, count in [(0.1, 3, 0.5, 7), (0.05, 10, 0.1, 35)]:
        k = np.arange(count)
        expect_close(
            student.step_decay(lr0, step_size, gamma, k),
            values("step_decay", (lr0, step_size, gamma), k),
            what=f"step_decay({lr0}, {step_size}, {gamma}, k = 0…{count - 1})",
            mistakes=step_mistakes(lr0, step_size, gamma, k),
            curves="lr",
        )


@check(1, mistakes=["exponential_off_by_one"])
def test_exponential_decay(student):
    """exponential_decay: α₀·γ^k, the same values as PyTorch's ExponentialLR."""
    for lr0, gamma in [(0.1, 0.9), (1.0, 0.5)]:
        k = np.arange(12)
        expect_close(
            student.exponential_decay(lr0, gamma, k),
            values("exponential_decay", (lr0, gamma), k),
            what=f"exponential_decay({lr0}, {gamma}, k = 0…11)",
            mistakes={"exponential_off_by_one": values("exponential_decay", (lr0, gamma), k + 1)},
            curves="lr",
        )


@check(1, mistakes=["decay_steps_ignored"])
def test_inverse_time_decay(student):
    """inverse_time_decay: α₀/(1 + d·k/s) with s = 1 and s = 5."""
    for lr0, rate, steps in [(1.0, 0.5, 1), (0.1, 0.5, 5), (0.2, 2.0, 10)]:
        k = np.arange(15)
        expect_close(
            student.inverse_time_decay(lr0, rate, steps, k),
            values("inverse_time_decay", (lr0, rate, steps), k),
            what=f"inverse_time_decay({lr0}, {rate}, {steps}, k = 0…14)",
            mistakes={"decay_steps_ignored": values("inverse_time_decay", (lr0, rate, 1), k)},
            curves="lr",
        )


@check(1, mistakes=["step_off_by_one", "step_no_floor", "exponential_off_by_one"])
def test_schedules_edges(student):
    """the schedules on unsorted k ([5, 0, 3, 12, 3]) and on no k at all (an empty array, an
    empty result); inverse-time decay with a fractional decay_steps (2.5)."""
    unsorted, empty = np.array([5, 0, 3, 12, 3]), np.array([], dtype=int)
    calls = [
        ("step_decay", (0.1, 3, 0.5), unsorted),
        ("exponential_decay", (0.2, 0.9), unsorted),
        ("inverse_time_decay", (1.0, 0.5, 2.5), unsorted),
        ("step_decay", (0.1, 3, 0.5), empty),
        ("exponential_decay", (0.2, 0.9), empty),
    ]
    for name, settings, k in calls:
        mistakes: dict[str, object] = {}
        if name == "step_decay" and k.size:
            mistakes = step_mistakes(*settings, k)
        elif name == "exponential_decay" and k.size:
            mistakes = {"exponential_off_by_one": values(name, settings, k + 1)}
        expect_close(
            student.call(name, *settings, k),
            values(name, settings, k),
            what=f"{name}({', '.join(map(str, settings))}, k={k.tolist()})",
            mistakes=mistakes,
        )


@check(
    1,
    hidden=True,
    mistakes=["step_off_by_one", "step_no_floor", "exponential_off_by_one", "decay_steps_ignored"],
)
def test_schedules_random(student, rng):
    """all three schedules at random (unsorted) step indices and random settings."""
    k = rng.integers(0, 200, size=10)
    lr0, gamma = float(rng.uniform(0.001, 1.0)), float(rng.uniform(0.5, 0.99))
    step_size, rate, decay_steps = (
        int(rng.integers(2, 30)),
        float(rng.uniform(0.1, 3)),
        int(rng.integers(2, 50)),
    )
    expect_close(
        student.step_decay(lr0, step_size, gamma, k),
        values("step_decay", (lr0, step_size, gamma), k),
        what=f"step_decay({lr0:.3g}, {step_size}, {gamma:.3g}, k={k.tolist()})",
        mistakes=step_mistakes(lr0, step_size, gamma, k),
    )
    expect_close(
        student.exponential_decay(lr0, gamma, k),
        values("exponential_decay", (lr0, gamma), k),
        what=f"exponential_decay({lr0:.3g}, {gamma:.3g}, k={k.tolist()})",
        mistakes={"exponential_off_by_one": values("exponential_decay", (lr0, gamma), k + 1)},
    )
    expect_close(
        student.inverse_time_decay(lr0, rate, decay_steps, k),
        values("inverse_time_decay", (lr0, rate, decay_steps), k),
        what=f"inverse_time_decay({lr0:.3g}, {rate:.3g}, {decay_steps}, k={k.tolist()})",
        mistakes={"decay_steps_ignored": values("inverse_time_decay", (lr0, rate, 1), k)},
    )


@check(2, mistakes=CLASSIFY_MISTAKES)
def test_classify_gd_runs(student):
    """classify_trace on gradient-descent runs with too small, good and too large rates."""
    for description, losses, label in labelled_traces():
        check_label(student, description, losses, label)


@check(1, mistakes=CLASSIFY_MISTAKES)
def test_classify_edge_cases(student):
    """classify_trace at the edges: a loss that reaches 0 and stays, inf or nan at the start, the
    end or in the middle, one rise in a run that still ends low, a final loss between ¼ and ½ of
    the first and one of exactly ½, a single loss, a run that never moves."""
    for description, losses, label in edge_traces():
        check_label(student, description, losses, label)
