"""Checks for exercise 7: logistic regression end to end on the breast-cancer data."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gdref import activations, datasets, models, optim
from gdref.descent import Trace, descend, logistic_objective
from grader.checking.compare import kind
from grader.checking.framework import (
    Confirmed,
    Exercise,
    Mistake,
    as_array,
    check,
    expect,
    expect_close,
    keep_confirmed,
    mismatch,
    shown_by,
    unpack,
)
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from collections.abc import Callable

    from grader.checking.plugin import Student

ACCURACY_TARGET = 0.95
CONVERGENCE_CHECK = (
    "        if k >= 1 and abs(J - losses[-2]) <= tol * abs(losses[-2]):\n"
    '            return W, b, np.array(losses), "converged"\n'
)

EXERCISE = Exercise(
    name="logistic_regression",
    order=7,
    file="07_logistic_regression.py",
    to_write=("sigmoid", "standardize", "loss_and_gradients", "train", "predict", "accuracy"),
    title="Logistic regression end to end",
    summary="Standardise the breast-cancer features, train logistic regression with a "
    "convergence test and an iteration budget, and reach 95 % test accuracy.",
    hints=(
        "standardize: μ and s come from X_train only, and both sets are transformed with them.",
        "Compute J from z with np.logaddexp(0, -z) and np.logaddexp(0, z): never log(0).",
        "dJ/dz = (σ(z) − y)/m; dW = Xᵀ dJ/dz, db = Σ dJ/dz.",
        "Convergence is relative: stop (without updating) when |J_k − J_{k−1}| ≤ tol·|J_{k−1}|.",
        "predict returns integer labels 0/1 (σ ≥ 0.5 → 1), not probabilities.",
    ),
    mistakes=(
        Mistake(
            id="sigmoid_overflow",
            message="Your sigmoid computes np.exp(-z) for every z, which overflows (a "
            "RuntimeWarning) for large negative z.",
            hint="Use e = np.exp(-np.abs(z)) and choose 1/(1+e) or e/(1+e) by the sign of z.",
            mutant=[
                (
                    "    e = np.exp(-np.abs(z))\n"
                    "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
                    "    return 1.0 / (1.0 + np.exp(-z))\n",
                )
            ],
            functions=("sigmoid",),
        ),
        Mistake(
            id="test_own_statistics",
            message="You standardised the test set with its own mean and standard deviation; "
            "it must use the training set's μ and s.",
            hint="Compute μ and s once, from X_train, and apply them to both sets.",
            mutant=[
                (
                    "    return (X_train - mu) / s, (X_test - mu) / s\n",
                    "    return (X_train - mu) / s, (X_test - X_test.mean(axis=0)) / "
                    "X_test.std(axis=0)\n",
                )
            ],
        ),
        Mistake(
            id="pooled_statistics",
            message="You computed μ and s from the training and test sets together: the test "
            "set leaks into the preprocessing.",
            hint="Use X_train alone for μ and s.",
            mutant=[
                (
                    "    mu = X_train.mean(axis=0)\n    s = X_train.std(axis=0)\n",
                    "    both = np.vstack([X_train, X_test])\n"
                    "    mu = both.mean(axis=0)\n    s = both.std(axis=0)\n",
                )
            ],
        ),
        Mistake(
            id="log_of_zero",
            message="Your loss takes log(σ(z)) and log(1 − σ(z)) directly, which gives inf or "
            "nan once σ(z) rounds to 0 or 1 (confident predictions).",
            hint="Use log σ(z) = −logaddexp(0, −z) and log(1 − σ(z)) = −logaddexp(0, z).",
            mutant=[
                (
                    "    J = float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * "
                    "np.logaddexp(0.0, z)))\n",
                    "    p = sigmoid(z)\n"
                    "    J = float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))\n",
                )
            ],
        ),
        Mistake(
            id="gradient_sum_not_mean",
            message="Your gradients are m times too large: dJ/dz is missing the 1/m.",
            hint="dJ/dz = (σ(z) − y)/m because J is the mean over m examples.",
            mutant=[("    dz = (sigmoid(z) - y) / m\n", "    dz = sigmoid(z) - y\n")],
        ),
        Mistake(
            id="tol_ignored",
            message="Your training never stops early: it ignores the convergence test and "
            "always runs max_steps updates.",
            hint="At each iteration k ≥ 1 compare J_k with J_{k−1} and stop when the relative "
            "change is ≤ tol.",
            mutant=[(CONVERGENCE_CHECK, "")],
        ),
        Mistake(
            id="absolute_tol",
            message="Your convergence test is absolute (|J_k − J_{k−1}| ≤ tol); it should be "
            "relative: |J_k − J_{k−1}| ≤ tol · |J_{k−1}|.",
            hint="Multiply tol by the previous loss.",
            mutant=[
                (
                    "abs(J - losses[-2]) <= tol * abs(losses[-2]):",
                    "abs(J - losses[-2]) <= tol:",
                )
            ],
        ),
        Mistake(
            id="relative_to_new_loss",
            message="Your convergence test divides by the new loss (|J_k − J_{k−1}| ≤ tol·|J_k|); "
            "the instructions measure the change relative to the previous one, tol·|J_{k−1}|.",
            hint="Compare abs(J - previous) with tol * abs(previous), previous being J_{k−1}.",
            mutant=[
                (
                    "abs(J - losses[-2]) <= tol * abs(losses[-2]):",
                    "abs(J - losses[-2]) <= tol * abs(J):",
                )
            ],
        ),
        Mistake(
            id="predict_bools",
            message="Your predict returns True/False; the instructions ask for integer labels "
            "0/1 (an array of ints).",
            hint="Convert the comparison: (p >= 0.5).astype(int).",
            mutant=[("    return (p >= 0.5).astype(int)\n", "    return p >= 0.5\n")],
        ),
        Mistake(
            id="predict_probabilities",
            message="Your predict returns probabilities σ(XW + b); it should return the labels "
            "0/1.",
            hint="Threshold the probabilities: (p >= 0.5).astype(int).",
            mutant=[("    return (p >= 0.5).astype(int)\n", "    return p\n")],
        ),
        Mistake(
            id="accuracy_count",
            message="Your accuracy is the number of correct predictions; it should be the "
            "fraction (between 0 and 1).",
            hint="Divide by the number of examples: np.mean(y_true == y_pred).",
            mutant=[
                (
                    "    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))\n",
                    "    return float(np.sum(np.asarray(y_true) == np.asarray(y_pred)))\n",
                )
            ],
        ),
    ),
)


@remembered
def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The breast-cancer data, split 75/25 with seed 0 (as raw, unstandardised features)."""
    X, y, _ = datasets.breast_cancer()
    return datasets.train_test_split(X, y, test_fraction=0.25, seed=0)


