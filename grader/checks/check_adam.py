"""Checks for exercise 9: Adam with bias correction (ε after √v̂) and explicit state."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gdref import optim
from gdref.descent import Objective, descend
from gdref.optim import AdamState
from grader.checking.compare import kind
from grader.checking.framework import Exercise, Mistake, check, expect, expect_close
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from grader.checking.plugin import Student

EXERCISE = Exercise(
    name="adam",
    order=9,
    file="09_adam.py",
    to_write=("adam_init", "adam_step", "adam_minimize_quadratic"),
    title="Adam with bias correction",
    summary="Adam's first and second moments, their bias correction, ε after the square root, "
    "and state carried explicitly from step to step.",
    hints=(
        "The state is a dict {'m': …, 'v': …, 't': …}; adam_step returns a new one with t + 1.",
        "Use the new t (1 on the first step) in the corrections 1 − β₁ᵗ and 1 − β₂ᵗ.",
        "v averages g², the element-wise square of the gradient.",
        "ε goes outside the square root: m̂ / (√v̂ + ε).",
        "In adam_minimize_quadratic, call adam_init once and pass each returned state on.",
    ),
    mistakes=(
        Mistake(
            id="no_bias_correction",
            message="You skipped the bias correction: you used m and v where m̂ = m/(1 − β₁ᵗ) "
            "and v̂ = v/(1 − β₂ᵗ) are needed.",
            hint="Divide m by (1 − b1**t) and v by (1 − b2**t), with t = 1 on the first step.",
            mutant=[
                ("    m_hat = m / (1.0 - b1**t)\n", "    m_hat = m\n"),
                ("    v_hat = v / (1.0 - b2**t)\n", "    v_hat = v\n"),
            ],
        ),
        Mistake(
            id="eps_inside_sqrt",
            message="You put ε inside the square root, √(v̂ + ε); PyTorch's Adam (and this "
            "exercise) adds it after: √v̂ + ε.",
            hint="new θ = θ − α · m̂ / (np.sqrt(v_hat) + eps).",
            mutant=[("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")],
        ),
        Mistake(
            id="no_epsilon",
            message="You left ε out: m̂ / √v̂ divides by (almost) zero when a gradient is tiny; "
            "Adam adds ε after the square root: m̂ / (√v̂ + ε).",
            hint="new θ = θ − α · m̂ / (np.sqrt(v_hat) + eps).",
            mutant=[("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat)")],
        ),
        Mistake(
            id="keras_epsilon",
            message="You used the Keras/TensorFlow form α·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m/(√v + ε), "
            "which adds ε before the bias correction; here ε goes after √v̂.",
            hint="Correct m and v first (m̂, v̂), then divide: m̂ / (√v̂ + ε).",
            mutant=[
                (
                    "    new_params = np.asarray(params, dtype=float) - lr * m_hat / "
                    "(np.sqrt(v_hat) + eps)\n",
                    "    lr_t = lr * np.sqrt(1.0 - b2**t) / (1.0 - b1**t)\n"
                    "    new_params = np.asarray(params, dtype=float) - lr_t * m / "
                    "(np.sqrt(v) + eps)\n",
                )
            ],
        ),
        Mistake(
            id="t_not_advanced",
            message="The state you return keeps the old step count t; it must hold the new one "
            "(t + 1), or the next step's bias correction is wrong.",
            hint='Return {"m": m, "v": v, "t": t} with the incremented t.',
            mutant=[
                (
                    '    return new_params, {"m": m, "v": v, "t": t}\n',
                    '    return new_params, {"m": m, "v": v, "t": int(state["t"])}\n',
                )
            ],
        ),
        Mistake(
            id="state_not_carried",
            message="Your loop starts every step from a fresh state, so Adam forgets its moving "
            "averages and every step is about ±α.",
            hint="Call adam_init once before the loop and pass the returned state to the next "
            "adam_step.",
            mutant=[
                (
                    "        w, state = adam_step(w, A @ (w - c), state, lr, b1, b2, eps)\n",
                    "        w, state = adam_step(w, A @ (w - c), adam_init(w), lr, b1, b2, eps)\n",
                )
            ],
        ),
        Mistake(
            id="hyperparameters_not_passed",
            message="Your adam_minimize_quadratic does not pass b1, b2 and eps on to adam_step, "
            "so every run uses the defaults whatever the caller asked for.",
            hint="Call adam_step(w, grad, state, lr, b1, b2, eps) with the loop's own arguments.",
            mutant=[
                (
                    "        w, state = adam_step(w, A @ (w - c), state, lr, b1, b2, eps)\n",
                    "        w, state = adam_step(w, A @ (w - c), state, lr)\n",
                )
            ],
        ),
    ),
)


@remembered
def gdref_step(
    params: np.ndarray,
    grads: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, int]]:
    """One step by gdref.optim.adam from the state (m, v, t): (params, (m, v, t))."""
    opt = optim.adam(lr, b1, b2, eps)
    new, state = opt.step(
        np.asarray(params, float),
        np.asarray(grads, float),
        AdamState(count=t, m=np.asarray(m, float), v=np.asarray(v, float)),
    )
    return np.asarray(new), (np.asarray(state.m), np.asarray(state.v), int(state.count))


@remembered
def variant_step(
    kind: str,
    params: np.ndarray,
    grads: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, int]]:
    """What each catalogued mistake computes for one step, from gdref's moment updates."""
    right, (m1, v1, t1) = gdref_step(params, grads, m, v, t, lr, b1, b2, eps)
    if kind == "no_bias_correction":
        return params - lr * m1 / (np.sqrt(v1) + eps), (m1, v1, t1)
    if kind == "eps_inside_sqrt":
        m_hat, v_hat = m1 / (1 - b1**t1), v1 / (1 - b2**t1)
        return params - lr * m_hat / np.sqrt(v_hat + eps), (m1, v1, t1)
    if kind == "no_epsilon":
        m_hat, v_hat = m1 / (1 - b1**t1), v1 / (1 - b2**t1)
        return params - lr * m_hat / np.sqrt(v_hat), (m1, v1, t1)
    if kind == "keras_epsilon":
        lr_t = lr * np.sqrt(1 - b2**t1) / (1 - b1**t1)
        return params - lr_t * m1 / (np.sqrt(v1) + eps), (m1, v1, t1)
    if kind == "t_not_advanced":
        return right, (m1, v1, t)
    raise KeyError(kind)


