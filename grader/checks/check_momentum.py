"""Checks for exercise 3: the momentum update with explicit state, and the ravine race."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gdref import optim
from gdref.optim import MomentumState
from grader.checking.framework import (
    Exercise,
    Mistake,
    as_int,
    check,
    curve_on_failure,
    expect,
    expect_close,
    keep_confirmed,
    mismatch,
    shown_by,
)
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from grader.checking.plugin import Student

UPDATE = "    v_new = beta * v + grad\n    w_new = w - lr * v_new\n"
LOOP_CALL = "        w, v = momentum_step(w, quadratic_grad(A, w), v, lr, beta)\n"

EXERCISE = Exercise(
    name="momentum",
    order=3,
    file="03_momentum.py",
    to_write=("momentum_step", "steps_to_tolerance"),
    title="Momentum through a ravine",
    summary="The momentum update with explicit velocity, and momentum against plain GD on an "
    "ill-conditioned quadratic.",
    hints=(
        "Two lines, in this order: v_new = beta * v + grad, then w_new = w - lr * v_new.",
        "Return both: the caller keeps the velocity and passes it back in on the next step.",
        "In steps_to_tolerance, test ‖w‖ ≤ tol *before* each update, and feed the v you got "
        "back into the next momentum_step call.",
        "β = 0 must give exactly plain gradient descent: w − η g.",
    ),
    mistakes=(
        Mistake(
            id="sutskever_form",
            message="You used the Sutskever/Keras form (v ← βv − ηg, w ← w + v); this exercise "
            "asks for the PyTorch form (v ← βv + g, w ← w − ηv).",
            hint="Keep the learning rate out of the velocity: v_new = beta*v + grad, "
            "w_new = w - lr*v_new.",
            mutant=[(UPDATE, "    v_new = beta * v - lr * grad\n    w_new = w + v_new\n")],
        ),
        Mistake(
            id="lr_in_velocity",
            message="You put the learning rate inside the velocity (v ← βv + ηg, w ← w − v); in "
            "the PyTorch form v collects raw gradients and η multiplies it in the w update.",
            hint="v_new = beta*v + grad; w_new = w - lr*v_new.",
            mutant=[(UPDATE, "    v_new = beta * v + lr * grad\n    w_new = w - v_new\n")],
        ),
        Mistake(
            id="ema_velocity",
            message="You averaged the gradient (v ← βv + (1 − β)g, as in Adam's first moment); "
            "momentum adds the full gradient: v ← βv + g.",
            hint="Drop the (1 - beta) factor on the gradient.",
            mutant=[
                (
                    "    v_new = beta * v + grad\n",
                    "    v_new = beta * v + (1.0 - beta) * grad\n",
                )
            ],
        ),
        Mistake(
            id="velocity_not_carried",
            message="Your loop does not carry the velocity from one step to the next, so it is "
            "plain gradient descent.",
            hint="Keep the v that momentum_step returns: w, v = momentum_step(w, g, v, lr, beta).",
            mutant=[(LOOP_CALL, LOOP_CALL.replace("w, v =", "w, _ ="))],
        ),
        Mistake(
            id="old_velocity",
            message="Your w update uses the old velocity (w − η v, with the v passed in); the "
            "PyTorch form first updates v, then moves w by the new one: w − η (βv + g).",
            hint="Compute v_new = beta*v + grad first, then w_new = w - lr*v_new.",
            mutant=[(UPDATE, "    v_new = beta * v + grad\n    w_new = w - lr * v\n")],
        ),
        Mistake(
            id="gradient_norm_stop",
            message="Your loop stops when the gradient ‖A w‖ is within tol; the instructions "
            "stop on ‖w‖ ≤ tol (the distance to the minimum at 0).",
            hint="Test np.linalg.norm(w) <= tol before each update, not the gradient's norm.",
            mutant=[
                (
                    "        if np.linalg.norm(w) <= tol:\n",
                    "        if np.linalg.norm(quadratic_grad(A, w)) <= tol:\n",
                )
            ],
        ),
        Mistake(
            id="strict_tolerance",
            message="Your loop goes on while ‖w‖ equals tol: the instructions stop as soon as "
            "‖w‖ ≤ tol (a tie stops).",
            hint="Compare with <=: if np.linalg.norm(w) <= tol, return the count.",
            mutant=[
                ("        if np.linalg.norm(w) <= tol:\n", "        if np.linalg.norm(w) < tol:\n")
            ],
        ),
        Mistake(
            id="off_by_one_steps",
            message="Your step count is one too high: count the updates made before ‖w‖ ≤ tol "
            "held (0 if it holds at w0).",
            hint="Test the tolerance before each update and return the loop index.",
            mutant=[("            return step\n", "            return step + 1\n")],
        ),
    ),
)

STEP_MISTAKES = ["sutskever_form", "lr_in_velocity", "ema_velocity", "old_velocity"]
STEP_NAMES = ("w_new", "v_new")  # momentum_step's results, as the instructions name them


@remembered
def reference_step(
    w: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    lr: float,
    beta: float,
    *,
    form: str = "pytorch",
    grad_scale: float = 1.0,
    lr_scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One gdref momentum update from velocity v: (w_new, v_new)."""
    opt = optim.momentum(lr if lr_scale is None else lr_scale, beta, form=form)
    new_w, state = opt.step(w, grad_scale * np.asarray(grad, float), MomentumState(0, v))
    return new_w, state.velocity


