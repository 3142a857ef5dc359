"""The exercise's judgement (grader/checking/judge.py): a mistake is named only if every check
of the exercise agrees, and a failure found through another function points at the function
whose own checks fail.

The wrong functions below are written from the exercise instructions (each replaces one
function of a correct corpus variant): each gives a catalogued mistake's value on one check
and another value elsewhere, one per exercise. With the judgement switched off, that one check
names the mistake (so the test can fail); with it, nothing is named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from grader_helpers import MUTANT_LIMITS

from grader.checking import judge
from grader.exercises import load_exercises
from grader.runner import grade
from grader.sandbox.sandbox import Sandbox

CORPORA = Path(__file__).parent / "corpora"

# exercise -> (correct corpus variant, the mistakes one check alone names, wrong function)
COINCIDENCES = {
    # the example: a sign-reversed slope gives gd_step's "added the step" trajectories,
    # but gd_step passes its own checks
    "parabola": (
        "correct_plain_python.py",
        ("sign_flipped",),
        "def parabola_grad(w):\n    return -2.0 * (w - 2.0)\n",
    ),
    # dividing by the number of features n instead of examples m is "summed without dividing
    # by m" when n = 1, and right when n = m
    "linear_regression": (
        "correct_loops.py",
        ("sum_not_mean",),
        "def gradients(X, y, W, b):\n"
        "    r = predict(X, W, b) - y\n"
        "    n = np.shape(X)[1]\n"
        "    return (np.asarray(X).T @ r) / n, float(r.sum()) / n\n",
    ),
    # rounding k / s instead of flooring it is "one step early" for s = 3, not for s = 10
    "learning_rate": (
        "correct_loops.py",
        ("step_off_by_one",),
        "def step_decay(lr0, step_size, gamma, k):\n"
        "    return lr0 * gamma ** np.round(np.asarray(k) / step_size)\n",
    ),
    # returning the old velocity makes the loop stop where a stop on ‖A w‖ would, on one ravine
    "momentum": (
        "correct_loops.py",
        ("gradient_norm_stop",),
        "def momentum_step(w, grad, v, lr, beta):\n"
        "    v_new = beta * np.asarray(v, dtype=float) + grad\n"
        "    return w - lr * v_new, v\n",
    ),
    # a range that stops at m − 1 drops the last batch only when it holds one example
    "minibatch": (
        "correct_math_ceil.py",
        ("drop_partial_batch",),
        "def split_batches(order, batch_size):\n"
        "    order = np.asarray(order)\n"
        "    return [order[i : i + batch_size] for i in range(0, len(order) - 1, batch_size)]\n",
    ),
    # |ŷ − y|/m: the right gradient where ŷ > y, the flipped one where ŷ < y (one example with
    # y = 1 shows only the flip; four mixed ones show neither)
    "bce_gradient": (
        "correct_loops.py",
        ("sign_flipped",),
        "def dloss_dz(y_hat, y):\n    return np.abs(np.asarray(y_hat) - np.asarray(y)) / len(y)\n",
    ),
    # capping the learning rate at 1 ignores it only where it is above 1 (a hidden check's lr = 2)
    "thermometers": (
        "correct_loops.py",
        ("lr_ignored",),
        "def descend(w0, readings, lr, steps):\n"
        "    lr = min(lr, 1.0)\n"
        "    ws = np.empty(steps + 1)\n"
        "    ws[0] = w0\n"
        "    for k in range(steps):\n"
        "        ws[k + 1] = ws[k] - lr * subgradient(ws[k], readings)\n"
        "    return ws\n",
    ),
    # (sign + 1)/2 gives the 0/1 labels wherever z ≠ 0, and ½ at z = 0
    "sign_perceptron": (
        "correct_loops.py",
        ("zero_one_predictions",),
        "def predict(X, W, b):\n    return (np.sign(np.asarray(X) @ np.asarray(W) + b) + 1) / 2\n",
    ),
    # stopping on the gradient's norm: on one run it never stops (tol ignored), on another it
    # stops where a test against the new loss would, elsewhere as no catalogued test does
    "logistic_regression": (
        "correct_loops.py",
        ("relative_to_new_loss", "tol_ignored"),
        "def train(X, y, lr, max_steps, tol):\n"
        "    W, b = np.zeros(X.shape[1]), 0.0\n"
        "    losses = []\n"
        "    for k in range(max_steps):\n"
        "        J, dW, db = loss_and_gradients(X, y, W, b)\n"
        "        losses.append(J)\n"
        "        if k > 0 and np.sqrt(np.sum(dW**2) + db**2) <= tol:\n"
        "            return [W, b, np.array(losses), 'converged']\n"
        "        W, b = W - lr * dW, b - lr * db\n"
        "    return [W, b, np.array(losses), 'max_steps']\n",
    ),
    # passing b1 and b2 on but not eps: with eps = 1e-3 asked for, 1e-8 looks like no ε at all
    "adam": (
        "correct_loops.py",
        ("no_epsilon",),
        "def adam_minimize_quadratic(A, c, w0, lr, steps, b1=0.9, b2=0.999, eps=1e-8):\n"
        "    A, c = np.asarray(A, dtype=float), np.asarray(c, dtype=float)\n"
        "    w = np.asarray(w0, dtype=float)\n"
        "    state, path = adam_init(w), [w]\n"
        "    for _ in range(steps):\n"
        "        w, state = adam_step(w, A @ (w - c), state, lr, b1, b2)\n"
        "        path.append(w)\n"
        "    return np.array(path)\n",
    ),
    # the median of the component errors: the mean where there are two, neither elsewhere
    "gradient_check": (
        "correct_copies.py",
        ("mean_not_max",),
        "def relative_error(a, b):\n"
        "    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)\n"
        "    return float(np.median(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))\n",
    ),
}


def replace_function(source: str, name: str, new: str) -> str:
    """``source`` with its top-level function ``name`` replaced by ``new``."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    lines = source.splitlines(keepends=True)
    return "".join(lines[: node.lineno - 1]) + new + "".join(lines[node.end_lineno :])