STEP_MISTAKES = [
    "no_bias_correction",
    "eps_inside_sqrt",
    "no_epsilon",
    "keras_epsilon",
    "t_not_advanced",
]


@remembered
def step_mistakes(
    params: np.ndarray,
    grads: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
) -> dict[str, tuple]:
    return {k: variant_step(k, params, grads, m, v, t, lr, b1, b2, eps) for k in STEP_MISTAKES}


def as_state(result: tuple) -> tuple:
    """(params, (m, v, t)) as adam_step returns it: (new_params, {"m": …, "v": …, "t": …})."""
    params, (m, v, t) = result
    return params, {"m": m, "v": v, "t": t}


def check_step(
    student: Student,
    params: np.ndarray,
    grads: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
    what: str,
) -> None:
    expect_close(
        student.adam_step(params, grads, {"m": m, "v": v, "t": t}, lr, b1, b2, eps),
        as_state(gdref_step(params, grads, m, v, t, lr, b1, b2, eps)),
        what=what,
        mistakes={
            key: as_state(value)
            for key, value in step_mistakes(params, grads, m, v, t, lr, b1, b2, eps).items()
        },
        names=("new_params", "new_state"),
    )


def quadratic(A: np.ndarray, c: np.ndarray) -> Objective:
    def objective(w):
        return float(0.5 * (w - c) @ A @ (w - c)), A @ (w - c)

    return objective