@remembered
def step_with_mistakes(
    w: np.ndarray, grad: np.ndarray, v: np.ndarray, lr: float, beta: float
) -> tuple[tuple[np.ndarray, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]]]:
    return reference_step(w, grad, v, lr, beta), {
        "sutskever_form": reference_step(w, grad, v, lr, beta, form="sutskever"),
        "lr_in_velocity": reference_step(w, grad, v, lr, beta, grad_scale=lr, lr_scale=1.0),
        "ema_velocity": reference_step(w, grad, v, lr, beta, grad_scale=1.0 - beta),
        "old_velocity": (
            reference_step(w, v, np.zeros_like(v), lr, 0.0)[0],  # w − η v: GD along the old v
            reference_step(w, grad, v, lr, beta)[1],
        ),
    }


def ravine(kappa: float, degrees: float) -> np.ndarray:
    """A = R diag(1, κ) Rᵀ: a quadratic bowl stretched κ times along a rotated axis."""
    t = np.deg2rad(degrees)
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return R @ np.diag([1.0, kappa]) @ R.T


@remembered
def reference_steps(
    A: np.ndarray,
    w0: np.ndarray,
    lr: float,
    beta: float,
    tol: float,
    max_steps: int,
    *,
    grad_scale: float = 1.0,
    stop_on: str = "w",
    ties_stop: bool = True,
) -> int:
    """Updates until ‖w‖ ≤ tol, by gdref's momentum optimizer (β = 0: plain GD). For the
    mistakes: ``stop_on="grad"`` tests ‖A w‖ instead, ``ties_stop=False`` tests < tol."""
    opt = optim.momentum(lr, beta)
    w = np.asarray(w0, dtype=float)
    state = opt.init(w)
    for step in range(max_steps):
        size = np.linalg.norm(A @ w if stop_on == "grad" else w)
        if size < tol or (ties_stop and size == tol):
            return step
        w, state = opt.step(w, grad_scale * (A @ w), state)
    return max_steps


def steps_with_mistakes(
    A: np.ndarray, w0: np.ndarray, lr: float, beta: float, tol: float, max_steps: int
) -> tuple[int, dict[str, object]]:
    """The right count, and what each mistake returns (computed only if needed: runs are long)."""
    expected = reference_steps(A, w0, lr, beta, tol, max_steps)
    return expected, {
        "velocity_not_carried": lambda: reference_steps(A, w0, lr, 0.0, tol, max_steps),
        "off_by_one_steps": expected + 1 if expected < max_steps else expected,
        "ema_velocity": lambda: reference_steps(
            A, w0, lr, beta, tol, max_steps, grad_scale=1.0 - beta
        ),
        "gradient_norm_stop": lambda: reference_steps(
            A, w0, lr, beta, tol, max_steps, stop_on="grad"
        ),
        # the right count unless ‖w‖ lands exactly on tol: then never named, but a count that
        # is neither this nor right contradicts it (grader/checking/judge.py)
        "strict_tolerance": lambda: reference_steps(
            A, w0, lr, beta, tol, max_steps, ties_stop=False
        ),
    }


RAVINE = dict(A=ravine(50.0, 30.0), w0=np.array([4.0, 3.0]), lr=0.02, tol=1e-3, max_steps=1000)


@check(2, mistakes=STEP_MISTAKES)
def test_one_step(student):
    """momentum_step on a worked example with a non-zero velocity."""
    w, g, v = np.array([1.0, -2.0]), np.array([0.5, 1.0]), np.array([0.2, -0.1])
    expected, mistakes = step_with_mistakes(w, g, v, 0.1, 0.9)
    expect_close(
        student.momentum_step(w, g, v, 0.1, 0.9),
        expected,
        what="momentum_step(w, g, v, lr=0.1, beta=0.9)",
        mistakes=mistakes,
        names=STEP_NAMES,
    )