def wrong_file(tmp_path: Path, exercise_name: str, base: str, function: str) -> Path:
    exercise = next(e for e in load_exercises() if e.name == exercise_name)
    source = (CORPORA / exercise_name / base).read_text(encoding="utf-8")
    name = ast.parse(function).body[0].name  # type: ignore[attr-defined]
    (tmp_path / exercise.file).write_text(replace_function(source, name, function))
    return tmp_path


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(MUTANT_LIMITS, "auto") as opened:
        yield opened


def _names(report) -> set[str]:
    return {c.diagnosis for c in report.exercises[0].checks if c.diagnosis}


@pytest.mark.parametrize("exercise", sorted(COINCIDENCES))
def test_a_coincidence_on_one_check_names_nothing(tmp_path, monkeypatch, sandbox, exercise):
    base, mistakes, function = COINCIDENCES[exercise]
    folder = wrong_file(tmp_path, exercise, base, function)
    report = grade(folder, [exercise], include_hidden=True, sandbox=sandbox)
    result = report.exercises[0]
    assert result.score < result.max_score
    assert not _names(report), [c.message for c in result.checks if c.diagnosis]
    assert all(c.status != "error" for c in result.checks)
    # the coincidence is real: one check alone names the mistake
    monkeypatch.setattr(judge, "judge_exercise", lambda *args, **kwargs: None)
    sandbox.start()
    assert _names(grade(folder, [exercise], include_hidden=True, sandbox=sandbox)) == set(mistakes)


def test_every_exercise_has_a_coincidence():
    assert set(COINCIDENCES) == {exercise.name for exercise in load_exercises()}


def test_the_fault_is_pointed_at_the_function_whose_own_checks_fail(tmp_path, sandbox):
    base, _, function = COINCIDENCES["parabola"]
    folder = wrong_file(tmp_path, "parabola", base, function)
    report = grade(folder, ["parabola"], sandbox=sandbox)
    checks = {c.name: c for c in report.exercises[0].checks}
    assert "opposite sign" in checks["test_loss_and_slope"].message
    trajectory = checks["test_five_steps_from_six"]
    assert not trajectory.passed and trajectory.diagnosis is None
    assert (
        "The fault is in parabola_grad, which fails its own check (it has the opposite sign); "
        "your gd_step is right." in trajectory.message
    )


PYTORCH_FACTOR_2 = (
    "def gradients(X, y, W, b):\n"
    "    r = predict(X, W, b) - y\n"
    "    return 2 * (X.T @ r) / len(y), 2 * float(r.sum()) / len(y)\n"
)


def test_pytorch_factor_two_is_not_summed_without_dividing_by_m(tmp_path, sandbox):
    """The issue's example: with m = 2 the factor 2 gives Σ, "summed without dividing by m";
    the check with m = 3 says "2 times too large". Named only as itself."""
    folder = wrong_file(tmp_path, "linear_regression", "correct_loops.py", PYTORCH_FACTOR_2)
    report = grade(folder, ["linear_regression"], include_hidden=True, sandbox=sandbox)
    assert _names(report) == {"pytorch_factor_2"}
    first = report.exercises[0].first_failure
    assert first is not None and "dW is 2 times too large; db is 2 times too large" in first.message
    fit = next(c for c in report.exercises[0].failures if c.name.startswith("test_fit"))
    assert "The fault is in gradients" in fit.message


def test_a_step_written_into_the_loop_keeps_its_name(tmp_path, sandbox):
    """A right gd_step says nothing about a trajectory that adds the step itself."""
    function = (
        "def trajectory(w0, lr, steps):\n"
        "    ws, losses, w = [], [], w0\n"
        "    for _ in range(steps):\n"
        "        w = w + lr * parabola_grad(w)\n"
        "        ws.append(w)\n"
        "        losses.append(parabola_loss(w))\n"
        "    return ws, losses\n"
    )
    folder = wrong_file(tmp_path, "parabola", "correct_plain_python.py", function)
    report = grade(folder, ["parabola"], sandbox=sandbox)
    assert _names(report) == {"sign_flipped"}
    assert "the fault is in trajectory itself" in report.exercises[0].first_failure.message