@remembered
def reference_path(
    A: np.ndarray,
    c: np.ndarray,
    w0: np.ndarray,
    lr: float,
    steps: int,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> np.ndarray:
    trace = descend(
        quadratic(A, c),
        np.asarray(w0, float),
        optim.adam(lr, b1, b2, eps),
        max_steps=steps,
        divergence_factor=1e300,
    )
    assert trace.steps == steps, trace.message
    return np.array(trace.params_history)


@remembered
def variant_path(
    kind: str,
    A: np.ndarray,
    c: np.ndarray,
    w0: np.ndarray,
    lr: float,
    steps: int,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> np.ndarray:
    w = np.asarray(w0, float)
    m, v, t = np.zeros_like(w), np.zeros_like(w), 0
    path = [w]
    for _ in range(steps):
        g = A @ (w - c)
        if kind == "state_not_carried":
            w, _ = gdref_step(w, g, np.zeros_like(w), np.zeros_like(w), 0, lr, b1, b2, eps)
        elif kind == "t_not_advanced":  # the state's t stays 0: every step corrects with t = 1
            w, (m, v, _) = gdref_step(w, g, m, v, 0, lr, b1, b2, eps)
        else:
            w, (m, v, t) = variant_step(kind, w, g, m, v, t, lr, b1, b2, eps)
        path.append(w)
    return np.array(path)


PATH_MISTAKES = STEP_MISTAKES + ["state_not_carried"]
# with ε = 1e-8 on a whole path, ε inside the root and no ε at all give the same iterates (to
# the tolerance): the step checks, with a large ε, tell them apart; the paths leave them out
EPSILON_MISTAKES = ("eps_inside_sqrt", "no_epsilon")
DEFAULT_EPS_PATH_MISTAKES = [k for k in PATH_MISTAKES if k not in EPSILON_MISTAKES]


@remembered
def path_mistakes(
    A: np.ndarray,
    c: np.ndarray,
    w0: np.ndarray,
    lr: float,
    steps: int,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    kinds: list[str] = PATH_MISTAKES,
) -> dict[str, np.ndarray]:
    return {k: variant_path(k, A, c, w0, lr, steps, b1, b2, eps) for k in kinds}


def ravine(rng: np.random.Generator, n: int, condition: float) -> tuple[np.ndarray, np.ndarray]:
    """A random symmetric positive-definite A with eigenvalues from 1 to ``condition``."""
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = Q @ np.diag(np.geomspace(1.0, condition, n)) @ Q.T
    return 0.5 * (A + A.T), rng.normal(size=n)


@remembered
def reference_init(params: np.ndarray) -> dict[str, object]:
    """gdref's Adam state for ``params``, as adam_init returns it."""
    state = optim.adam().init(params)
    return {"m": state.m, "v": state.v, "t": state.count}


@check(1)
def test_init(student, rng):
    """adam_init: zero moments shaped like the parameters, t = 0."""
    for params in (np.array([1.0, -2.0]), rng.normal(size=(2, 3))):
        expect_close(
            student.adam_init(params),
            reference_init(params),
            what=f"adam_init(<array of shape {params.shape}>)",
        )


@check(2, mistakes=STEP_MISTAKES)
def test_first_step(student):
    """adam_step from a fresh state: g = [2, −0.5], α = 0.1 moves θ by ≈ ∓α per component."""
    params, grads = np.zeros(2), np.array([2.0, -0.5])
    zeros = np.zeros(2)
    check_step(
        student,
        params,
        grads,
        zeros,
        zeros,
        0,
        0.1,
        0.9,
        0.999,
        1e-8,
        "adam_step([0, 0], [2, -0.5], fresh state, lr=0.1)",
    )


@check(2, mistakes=STEP_MISTAKES)
def test_step_from_state(student, rng):
    """adam_step from a state after t steps: moments updated, bias-corrected with t + 1."""
    for t, shape in ((3, (4,)), (20, (2, 3))):
        params, grads = rng.normal(size=shape), rng.normal(size=shape)
        m, v = 0.3 * rng.normal(size=shape), 0.2 * rng.random(size=shape)
        check_step(
            student,
            params,
            grads,
            m,
            v,
            t,
            0.01,
            0.9,
            0.999,
            1e-8,
            f"adam_step(<{shape} arrays>, state with t={t}, lr=0.01)",
        )


@check(1, mistakes=STEP_MISTAKES)
def test_epsilon_placement(student, rng):
    """adam_step with a large ε = 0.1 and small gradients: ε is added after √v̂."""
    params, grads = rng.normal(size=5), 0.05 * rng.normal(size=5)
    m, v = 0.01 * rng.normal(size=5), 0.001 * rng.random(size=5)
    check_step(
        student,
        params,
        grads,
        m,
        v,
        2,
        0.05,
        0.8,
        0.99,
        0.1,
        "adam_step(<5 params>, small grads, t=2, lr=0.05, b1=0.8, b2=0.99, eps=0.1)",
    )


@check(2, mistakes=DEFAULT_EPS_PATH_MISTAKES)
def test_minimize_quadratic(student):
    """adam_minimize_quadratic on a 2-D ravine (eigenvalues 1 and 50), lr 0.1, 60 steps."""
    A = np.array([[25.5, 24.5], [24.5, 25.5]])  # eigenvalues 1 and 50
    c, w0 = np.array([1.0, -0.5]), np.array([-2.0, 3.0])
    # neither c nor w0 − c is an eigenvector of A: otherwise a gradient A·w − c (or a scaled
    # w − c, which Adam's normalisation hides) would give the right path
    for vector in (c, w0 - c):
        image = A @ vector
        cross = image[0] * vector[1] - image[1] * vector[0]  # 0 when A·v is parallel to v
        assert abs(cross) > 1e-6, "an input is an eigenvector of A"
    expect_close(
        student.adam_minimize_quadratic(A, c, w0, 0.1, 60),
        reference_path(A, c, w0, 0.1, 60),
        what="adam_minimize_quadratic(A (2×2), c, w0, lr=0.1, steps=60)",
        mistakes=partial(path_mistakes, A, c, w0, 0.1, 60, kinds=DEFAULT_EPS_PATH_MISTAKES),
        curves="w",
    )


@check(1, mistakes=STEP_MISTAKES)
def test_step_defaults_and_keywords(student, rng):
    """adam_step with its defaults (lr 1e-3, b1 0.9, b2 0.999, eps 1e-8: no argument given; the
    gradients are tiny, so that ε = 1e-8 shows) and with eps = 0.05 and b2 = 0.9 given by name
    (the others left at their defaults); the new state's t is an int."""
    params = rng.normal(size=3)
    for scale, kwargs in ((1e-7, {}), (0.1, {"eps": 0.05, "b2": 0.9})):
        grads, m, v = (
            scale * rng.normal(size=3),
            scale * rng.normal(size=3),
            scale**2 * rng.random(3),
        )
        state = {"m": m, "v": v, "t": 4}
        settings = dict({"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-8}, **kwargs)
        args = (params, grads, m, v, 4, *settings.values())
        given = ", ".join(f"{k}={v:g}" for k, v in kwargs.items()) or "no hyper-parameters"
        what = f"adam_step(<3 params>, grads of size {scale:g}, state with t=4, {given})"
        got = student.adam_step(params, grads, state, **kwargs)
        expect_close(
            got,
            as_state(gdref_step(*args)),
            what=what,
            mistakes={key: as_state(value) for key, value in step_mistakes(*args).items()},
            names=("new_params", "new_state"),
        )
        t = got[1]["t"]  # accepted above: a dict with the key t holding 5
        expect(
            isinstance(t, int) and not isinstance(t, bool),
            f"{what}: the new state's t is {kind(t)}, expected an int (the step count)",
        )


EDGE_A, EDGE_C = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([0.5, -1.0])


@check(1, mistakes=[*PATH_MISTAKES, "hyperparameters_not_passed"])
def test_minimize_edges(student):
    """adam_minimize_quadratic with b1 = 0.8, b2 = 0.99, eps = 1e-3 given by name, from an int
    w0, with one parameter (n = 1), and with 0 steps (just w0)."""
    w0 = np.array([2.0, -1.5])
    settings = {"b1": 0.8, "b2": 0.99, "eps": 1e-3}

    def mistakes() -> dict[str, np.ndarray]:  # only asked for when the path is wrong
        wrong = dict(path_mistakes(EDGE_A, EDGE_C, w0, 0.05, 15, **settings))
        wrong["hyperparameters_not_passed"] = reference_path(EDGE_A, EDGE_C, w0, 0.05, 15)
        return wrong

    expect_close(
        student.adam_minimize_quadratic(EDGE_A, EDGE_C, w0, 0.05, 15, **settings),
        reference_path(EDGE_A, EDGE_C, w0, 0.05, 15, **settings),
        what="adam_minimize_quadratic(A, c, w0, lr=0.05, steps=15, b1=0.8, b2=0.99, eps=1e-3)",
        mistakes=mistakes,
        curves="w",
    )
    cases = [
        (EDGE_A, EDGE_C, np.array([2, -1]), 0.1, 10, "w0 = [2, −1] as ints"),
        (np.array([[4.0]]), np.array([1.0]), np.array([-1.0]), 0.1, 5, "n = 1"),
        (EDGE_A, EDGE_C, w0, 0.1, 0, "0 steps"),
    ]
    for A, c, start, lr, steps, label in cases:
        expect_close(
            student.adam_minimize_quadratic(A, c, start, lr, steps),
            reference_path(A, c, start.astype(float), lr, steps),
            what=f"adam_minimize_quadratic(A, c, w0, lr={lr}, steps={steps}) ({label})",
            curves="w",
        )


@check(1, hidden=True, mistakes=PATH_MISTAKES)
def test_minimize_random(student, rng):
    """adam_minimize_quadratic on random ravines with random hyper-parameters."""
    for n in (3, 5):
        A, c = ravine(rng, n, 30.0)
        w0 = rng.normal(size=n) * 3
        lr, steps = float(rng.uniform(0.01, 0.2)), int(rng.integers(5, 40))
        b1, b2, eps = float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.9999)), 1e-3
        expect_close(
            student.adam_minimize_quadratic(A, c, w0, lr, steps, b1, b2, eps),
            reference_path(A, c, w0, lr, steps, b1, b2, eps),
            what=f"adam_minimize_quadratic(<{n}-D ravine>, lr={lr:.3g}, steps={steps}, "
            f"b1={b1:.3g}, b2={b2:.4g}, eps={eps:g})",
            mistakes=partial(path_mistakes, A, c, w0, lr, steps, b1, b2, eps),
            curves="w",
        )