@check(1, mistakes=STEP_MISTAKES)
def test_first_step_is_plain_gd(student):
    """From v = 0 the first update is w − ηg, and the new velocity is g."""
    w, g, v = np.array([3.0, 1.0, -1.0]), np.array([2.5, -1.0, 0.5]), np.zeros(3)
    expected, mistakes = step_with_mistakes(w, g, v, 0.1, 0.9)
    expect_close(
        student.momentum_step(w, g, v, 0.1, 0.9),
        expected,
        what="momentum_step(w, g, 0, lr=0.1, beta=0.9)",
        mistakes=mistakes,
        names=STEP_NAMES,
    )


@check(2, mistakes=STEP_MISTAKES)
def test_velocity_carried_over(student, rng):
    """Five chained updates from v = 0: each call gets the w and the velocity that the update
    before it returns (the right ones, so each step's inputs are the same for everyone)."""
    w, v = rng.normal(size=4), np.zeros(4)
    updates = []
    for _ in range(5):  # every call first (its inputs do not depend on the learner's results)
        g = rng.normal(size=4)
        expected, mistakes = step_with_mistakes(w, g, v, 0.05, 0.9)
        updates.append((student.momentum_step(w, g, v, 0.05, 0.9), expected, mistakes))
        w, v = expected
    # so that a failure can draw the learner's new w of every update against the right one
    learner = [got[0] if isinstance(got, tuple | list) and got else None for got, _, _ in updates]
    reference = [expected[0] for _, expected, _ in updates]
    what = "w_new of each update of the chain (each from the right w and v)"
    with curve_on_failure(learner, reference, what=what, label="w_new"):
        for k, (got, expected, mistakes) in enumerate(updates):
            expect_close(
                got,
                expected,
                what=f"update {k + 1} of a chain",
                mistakes=mistakes,
                names=STEP_NAMES,
            )


@check(1, hidden=True, mistakes=STEP_MISTAKES)
def test_random_steps(student, rng):
    """momentum_step with random vectors, learning rates and β."""
    for n in (1, 3, 6):
        w, g, v = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
        lr, beta = float(rng.uniform(0.001, 0.5)), float(rng.uniform(0.1, 0.99))
        expected, mistakes = step_with_mistakes(w, g, v, lr, beta)
        expect_close(
            student.momentum_step(w, g, v, lr, beta),
            expected,
            what=f"momentum_step(n={n}, lr={lr:.3g}, beta={beta:.3g})",
            mistakes=mistakes,
            names=STEP_NAMES,
        )


def step_verdict(student: Student) -> tuple[bool, str | None]:
    """Is the learner's momentum_step right on the worked example, and if not, which step
    mistake does it show? steps_to_tolerance calls it, so a count's diagnosis depends on it."""
    w, g, v = np.array([1.0, -2.0]), np.array([0.5, 1.0]), np.array([0.2, -0.1])
    expected, mistakes = step_with_mistakes(w, g, v, 0.1, 0.9)
    got = student.momentum_step(w, g, v, 0.1, 0.9)
    shown = shown_by(got, expected, mistakes, what="momentum_step on the worked example")
    return mismatch(got, expected) is None, shown


def confirmed(student: Student, mistakes: dict) -> dict:
    """A count's mistakes, given what the learner's momentum_step does: a step mistake only if
    momentum_step shows it, and "velocity not carried" only if momentum_step is right (a
    momentum_step that returns the old velocity gives the same count)."""
    step_right, shown = step_verdict(student)
    mistakes = keep_confirmed(mistakes, STEP_MISTAKES, shown)
    if not step_right:
        mistakes.pop("velocity_not_carried", None)
    return mistakes


def separable(mistakes: dict) -> dict:
    """The mistakes whose count no other mistake gives too: step counts are small integers, so
    two loop mistakes often agree on one problem, and then neither can be named from it."""
    values = {key: value() if callable(value) else value for key, value in mistakes.items()}
    counts = list(values.values())
    return {key: value for key, value in values.items() if counts.count(value) == 1}


def loop_mistakes(student: Student, mistakes: dict) -> dict:
    """A count's loop mistakes, named only when the learner's momentum_step is right (a wrong
    step changes every count) and no other loop mistake gives the same count."""
    return separable(mistakes) if step_verdict(student)[0] else {}