# ---------------------------------------------------------------------------------------------
# the rule itself, on recorded evidence


class Fake(judge.Judged):
    def __init__(self, calls, evidence, failed=False, diagnosis=None, observation=""):
        self.record = judge.CheckRecord(evidence=list(evidence), calls=list(calls))
        self.failed, self.diagnosis, self.observation = failed, diagnosis, observation
        self.withdrawn, self.sentences = "", []

    def withdraw(self, why):
        self.diagnosis, self.withdrawn = None, why

    def point_at(self, sentence):
        self.sentences.append(sentence)


SOURCE = (
    "def grad(w):\n    return 2 * w\n\n"
    "def step(w, g, lr):\n    return w - lr * g\n\n"
    "def run(w, lr):\n    return step(w, grad(w), lr)\n\n"
    "def other(x):\n    return x\n"
)


def named(mistake: str) -> judge.Evidence:
    return judge.Evidence(supports=frozenset({mistake}), singles=mistake, function="run")


def test_function_uses_follows_calls_and_callbacks():
    uses = judge.function_uses(SOURCE + "\ndef apply(f):\n    return map(grad, f)\n")
    assert uses["run"] == {"step", "grad"}
    assert uses["apply"] == {"grad"} and uses["grad"] == set() and uses["other"] == set()
    assert judge.function_uses("def broken(:\n") == {}


@pytest.mark.parametrize(
    "evidence, kept",
    [
        ([], True),  # nothing else said
        ([judge.Evidence(contradicts=frozenset({"m"}), function="step")], False),
        ([judge.Evidence(later=lambda m: m == "m", function="step")], False),  # a right answer
        ([judge.Evidence(later=lambda m: False, function="step")], True),  # m gives it too
        ([judge.Evidence(contradicts=frozenset({"m"}), function="other")], True),  # unrelated
        ([judge.Evidence(later=lambda m: 1 / 0, function="step")], True),  # cannot tell: silent
    ],
)
def test_a_name_stands_only_if_no_related_call_contradicts_it(evidence, kept):
    naming = Fake(["run"], [named("m")], failed=True, diagnosis="m")
    judge.judge_exercise([naming, Fake(["step"], evidence)], SOURCE, lambda m: frozenset())
    assert (naming.diagnosis == "m") is kept


def test_a_name_no_call_singles_out_is_withdrawn():
    both = judge.Evidence(supports=frozenset({"m", "n"}), function="run")
    naming = Fake(["run"], [both], failed=True, diagnosis="m")
    judge.judge_exercise([naming], SOURCE, lambda m: frozenset())
    assert naming.diagnosis is None and "tells it apart" in naming.withdrawn


def test_a_failure_through_another_function_points_at_it():
    grad = Fake(["grad"], [], failed=True, observation="your value has the opposite sign")
    step = Fake(["step"], [])
    run = Fake(["run"], [named("m")], failed=True, diagnosis="m")
    judge.judge_exercise([grad, step, run], SOURCE, lambda m: frozenset({"step", "run"}))
    assert run.diagnosis is None  # a mistake about step, but step is right
    assert run.sentences == [
        "The fault is in grad, which fails its own check (it has the opposite sign); your step "
        "is right."
    ]
    assert grad.sentences == [] and step.sentences == []


def test_a_name_about_the_function_at_fault_stays():
    grad = Fake(["grad"], [named("g")], failed=True, diagnosis="g")
    grad.record.evidence[0] = judge.Evidence(supports=frozenset({"g"}), singles="g")
    run = Fake(["run"], [named("g")], failed=True, diagnosis="g")
    judge.judge_exercise([grad, run], SOURCE, lambda m: frozenset({"grad", "run"}))
    assert run.diagnosis == "g" and grad.diagnosis == "g"
    assert run.sentences == ["The fault is in grad, which fails its own check."]


def test_a_right_answer_is_asked_later_and_never_calls_the_learner(monkeypatch):
    from grader.checking.framework import STRICT_ENV, expect_close
    from grader.checking.plugin import Student
    from grader.sandbox.errors import SubmissionError

    monkeypatch.delenv(STRICT_ENV, raising=False)  # as learners grade: mistakes only if needed
    learner = Student(SubmissionError("unreadable", "not loaded"))
    asked = []

    def mapping():
        asked.append(1)
        return {"m": 2.0, "same": 1.0}

    record = judge.CheckRecord(calls=["f"])
    judge.set_current(record)
    try:
        expect_close(1.0, 1.0, what="f()", mistakes=mapping)
        expect_close(1.0, 1.0, what="f()", mistakes=lambda: {"m": learner.f()})
    finally:
        judge.set_current(None)
    assert not asked  # nothing is worked out for a right answer until a name is in question
    by_gdref, by_learner = record.evidence
    assert by_gdref.against("m") and not by_gdref.against("same") and len(asked) == 1
    assert not by_learner.against("m") and learner.called == set()
