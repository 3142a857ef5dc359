"""Checks for exercise 8: batch, stochastic and mini-batch gradient descent, seeded shuffling."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gdref import datasets, models, optim
from gdref.descent import descend, linear_objective
from grader.checking.framework import Exercise, Mistake, check, expect_close
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from grader.checking.plugin import Student

EXERCISE = Exercise(
    name="minibatch",
    order=8,
    file="08_minibatch.py",
    to_write=("num_batches", "split_batches", "batch_schedule", "minibatch_descent"),
    title="Batch, stochastic and mini-batch gradient descent",
    summary="Cut shuffled epochs into batches (the last one partial), draw the shuffles from one "
    "seeded generator, and run mini-batch descent on linear regression.",
    hints=(
        "An epoch of m examples in batches of B makes ⌈m / B⌉ updates: -(-m // B).",
        "split_batches: order[0:B], order[B:2B], …; the last slice is shorter, keep it.",
        "Create rng = np.random.default_rng(seed) once, before the epoch loop; call "
        "rng.permutation(m) once per epoch.",
        "Average over the examples in the batch: divide by the batch's own size, not by m.",
    ),
    mistakes=(
        Mistake(
            id="floor_batches",
            message="You rounded m / B down (m // B, or to the nearest integer, which rounds "
            "down here): the last, partial batch counts too (⌈m / B⌉).",
            hint="Round up: -(-m // batch_size), or math.ceil(m / batch_size).",
            mutant=[("    return -(-m // batch_size)\n", "    return m // batch_size\n")],
        ),
        Mistake(
            id="drop_partial_batch",
            message="You dropped the last, partial batch of each epoch; it must be kept so every "
            "example is used once per epoch.",
            hint="Slice up to the end: range(0, len(order), batch_size) — the final slice may "
            "be shorter than batch_size.",
            mutant=[
                (
                    "range(0, order.size, batch_size)",
                    "range(0, order.size - batch_size + 1, batch_size)",
                )
            ],
        ),
        Mistake(
            id="no_shuffle",
            message="Your batches follow the original order 0, 1, 2, …; each epoch should use a "
            "fresh random order rng.permutation(m).",
            hint="Shuffle every epoch: split_batches(rng.permutation(m), batch_size).",
            mutant=[
                (
                    "split_batches(rng.permutation(m), batch_size)",
                    "split_batches(np.arange(m), batch_size)",
                )
            ],
        ),
        Mistake(
            id="same_order_every_epoch",
            message="Every epoch uses the same order: you re-create the generator from the seed "
            "inside the epoch loop.",
            hint="Create the generator once, before the loop; each rng.permutation(m) call then "
            "gives a new order.",
            mutant=[
                (
                    "    rng = np.random.default_rng(seed)\n"
                    "    batches: list[np.ndarray] = []\n"
                    "    for _ in range(epochs):\n",
                    "    batches: list[np.ndarray] = []\n"
                    "    for _ in range(epochs):\n"
                    "        rng = np.random.default_rng(seed)\n",
                )
            ],
        ),
        Mistake(
            id="mean_over_m",
            message="You divided the batch gradient by m (all examples) instead of by the batch "
            "size, so your steps are B/m times too small.",
            hint="The batch loss is the mean over the batch: divide by len(batch).",
            mutant=[
                (
                    "        W = W - lr * (Xb.T @ r / size)\n"
                    "        b = b - lr * float(np.sum(r) / size)\n",
                    "        W = W - lr * (Xb.T @ r / X.shape[0])\n"
                    "        b = b - lr * float(np.sum(r) / X.shape[0])\n",
                )
            ],
        ),
    ),
)


@remembered
def gdref_batches(m: int, batch_size: int, epochs: int, seed: int) -> tuple[np.ndarray, ...]:
    """The row indices of every batch gdref.descend uses, in order, recorded from inside it.

    The data X is the column of row numbers, so each X_batch the objective receives says which
    rows it holds. descend also evaluates the full data once at the end of each epoch; those
    calls are dropped (every (⌈m/B⌉ + 1)-th call).
    """
    seen: list[np.ndarray] = []

    def objective(w, X_batch, y_batch):
        seen.append(X_batch[:, 0].astype(np.int64))
        return 0.0, np.zeros_like(w)

    rows = np.arange(m, dtype=float).reshape(m, 1)
    descend(
        objective,
        np.zeros(1),
        optim.sgd(1.0),
        X=rows,
        y=np.zeros(m),
        batch_size=batch_size,
        epochs=epochs,
        max_steps=None,
        seed=seed,
    )
    per_epoch = len(seen) // epochs
    full_data_calls = seen[per_epoch - 1 :: per_epoch]
    # guard: the dropped calls must be the epoch-end evaluations on all rows, in order
    assert len(seen) == per_epoch * epochs and all(
        np.array_equal(rows_seen, np.arange(m)) for rows_seen in full_data_calls
    ), "gdref.descend no longer evaluates the full data once per epoch; update gdref_batches"
    return tuple(b for i, b in enumerate(seen) if (i + 1) % per_epoch != 0)


@remembered
def schedule_mistakes(m: int, batch_size: int, epochs: int, seed: int) -> dict[str, list]:
    right = list(gdref_batches(m, batch_size, epochs, seed))
    per_epoch = len(right) // epochs
    in_order = list(gdref_batches(m, batch_size, 1, seed))  # just for the batch sizes
    sizes = [b.size for b in in_order]
    starts = np.cumsum([0] + sizes[:-1])
    unshuffled = [np.arange(s, s + n) for s, n in zip(starts, sizes, strict=True)]
    mistakes: dict[str, list] = {
        "no_shuffle": unshuffled * epochs,
        "same_order_every_epoch": right[:per_epoch] * epochs,
    }
    if m % batch_size:
        mistakes["drop_partial_batch"] = [b for b in right if b.size == batch_size]
    return mistakes


@remembered
def run_batches(
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    batches: list[np.ndarray],
    *,
    divide_by_m: bool = False,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Mini-batch SGD over the given batches, with gdref's loss and gradient on each batch."""
    W, b, losses = np.array(W0, dtype=float), float(b0), []
    m = X.shape[0]
    for rows in batches:
        Xb, yb = X[rows], y[rows]
        losses.append(models.linear_loss(Xb, yb, W, b))
        dW, db = models.linear_grads(Xb, yb, W, b)
        scale = rows.size / m if divide_by_m else 1.0
        W, b = W - lr * scale * dW, b - lr * scale * db
    return W, b, np.array(losses)