def check_ravine_steps(student: Student, beta: float) -> None:
    expected, mistakes = steps_with_mistakes(beta=beta, **RAVINE)
    got = student.steps_to_tolerance(
        RAVINE["A"], RAVINE["w0"], RAVINE["lr"], beta, RAVINE["tol"], RAVINE["max_steps"]
    )
    expect_close(
        got,
        expected,
        what=f"steps_to_tolerance(ravine, lr=0.02, beta={beta})",
        mistakes=lambda: confirmed(student, mistakes),
        rtol=0,
        atol=0,
    )


COUNT_MISTAKES = [
    "velocity_not_carried",
    "off_by_one_steps",
    "ema_velocity",
    "gradient_norm_stop",
    "strict_tolerance",
]


@check(3, mistakes=COUNT_MISTAKES)
def test_ravine_steps(student):
    """steps_to_tolerance on the ravine (κ = 50, η = 0.02) with momentum β = 0.8."""
    check_ravine_steps(student, 0.8)


@check(1, hidden=True, mistakes=COUNT_MISTAKES)
def test_ravine_steps_plain_gd(student):
    """steps_to_tolerance on the ravine with β = 0: plain gradient descent, hundreds of steps."""
    check_ravine_steps(student, 0.0)


@check(2, mistakes=["velocity_not_carried"])
def test_momentum_beats_plain_gd(student):
    """On the ravine, momentum (β = 0.8) reaches ‖w‖ ≤ 1e-3 in fewer steps than plain GD."""
    args = (RAVINE["A"], RAVINE["w0"], RAVINE["lr"])
    fast = as_int(
        student.steps_to_tolerance(*args, 0.8, RAVINE["tol"], RAVINE["max_steps"]),
        "steps_to_tolerance(ravine, lr=0.02, beta=0.8)",
    )
    slow = as_int(
        student.steps_to_tolerance(*args, 0.0, RAVINE["tol"], RAVINE["max_steps"]),
        "steps_to_tolerance(ravine, lr=0.02, beta=0.0)",
    )
    if fast < slow:
        return
    plain = reference_steps(*args, 0.0, RAVINE["tol"], RAVINE["max_steps"])
    reference = reference_steps(*args, 0.8, RAVINE["tol"], RAVINE["max_steps"])
    summary = (
        f"momentum took {fast} steps, plain GD {slow}; expected momentum to need fewer "
        f"(the reference: {reference} and {plain})"
    )
    # named only when both counts are exactly plain gradient descent's and momentum_step is
    # right: then the loop is what drops the velocity
    if fast == slow == plain and step_verdict(student)[0]:
        expect(False, summary, mistake="velocity_not_carried")
    expect(False, summary)


@check(1, mistakes=STEP_MISTAKES)
def test_step_edges(student):
    """momentum_step with int arrays (w = [1, −2], v = [0, 0]) and with one parameter (n = 1)."""
    cases = [
        (np.array([1, -2]), np.array([0.5, 1.0]), np.array([0, 0]), "int w and v"),
        (np.array([2.0]), np.array([-1.5]), np.array([0.4]), "n = 1"),
    ]
    for w, g, v, label in cases:
        expected, mistakes = step_with_mistakes(w.astype(float), g, v.astype(float), 0.1, 0.9)
        expect_close(
            student.momentum_step(w, g, v, 0.1, 0.9),
            expected,
            what=f"momentum_step(w, g, v, lr=0.1, beta=0.9) ({label})",
            mistakes=mistakes,
            names=STEP_NAMES,
        )


