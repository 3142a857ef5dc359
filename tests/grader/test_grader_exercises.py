"""The week's exercises as a whole: solutions get full marks, untouched stubs get 0 and a
friendly "not started", exercises/ is what `gdkit exercises sync` writes, metadata is sound."""

from __future__ import annotations

import ast
import re
import shutil

import pytest
from grader_helpers import FAST

from grader.authoring.sync import out_of_date
from grader.exercises import exercises_dir, load_exercises, solutions_dir
from grader.report.render import render_text
from grader.runner import grade

EXERCISES = load_exercises()
NAMES = [e.name for e in EXERCISES]
ALLOWED_IMPORTS = {
    "numpy",
    "math",
    "itertools",
    "functools",
    "collections",
    "dataclasses",
    "typing",
    "random",
    "statistics",
    "__future__",
}


@pytest.fixture(scope="module")
def solutions_report():
    return grade(solutions_dir(), include_hidden=True)


@pytest.fixture(scope="module")
def stubs_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stubs")
    for exercise in EXERCISES:
        shutil.copy(exercises_dir() / exercise.file, folder / exercise.file)
    return grade(folder, include_hidden=True, limits=FAST)


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(solutions_report, name):
    result = next(e for e in solutions_report.exercises if e.exercise.name == name)
    failed = [
        f"{c.name}: {c.status}: {c.message} {c.details}" for c in result.checks if not c.passed
    ]
    assert not failed
    assert result.status == "done" and result.score == result.max_score > 0


@pytest.mark.parametrize("name", NAMES)
def test_untouched_stub_is_not_started(stubs_report, name):
    result = next(e for e in stubs_report.exercises if e.exercise.name == name)
    assert result.score == 0
    assert result.status == "not started", [(c.name, c.status, c.message) for c in result.checks]
    assert all("not written yet" in c.message for c in result.checks)


def test_stub_report_has_no_traceback(stubs_report):
    text = render_text(stubs_report)
    assert "Traceback" not in text and "NotImplementedError" not in text.split("replace each")[0]
    assert "not started" in text and f"0/{len(EXERCISES)} done" in text


def test_exercises_folder_is_up_to_date():
    assert out_of_date(solutions_dir(), exercises_dir()) == []


def test_course_order_and_files():
    assert [e.order for e in EXERCISES] == sorted(e.order for e in EXERCISES)
    for exercise in EXERCISES:
        assert re.fullmatch(rf"\d\d_{exercise.name}\.py", exercise.file)
        assert (solutions_dir() / exercise.file).is_file()
    assert NAMES[:3] == ["parabola", "bce_gradient", "momentum"]


@pytest.mark.parametrize("name", NAMES)
def test_metadata_is_complete(name):
    exercise = next(e for e in EXERCISES if e.name == name)
    assert exercise.title and exercise.summary and len(exercise.hints) >= 2
    assert len(exercise.mistakes) >= 3
    for mistake in exercise.mistakes:
        assert re.fullmatch(r"[a-z0-9_]+", mistake.id)
        assert mistake.message.endswith((".", ")")) and mistake.hint and mistake.mutant


@pytest.mark.parametrize("name", NAMES)
def test_every_mistake_is_diagnosed_by_some_check(name):
    import importlib

    module = importlib.import_module(f"grader.checks.check_{name}")
    declared = set()
    for value in vars(module).values():
        for mark in getattr(value, "pytestmark", []):
            if mark.name == "check":
                declared.update(mark.kwargs["mistakes"])
    exercise = module.EXERCISE
    assert {m.id for m in exercise.mistakes} <= declared
    assert declared <= {m.id for m in exercise.mistakes}


@pytest.mark.parametrize("name", NAMES)
def test_exercise_file_is_self_contained(name):
    exercise = next(e for e in EXERCISES if e.name == name)
    source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    assert doc and f"grade -e {name}" in doc and len(doc) > 300
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [(node.module or "").split(".")[0]]
        else:
            continue
        assert set(modules) <= ALLOWED_IMPORTS, f"{exercise.file} imports {modules}"
    assert "### BEGIN SOLUTION" in source


def test_pytest_does_not_collect_the_check_modules():
    """`pytest grader` from the repository finds no tests: the check modules are named
    check_<name>.py, so only the grader (which passes their paths) runs them."""
    import subprocess
    import sys

    from grader.exercises import REPO_ROOT

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "grader",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 5, done.stdout + done.stderr  # 5: no tests collected
    assert "error" not in done.stdout.lower(), done.stdout
    assert all(p.name.startswith("check_") for p in (REPO_ROOT / "grader/checks").glob("c*.py"))


def test_every_check_is_described_by_whole_sentences():
    """The report's title of a check is its docstring's first paragraph, not its first line:
    thermometers' edge check was shown as "… with 0 steps ([w0]);" before."""
    import importlib
    import inspect

    from grader.checking.plugin import check_description

    for exercise in load_exercises():
        module = importlib.import_module(f"grader.checks.check_{exercise.name}")
        for name, function in vars(module).items():
            if not name.startswith("test_") or not callable(function):
                continue
            described = check_description(function, name)
            first = inspect.getdoc(function).split("\n\n")[0]
            assert described == " ".join(first.split()), name
            assert described.endswith((".", ")")), f"{exercise.name}.{name}: {described!r}"
    assert check_description(lambda: None, "test_the_loss_at_zero") == "the loss at zero"