@remembered
def standardized() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X_train, X_test, y_train, y_test = split()
    X_train_std, mean, std = datasets.standardize(X_train)
    X_test_std, _, _ = datasets.standardize(X_test, mean, std)
    return X_train_std, X_test_std, y_train, y_test


@remembered
def standardize(
    X: np.ndarray, mean: np.ndarray | None = None, std: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """gdref's standardisation: (X_std, mean, std)."""
    return datasets.standardize(X, mean, std)


@remembered
def reference_sigmoid(z: np.ndarray) -> np.ndarray:
    """gdref's stable sigmoid."""
    return activations.sigmoid(z)


@remembered
def predict_with_mistakes(
    X: np.ndarray, W: np.ndarray, b: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """gdref's labels, and the probabilities a predict that forgets to threshold returns."""
    return models.logistic_predict(X, W, b), {
        "predict_probabilities": models.logistic_predict_proba(X, W, b)
    }


def random_binary_problem(
    rng: np.random.Generator, m: int, n: int, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    X = rng.normal(size=(m, n))
    W, b = scale * rng.normal(size=n), float(scale * rng.normal())
    y = (rng.random(m) < reference_sigmoid(X @ W + b)).astype(float)
    return X, y, W, b


@remembered
def loss_and_grads(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float
) -> tuple[float, np.ndarray, float]:
    dW, db = models.logistic_grads(X, y, W, b)
    return models.logistic_loss(X, y, W, b), dW, db


@remembered
def loss_mistakes(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> dict[str, tuple]:
    J, dW, db = loss_and_grads(X, y, W, b)
    m = y.size
    with np.errstate(all="ignore"):
        p = activations.sigmoid(X @ W + b)
        naive = float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
    return {"log_of_zero": (naive, dW, db), "gradient_sum_not_mean": (J, m * dW, m * db)}


@remembered
def run(X: np.ndarray, y: np.ndarray, lr: float, max_steps: int, tol: float | None = None) -> Trace:
    """gdref.descend from zeros: (W, b, losses, stop reason) in the exercise's terms."""
    trace = descend(
        logistic_objective(),
        (np.zeros(X.shape[1]), 0.0),
        optim.sgd(lr),
        X=X,
        y=y,
        max_steps=max_steps,
        tol=tol,
    )
    return trace


@remembered
def reference_train(
    X: np.ndarray, y: np.ndarray, lr: float, max_steps: int, tol: float | None = None
) -> tuple[np.ndarray, float, np.ndarray, str, int]:
    """gdref's run in the exercise's terms: (W, b, losses, stop reason), and its steps."""
    trace = run(X, y, lr, max_steps, tol)
    return (*as_result(trace), trace.stop_reason, trace.steps)


def as_result(trace: Trace, upto: int | None = None) -> tuple[np.ndarray, float, np.ndarray]:
    """The exercise's (W, b, losses) from a gdref trace (optionally cut at iteration ``upto``)."""
    if upto is None:
        W, b = trace.params
        return np.asarray(W), float(b), np.array(trace.losses)
    W, b = trace.params_history[upto]
    return np.asarray(W), float(b), np.array(trace.losses[: upto + 1])


@remembered
def train_mistakes(
    X: np.ndarray, y: np.ndarray, lr: float, max_steps: int, tol: float
) -> dict[str, tuple]:
    full = run(X, y, lr, max_steps)  # no tol: every step
    mistakes = {"tol_ignored": as_result(full)}
    J = np.asarray(full.losses)
    changes = np.abs(np.diff(J))
    stops = np.flatnonzero(changes <= tol)
    if stops.size:
        mistakes["absolute_tol"] = as_result(full, int(stops[0]) + 1)
    with np.errstate(all="ignore"):
        big = run(X, y, lr * X.shape[0], max_steps, tol)
    if big.stop_reason != "diverged":
        mistakes["gradient_sum_not_mean"] = as_result(big)
    # on every run, not only where tol is chosen to show it: a run that stops as this rule
    # would there and elsewhere as no rule does is some other stop, and must not be named so
    later = np.flatnonzero(changes <= tol * np.abs(J[1:]))
    if later.size:
        new_loss = as_result(full, int(later[0]) + 1)
        if all(mismatch(new_loss, value) is not None for value in mistakes.values()):
            mistakes["relative_to_new_loss"] = new_loss
    return mistakes


TRAIN_NAMES = ("W", "b", "losses")
TRAIN_RESULT = (*TRAIN_NAMES, "reason")


def check_train(
    student: Student,
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    max_steps: int,
    tol: float,
    *,
    result: tuple | None = None,
    mistakes: Callable[[], dict[str, tuple]] | None = None,
) -> None:
    """Compare the learner's train with gdref's run; ``mistakes`` (a callable) is only called,
    to build the mistakes' runs, when the result is wrong or the judgement weighs a name."""
    what = f"train(X of shape {X.shape}, y, {lr:g}, {max_steps}, {tol:g})"
    got = unpack(student.train(X, y, lr, max_steps, tol), TRAIN_RESULT, what)
    result = result or reference_train(X, y, lr, max_steps, tol)
    expected, reason = result[:3], result[3]

    def confirm(wrong: dict[str, object]) -> dict[str, object]:
        # a gradient m times too large is named only if the learner's own gradient is
        # (a train with a wrong update rule can give the same run)
        W0, b0 = np.zeros(X.shape[1]), 0.0
        shown = shown_by(
            student.loss_and_gradients(X, y, W0, b0),
            loss_and_grads(X, y, W0, b0),
            loss_mistakes(X, y, W0, b0),
            what="loss_and_gradients at W = 0, b = 0",
        )
        return keep_confirmed(wrong, ["gradient_sum_not_mean"], shown)

    values = mistakes or partial(train_mistakes, X, y, lr, max_steps, tol)
    expect_close(
        got[:3],
        expected,
        what=f"{what} → (W, b, losses)",
        mistakes=Confirmed(values, confirm),
        names=TRAIN_NAMES,
        curves="losses",
    )
    expect(
        type(got[3]) is str and got[3] == reason,
        f"{what} stopped with reason {got[3]!r}, expected {reason!r}",
    )


@remembered
def fixed_run(lr: float, max_steps: int, tol: float) -> tuple:
    """gdref's run on the standardised training data (reference_train's result)."""
    X_train, _, y_train, _ = standardized()
    return reference_train(X_train, y_train, lr, max_steps, tol)


@remembered
def fixed_train_mistakes(lr: float, max_steps: int, tol: float) -> dict[str, tuple]:
    X_train, _, y_train, _ = standardized()
    return train_mistakes(X_train, y_train, lr, max_steps, tol)


@remembered
def fixed_accuracy(lr: float, max_steps: int, tol: float) -> float:
    """The test accuracy of gdref's run on the standardised training data."""
    W, b = fixed_run(lr, max_steps, tol)[:2]
    _, X_test, _, y_test = standardized()
    return float(np.mean(models.logistic_predict(X_test, W, b) == y_test))


def check_fixed_train(student: Student, lr: float, max_steps: int, tol: float) -> None:
    X_train, _, y_train, _ = standardized()
    check_train(
        student,
        X_train,
        y_train,
        lr,
        max_steps,
        tol,
        result=fixed_run(lr, max_steps, tol),
        mistakes=partial(fixed_train_mistakes, lr, max_steps, tol),
    )


@check(1)
def test_sigmoid(student, rng):
    """sigmoid: σ(z) element-wise, finite and exact for |z| up to 1000."""
    for z in (np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0]), rng.normal(0, 5, size=9)):
        expect_close(
            student.sigmoid(z),
            reference_sigmoid(z),
            what=f"sigmoid({np.array2string(z, precision=3, threshold=8)})",
        )


def expect_no_warnings(student: Student, what: str, *, mistake: str | None = None) -> None:
    """The instructions forbid warnings: fail on any the last call raised."""
    expect(
        not student.warnings,
        f"{what} raised warnings, which the instructions rule out: {'; '.join(student.warnings)}",
        mistake=mistake if any("overflow" in w for w in student.warnings) else None,
    )


@check(1, mistakes=["sigmoid_overflow"])
def test_sigmoid_no_warnings(student):
    """sigmoid for z from −1e4 to 1e4, float64 and float32: no overflow, not even one kept quiet
    by np.errstate, np.seterr or a warnings filter (the grader lets NumPy's warnings through)."""
    unsilenced = student.instrumented(unsilenced=True)
    for z in (
        np.array([-1e4, -1000.0, -710.0, -100.0, 0.0, 100.0, 710.0, 1000.0, 1e4]),
        np.array([-1000.0, -100.0, -89.0, 0.0, 89.0, 100.0, 1000.0], dtype=np.float32),
    ):
        what = f"sigmoid([{z[0]:g}, …, {z[-1]:g}] as {z.dtype})"
        got = unsilenced.sigmoid(z)
        expect_no_warnings(student, what, mistake="sigmoid_overflow")
        # a point for no warnings is earned by values too (within the default tolerance)
        expect_close(got, reference_sigmoid(z.astype(float)), what=what)


@check(1)
def test_standardize_constant_column(student, rng):
    """standardize: a column that is constant in the training set is only centred (s = 0 → 1)."""
    X_train, X_test = rng.normal(5.0, 2.0, size=(8, 3)), rng.normal(5.0, 2.0, size=(4, 3))
    X_train[:, 1] = 3.0
    X_test[:, 1] = np.array([3.0, 2.5, 3.0, 4.0])
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0  # the instructions' rule, applied to gdref's standardisation
    expected = (
        standardize(X_train, mean, std)[0],
        standardize(X_test, mean, std)[0],
    )
    expect_close(
        student.standardize(X_train, X_test),
        expected,
        what="standardize(X_train, X_test) with column 1 constant (3.0) in X_train",
        names=("X_train_std", "X_test_std"),
    )


@check(2, mistakes=["test_own_statistics", "pooled_statistics"])
def test_standardize(student):
    """standardize: both sets scaled with the training set's column means and std (ddof = 0)."""
    X_train, X_test, _, _ = split()
    expected_train, mean, std = standardize(X_train)
    expected_test = standardize(X_test, mean, std)[0]
    own = standardize(X_test)[0]
    both = np.vstack([X_train, X_test])
    pooled_mean, pooled_std = both.mean(axis=0), both.std(axis=0)
    expect_close(
        student.standardize(X_train, X_test),
        (expected_train, expected_test),
        what="standardize(X_train, X_test) on the breast-cancer split",
        names=("X_train_std", "X_test_std"),
        mistakes={
            "test_own_statistics": (expected_train, own),
            "pooled_statistics": (
                standardize(X_train, pooled_mean, pooled_std)[0],
                standardize(X_test, pooled_mean, pooled_std)[0],
            ),
        },
    )


@check(2, mistakes=["gradient_sum_not_mean", "log_of_zero"])
def test_loss_and_gradients(student, rng):
    """loss_and_gradients: mean BCE and (Xᵀ(σ(z) − y)/m, Σ(σ(z) − y)/m) on random problems."""
    for m, n in ((10, 3), (40, 6)):
        X, y, W, b = random_binary_problem(rng, m, n)
        expect_close(
            student.loss_and_gradients(X, y, W, b),
            loss_and_grads(X, y, W, b),
            what=f"loss_and_gradients(X of shape {X.shape}, y, W, b)",
            mistakes=loss_mistakes(X, y, W, b),
            names=("J", "dW", "db"),
        )


@check(1, mistakes=["log_of_zero", "gradient_sum_not_mean"])
def test_loss_confident_predictions(student, rng):
    """loss_and_gradients stays finite when σ(z) rounds to 0 or 1 (|z| in the hundreds)."""
    X, y, W, b = random_binary_problem(rng, 12, 3, scale=200.0)
    y[:2] = 1.0 - (X[:2] @ W + b > 0)  # two confidently *wrong* examples: a finite, large loss
    expect_close(
        student.loss_and_gradients(X, y, W, b),
        loss_and_grads(X, y, W, b),
        what="loss_and_gradients with |z| up to several hundred",
        mistakes=loss_mistakes(X, y, W, b),
        names=("J", "dW", "db"),
    )
    expect_no_warnings(student, "loss_and_gradients with |z| up to several hundred")


TRAIN_MISTAKES = ["tol_ignored", "absolute_tol", "gradient_sum_not_mean", "relative_to_new_loss"]


@check(2, mistakes=TRAIN_MISTAKES)
def test_train_converges(student):
    """train (lr 0.5, tol 5e-3, ≤ 300 steps) stops by convergence at the same step as gdref."""
    check_fixed_train(student, 0.5, 300, 5e-3)  # converges after 45 steps


@check(1, mistakes=TRAIN_MISTAKES)
def test_train_budget(student):
    """train with a small budget (lr 0.1, 20 steps, tol 1e-9): stops at max_steps."""
    check_fixed_train(student, 0.1, 20, 1e-9)


@check(1, mistakes=TRAIN_MISTAKES)
def test_train_converges_at_once(student):
    """train with a loose tolerance (lr 0.1, tol 0.5): the first test, at k = 1, already
    stops it — one update, two losses, reason "converged"."""
    assert fixed_run(0.1, 50, 0.5)[4] == 1, "the reference no longer converges at k = 1"
    check_fixed_train(student, 0.1, 50, 0.5)


# the rows with y = 1 and those with y = 0 add up to the same vector, and half the labels are
# 1: at W = 0, b = 0 the gradient is exactly 0, so no update moves and J_1 = J_0 exactly
FLAT = (np.array([[1.0, 2.0], [3.0, -1.0], [2.0, 0.0], [2.0, 1.0]]), np.array([1.0, 1.0, 0.0, 0.0]))


@check(1)  # never stopping here is also what a strict < gives: no mistake is named from it
def test_train_tie_at_tol_zero(student):
    """train with tol = 0 where the gradient at the start is exactly 0: J_1 = J_0, a change of
    exactly 0 ≤ 0 · J_0, so it stops at k = 1 ("converged", two equal losses)."""
    X, y = FLAT
    J, dW, db = loss_and_grads(X, y, np.zeros(2), 0.0)
    assert not dW.any() and db == 0.0, "the flat problem's gradient is not exactly 0"
    what = "train(X 4×2 with a zero gradient at W = 0, y, 0.5, 5, 0)"
    got = unpack(student.train(X, y, 0.5, 5, 0.0), TRAIN_RESULT, what)
    expect_close(
        got[:3],
        (np.zeros(2), 0.0, np.array([J, J])),
        what=f"{what} → (W, b, losses)",
        names=TRAIN_NAMES,
        curves="losses",
    )
    expect(
        type(got[3]) is str and got[3] == "converged",
        f"{what} stopped with reason {got[3]!r}, expected 'converged' (a change of 0 is ≤ 0)",
    )


@remembered
def boundary_problem() -> tuple[np.ndarray, np.ndarray, float, float]:
    """A small problem and a tol between the k = 3 change relative to J_2 (smaller: the loss
    falls) and the same change relative to J_3, so only the previous loss stops it at k = 3."""
    rng = np.random.default_rng(7)
    X, y, _, _ = random_binary_problem(rng, 30, 3, scale=2.0)
    full = run(X, y, 1.0, 12)
    J = np.asarray(full.losses)
    change = np.abs(np.diff(J))
    tol = float((change[2] / J[2] + change[2] / J[3]) / 2)
    assert np.all(change[:2] / J[:2] > tol), "the boundary problem's changes do not shrink"
    return X, y, 1.0, tol


@check(1, mistakes=TRAIN_MISTAKES)
def test_train_tol_boundary(student):
    """train with tol just above the k = 3 change relative to J_2 and just below it relative to
    J_3: it stops at k = 3, because the change is measured against the previous loss."""
    X, y, lr, tol = boundary_problem()
    result = reference_train(X, y, lr, 12, tol)
    assert result[4] == 3, "the reference does not stop at k = 3"
    assert "relative_to_new_loss" in train_mistakes(X, y, lr, 12, tol), "no new-loss stop"
    check_train(student, X, y, lr, 12, tol, result=result)


@check(1)  # with m = 1 a missing 1/m changes nothing: no mistake can be told apart here
def test_edges(student):
    """m = 1 and int inputs: loss_and_gradients on one example, and standardize with a single
    training row (every column constant: centred, divided by 1)."""
    X, y, W, b = np.array([[2, -1, 0]]), np.array([1]), np.array([0.5, 0.25, -1.0]), 0.5
    Xf, yf = X.astype(float), y.astype(float)
    expect_close(
        student.loss_and_gradients(X, y, W, b),
        loss_and_grads(Xf, yf, W, b),
        what="loss_and_gradients(X = [[2, −1, 0]], y = [1], W, 0.5) (m = 1, ints)",
        names=("J", "dW", "db"),
    )
    X_train, X_test = np.array([[1.0, 5.0, -2.0]]), np.array([[2.0, 5.0, 0.0], [1.0, 4.0, -2.0]])
    expect_close(
        student.standardize(X_train, X_test),
        (X_train - X_train, X_test - X_train),  # s = 0 in every column: only centred
        what="standardize(one training row, two test rows)",
        names=("X_train_std", "X_test_std"),
    )


@check(1, hidden=True, mistakes=TRAIN_MISTAKES)
def test_train_random(student, rng):
    """train on a random problem with a random learning rate and tolerance."""
    X, y, _, _ = random_binary_problem(rng, 60, 4)
    check_train(student, X, y, float(rng.uniform(0.1, 1.0)), 150, float(rng.uniform(1e-4, 1e-2)))


@check(1, mistakes=["predict_probabilities", "predict_bools"])
def test_predict(student, rng):
    """predict: an array of ints, 1 where σ(XW + b) ≥ 0.5 (z = 0, the boundary, gives 1), also
    for one example (m = 1)."""
    X, _, W, b = random_binary_problem(rng, 15, 3)
    X[0] = 0.0
    cases = [(X, W, b), (X, W, 0.0), (np.array([[0.5, -1.0, 0.5]]), np.array([1.0, 1.0, 1.0]), 0.0)]
    for X, W, bias in cases:
        what = f"predict(X of shape {X.shape}, W, {bias:.3g})"
        got = student.predict(X, W, bias)
        expected, mistakes = predict_with_mistakes(X, W, bias)
        expect_close(got, expected, what=what, mistakes=mistakes)
        expect(
            isinstance(got, np.ndarray) and got.dtype.kind in "iu",
            f"{what} returned {kind(got)}, expected an array of ints (0/1), as the instructions "
            "say",
            mistake="predict_bools" if isinstance(got, np.ndarray) and got.dtype == bool else None,
        )


@check(1, mistakes=["accuracy_count"])
def test_accuracy(student, rng):
    """accuracy: the fraction of matching labels."""
    for m in (4, 25):
        y_true = rng.integers(0, 2, size=m)
        y_pred = np.where(rng.random(m) < 0.3, 1 - y_true, y_true)
        ones = predict_with_mistakes(np.zeros((m, 1)), np.zeros(1), 0.0)[0]  # σ(0) ≥ 0.5: all 1
        fraction = float(np.mean(y_true == y_pred))
        expect_close(
            student.accuracy(y_true, y_pred),
            fraction,
            what=f"accuracy(<{m} labels>, <{m} predictions>)",
            mistakes={"accuracy_count": float(np.sum(y_true == y_pred))},
        )
        expect_close(
            student.accuracy(y_true, ones),
            float(np.mean(y_true == ones)),
            what=f"accuracy(<{m} labels>, all ones)",
            mistakes={"accuracy_count": float(np.sum(y_true == ones))},
        )


@check(2)
def test_accuracy_target(student):
    """end to end: your standardize, train and predict reach ≥ 95 % accuracy on the test set."""
    X_train, X_test, y_train, y_test = split()
    X_train_std, X_test_std = unpack(
        student.standardize(X_train, X_test),
        ("X_train_std", "X_test_std"),
        "standardize(X_train, X_test)",
    )
    W, b, _, _ = unpack(
        student.train(X_train_std, y_train, 0.5, 300, 5e-3),
        TRAIN_RESULT,
        "train(X_train_std, y_train, 0.5, 300, 5e-3)",
    )
    predicted = as_array(student.predict(X_test_std, W, b), "predict(X_test_std, W, b)")
    predicted = predicted.reshape(-1)
    expect(
        predicted.shape == y_test.shape,
        f"predict returned {predicted.size} labels for {y_test.size} test examples",
    )
    got = float(np.mean(predicted == y_test))
    if got < ACCURACY_TARGET:  # the reference's accuracy, for the message (only when it fails)
        reference_accuracy = fixed_accuracy(0.5, 300, 5e-3)
        expect(
            False,
            f"test accuracy {got:.3f} (standardize, then train with lr 0.5, max_steps 300, "
            f"tol 5e-3, then predict) is below the target {ACCURACY_TARGET:.2f} "
            f"(the reference reaches {reference_accuracy:.3f})",
        )