@check(1, mistakes=["strict_tolerance", "gradient_norm_stop", "off_by_one_steps"])
def test_steps_exact_ties(student):
    """steps_to_tolerance where ‖w‖ lands exactly on tol (plain GD, β = 0, on A = cI with
    w0 = [3, −4]): with A = 2I, η = 0.5 it reaches w = 0 and tol = 0 (1 update, since ‖w‖ ≤ 0);
    with A = 4I, η = 0.125 it halves w, ‖w3‖ = 0.625 = tol; and an int w0 on the ravine."""
    w0 = np.array([3, -4])
    for c, lr, tol, off_by_one in ((2.0, 0.5, 0.0, True), (4.0, 0.125, 0.625, False)):
        A = c * np.eye(2)
        expected = reference_steps(A, w0, lr, 0.0, tol, 10)
        mistakes = {
            "strict_tolerance": reference_steps(A, w0, lr, 0.0, tol, 10, ties_stop=False),
            "gradient_norm_stop": reference_steps(A, w0, lr, 0.0, tol, 10, stop_on="grad"),
        }
        if off_by_one:  # with tol = 0.625 one more update is also what the strict test gives
            mistakes["off_by_one_steps"] = expected + 1
        expect_close(
            student.steps_to_tolerance(A, w0, lr, 0.0, tol, 10),
            expected,
            what=f"steps_to_tolerance({c:g}I, [3, −4], lr={lr}, beta=0, tol={tol:g}, 10)",
            mistakes=lambda mistakes=mistakes: loop_mistakes(student, mistakes),
            rtol=0,
            atol=0,
        )
    expected, mistakes = steps_with_mistakes(beta=0.8, **dict(RAVINE, w0=np.array([4, 3])))
    got = student.steps_to_tolerance(
        RAVINE["A"], np.array([4, 3]), RAVINE["lr"], 0.8, RAVINE["tol"], RAVINE["max_steps"]
    )
    expect_close(
        got,
        expected,
        what="steps_to_tolerance(ravine, w0=[4, 3] as ints, lr=0.02, beta=0.8)",
        mistakes=lambda: {
            key: value
            for key, value in confirmed(student, mistakes).items()
            if key in ("gradient_norm_stop", "off_by_one_steps", "strict_tolerance")
        },
        rtol=0,
        atol=0,
    )


@check(1, mistakes=["off_by_one_steps", "strict_tolerance", "gradient_norm_stop"])
def test_steps_at_the_boundaries(student):
    """steps_to_tolerance: 0 when ‖w0‖ ≤ tol already (also ‖w0‖ = tol), max_steps when the
    budget runs out first."""
    A = RAVINE["A"]
    # first a w0 so small that ‖A w0‖ ≤ tol too: there only a count one too high gives 1
    starts = (
        (np.array([1e-5, -1e-5]), "1.4e-5"),
        (np.array([3e-4, -2e-4]), "3.6e-4"),
        (np.array([1e-3, 0.0]), "= tol"),
    )
    for w0, label in starts:
        expect_close(
            student.steps_to_tolerance(A, w0, 0.02, 0.8, 1e-3, 50),
            reference_steps(A, w0, 0.02, 0.8, 1e-3, 50),
            what=f"steps_to_tolerance from ‖w0‖ {label} with tol = 1e-3 (no update is needed)",
            mistakes=lambda w0=w0: loop_mistakes(
                student,
                {
                    "off_by_one_steps": 1,
                    "strict_tolerance": reference_steps(
                        A, w0, 0.02, 0.8, 1e-3, 50, ties_stop=False
                    ),
                    "gradient_norm_stop": reference_steps(
                        A, w0, 0.02, 0.8, 1e-3, 50, stop_on="grad"
                    ),
                },
            ),
            rtol=0,
            atol=0,
        )
    for max_steps in (1, 5):
        expect_close(
            student.steps_to_tolerance(A, RAVINE["w0"], 0.02, 0.8, 1e-3, max_steps),
            reference_steps(A, RAVINE["w0"], 0.02, 0.8, 1e-3, max_steps),
            what=f"steps_to_tolerance(ravine, …, max_steps={max_steps}): the tolerance is not "
            "reached, so the budget is the answer",
            rtol=0,
            atol=0,
        )


@check(
    2,
    hidden=True,
    mistakes=["velocity_not_carried", "off_by_one_steps", "gradient_norm_stop", "strict_tolerance"],
)
def test_random_ravines(student, rng):
    """steps_to_tolerance on random ravines, learning rates and starts."""
    for _ in range(3):
        kappa, degrees = float(rng.uniform(10, 60)), float(rng.uniform(0, 90))
        A, w0 = ravine(kappa, degrees), rng.normal(scale=3, size=2)
        lr, beta = float(rng.uniform(0.2, 1.5) / kappa), float(rng.uniform(0.5, 0.9))
        expected, mistakes = steps_with_mistakes(A, w0, lr, beta, 1e-4, 2000)
        del mistakes["ema_velocity"]
        got = student.steps_to_tolerance(A, w0, lr, beta, 1e-4, 2000)
        expect_close(
            got,
            expected,
            what=f"steps_to_tolerance(κ={kappa:.3g}, lr={lr:.3g}, beta={beta:.3g})",
            mistakes=lambda mistakes=mistakes: separable(confirmed(student, mistakes)),
            rtol=0,
            atol=0,
        )