@remembered
def reference_descent(
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
) -> tuple[np.ndarray, float, np.ndarray]:
    trace = descend(
        linear_objective,
        (np.asarray(W0, float), float(b0)),
        optim.sgd(lr),
        X=X,
        y=y,
        batch_size=batch_size,
        epochs=epochs,
        max_steps=None,
        seed=seed,
    )
    W, b = trace.params
    return np.asarray(W), float(b), np.array(trace.losses)


@remembered
def descent_mistakes(
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
) -> dict[str, tuple]:
    m = X.shape[0]
    right = list(gdref_batches(m, batch_size, epochs, seed))
    mistakes = {
        key: run_batches(X, y, W0, b0, lr, batches)
        for key, batches in schedule_mistakes(m, batch_size, epochs, seed).items()
    }
    mistakes["mean_over_m"] = run_batches(X, y, W0, b0, lr, right, divide_by_m=True)
    return mistakes


SCHEDULE_MISTAKES = ["no_shuffle", "same_order_every_epoch", "drop_partial_batch"]
DESCENT_MISTAKES = SCHEDULE_MISTAKES + ["mean_over_m"]


@check(1, mistakes=["floor_batches"])
def test_num_batches(student):
    """num_batches: ⌈m / B⌉ updates per epoch, counted from the batches gdref.descend uses."""
    for m, batch_size in [(5, 2), (10, 5), (50, 7), (50, 50), (50, 1), (9, 8)]:
        expected = len(gdref_batches(m, batch_size, 1, 0))
        expect_close(
            student.num_batches(m, batch_size),
            expected,
            what=f"num_batches({m}, {batch_size})",
            mistakes={"floor_batches": m // batch_size},
        )


@check(2, mistakes=["drop_partial_batch"])
def test_split_batches(student):
    """split_batches: one epoch's order cut into consecutive batches, the last one shorter."""
    for m, batch_size, seed in [(5, 2, 0), (12, 4, 1), (50, 7, 2), (9, 9, 3)]:
        expected = list(gdref_batches(m, batch_size, 1, seed))
        order = np.concatenate(expected)  # gdref's shuffled order for that epoch
        mistakes = {}
        if m % batch_size:
            mistakes["drop_partial_batch"] = expected[:-1]
        expect_close(
            student.split_batches(order, batch_size),
            expected,
            what=f"split_batches({np.array2string(order, threshold=8)}, {batch_size})",
            mistakes=mistakes,
        )


@check(2, mistakes=SCHEDULE_MISTAKES)
def test_batch_schedule(student):
    """batch_schedule(10, 4, 3, 0): one generator, a new permutation each epoch, as gdref."""
    for m, batch_size, epochs, seed in [(10, 4, 3, 0), (6, 6, 2, 5)]:
        expect_close(
            student.batch_schedule(m, batch_size, epochs, seed),
            list(gdref_batches(m, batch_size, epochs, seed)),
            what=f"batch_schedule({m}, {batch_size}, {epochs}, {seed})",
            mistakes=partial(schedule_mistakes, m, batch_size, epochs, seed),
        )


@check(1, hidden=True, mistakes=SCHEDULE_MISTAKES)
def test_batch_schedule_random(student, rng):
    """batch_schedule with random sizes, batch sizes, epoch counts and seeds."""
    for _ in range(3):
        m = int(rng.integers(2, 40))
        batch_size, epochs, seed = (
            int(rng.integers(1, m + 1)),
            int(rng.integers(1, 4)),
            int(rng.integers(0, 10_000)),
        )
        expect_close(
            student.batch_schedule(m, batch_size, epochs, seed),
            list(gdref_batches(m, batch_size, epochs, seed)),
            what=f"batch_schedule({m}, {batch_size}, {epochs}, {seed})",
            mistakes=partial(schedule_mistakes, m, batch_size, epochs, seed),
        )


def check_descent(
    student: Student,
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
    label: str,
) -> None:
    args = (X, y, W0, b0, lr, batch_size, epochs, seed)
    expect_close(
        student.minibatch_descent(*args),
        reference_descent(*args),
        what=f"minibatch_descent({label}, lr={lr:g}, batch_size={batch_size}, epochs={epochs}, "
        f"seed={seed})",
        mistakes=partial(descent_mistakes, *args),
        names=("W", "b", "losses"),
        curves="losses",
    )


@remembered
def commute_times(m: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The lesson's commute data set (gdref.datasets)."""
    return datasets.commute_times(m=m, seed=seed)


@check(1, mistakes=DESCENT_MISTAKES)
def test_stochastic_descent(student):
    """minibatch_descent with B = 1 (stochastic GD) on 20 commute examples, 2 epochs."""
    X, y = commute_times(m=20, seed=3)
    check_descent(student, X, y, np.zeros(1), 0.0, 0.002, 1, 2, 7, "20 commutes, W0=[0], b0=0")


@check(2, mistakes=DESCENT_MISTAKES)
def test_minibatch_descent(student):
    """minibatch_descent with B = 7 on 50 commute examples, 3 epochs (last batch of 1)."""
    X, y = commute_times()
    check_descent(student, X, y, np.zeros(1), 0.0, 0.002, 7, 3, 42, "50 commutes, W0=[0], b0=0")


@check(1, mistakes=DESCENT_MISTAKES)
def test_full_batch_descent(student):
    """minibatch_descent with B = m (batch GD): one update per epoch on all examples."""
    X, y = commute_times()
    check_descent(student, X, y, np.zeros(1), 0.0, 0.004, 50, 5, 0, "50 commutes, W0=[0], b0=0")


@check(1, mistakes=DESCENT_MISTAKES)
def test_descent_edges(student):
    """minibatch_descent with two features and a non-zero start (m = 9, B = 4: a last batch of
    1), and with a single example (m = 1, B = 1: every update on it); batch_schedule with
    m = 1."""
    rng = np.random.default_rng(21)
    X = rng.normal(size=(9, 2))
    y = X @ np.array([1.5, -0.5]) + 0.3 + 0.1 * rng.normal(size=9)
    check_descent(student, X, y, np.array([0.2, 0.1]), 0.5, 0.1, 4, 2, 3, "X of shape (9, 2)")
    one_x, one_y = np.array([[2.0, -1.0]]), np.array([1.0])
    check_descent(student, one_x, one_y, np.zeros(2), 0.0, 0.1, 1, 3, 0, "one example")
    expect_close(
        student.batch_schedule(1, 1, 2, 0),
        list(gdref_batches(1, 1, 2, 0)),
        what="batch_schedule(1, 1, 2, 0) (one example, two epochs)",
    )


@check(1, hidden=True, mistakes=DESCENT_MISTAKES)
def test_descent_random(student, rng):
    """minibatch_descent on random problems, batch sizes and seeds."""
    for _ in range(2):
        m, n = int(rng.integers(5, 30)), int(rng.integers(1, 4))
        X = rng.normal(size=(m, n))
        y = X @ rng.normal(size=n) + rng.normal(size=m)
        batch_size, seed = int(rng.integers(1, m + 1)), int(rng.integers(0, 10_000))
        check_descent(
            student,
            X,
            y,
            rng.normal(size=n),
            float(rng.normal()),
            0.05,
            batch_size,
            2,
            seed,
            f"random X of shape {X.shape}",
        )
