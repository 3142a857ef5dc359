"""`gdkit release`: the student tree has no solutions, no hidden checks, no mutant text and no
instructor commands, and it installs and grades on its own."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from leaks import is_bookkeeping, leaks, solution_lines

from gdkit.release import INSTRUCTOR_ONLY, ReleaseError, build_release, learner_readme
from grader.authoring.public_checks import PublicChecksError, public_only
from grader.exercises import REPO_ROOT, checks_module_path, load_exercises

# Run the release's own code, as if it were the only gdkit installed: the development venv's
# editable install would otherwise answer for modules the release leaves out.
_ONLY_RELEASE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path "
    "if 'editable' not in getattr(f, '__module__', '')]; sys.path.insert(0, {root!r}); "
    "from {module} import main; main()"
)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "gdkit-student"
    build_release(out)
    return out


def learner_env() -> dict[str, str]:
    """The environment of a learner's shell: none of this test run's PYTHONPATH or GDKIT_*
    settings (other test folders set e.g. the self-test's strict mode for the session)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("GDKIT_")
    }


def run_release(release: Path, module: str, *args: str, cwd: Path | None = None):
    code = _ONLY_RELEASE.format(root=str(release), module=module)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd or release,
        capture_output=True,
        text=True,
        env=learner_env(),
        timeout=120,
    )


def _checks(path: Path) -> dict[str, str]:
    """check name -> visibility, read from a checks module's syntax tree."""
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            text = " ".join(ast.unparse(d) for d in node.decorator_list)
            if "check(" in text:
                found[node.name] = "hidden" if "hidden=True" in text else "public"
    return found


def test_no_solution_line_appears_anywhere_in_the_release(release):
    lines = solution_lines(REPO_ROOT / "solutions")
    assert len(lines) > 80  # the rule leaves most lines in: it is not vacuous
    assert leaks(release, lines) == []


def test_the_leak_rule_finds_a_planted_solution_line(release, tmp_path):
    lines = solution_lines(REPO_ROOT / "solutions")
    planted = tmp_path / "notes.md"
    planted.write_text("text\n      " + next(iter(lines)).replace(" ", "   ") + "  \n")
    assert len(leaks(tmp_path, lines)) == 1
    assert is_bookkeeping("return grad") and not is_bookkeeping("return w - lr * grad")
    assert not is_bookkeeping('return "too large"')


def test_no_solutions_tests_or_instructor_modules(release):
    assert not (release / "solutions").exists()
    assert not (release / "tests").exists() and not (release / "benchmarks").exists()
    for relative in INSTRUCTOR_ONLY:
        assert not (release / relative).exists(), relative
    assert not list(release.rglob("__pycache__"))


def test_check_modules_keep_exactly_their_public_checks(release):
    for exercise in load_exercises():
        source = checks_module_path(exercise)
        shipped = release / source.relative_to(REPO_ROOT)
        public = {n for n, v in _checks(source).items() if v == "public"}
        assert set(_checks(shipped)) == public, exercise.name
        assert public, exercise.name


def test_no_mutant_text_but_every_mistake_message_stays(release):
    """The substitutions are gone (what they replace is solution text: the test above covers
    it); the wrong versions may remain, as a check computes what a mistake returns."""
    text = "\n".join(p.read_text() for p in (release / "grader").rglob("*.py"))
    assert "mutant=" not in text and "mutant =" not in text
    flat = " ".join(text.split())
    for exercise in load_exercises():
        for mistake in exercise.mistakes:
            assert f'id="{mistake.id}"' in text and mistake.message[:40] in flat


def test_public_only_removes_hidden_checks_and_their_helpers():
    source = """
from grader.checking.framework import Exercise, Mistake, check

SECRET = "w - lr * grad"
EXERCISE = Exercise(name="x", order=1, file="01_x.py", title="t", summary="s", hints=(),
    mistakes=(Mistake(id="a", message="m", hint="h", mutant=[(SECRET, "w")]),))


def helper():  # only the hidden check uses it
    return 1


def shared():
    return 2


@check(2, hidden=True)
def test_hidden(student):
    assert helper() + shared()


@check(1)
def test_public(student):
    assert shared()


@check(1)
def public_check_named_otherwise(student):
    assert True
"""
    stripped = public_only(source)
    assert (stripped.hidden_checks, stripped.hidden_points, stripped.mutants) == (1, 2, 1)
    assert sorted(stripped.helpers) == ["SECRET", "helper"]
    assert "test_hidden" not in stripped.source and "def shared" in stripped.source
    assert "def public_check_named_otherwise" in stripped.source
    assert 'Mistake(id="a", message="m", hint="h", )' in stripped.source
    compile(stripped.source, "x", "exec")


def test_public_only_refuses_a_hidden_flag_it_cannot_read():
    with pytest.raises(PublicChecksError, match="hidden= must be True or False"):
        public_only("from x import check\n@check(1, hidden=FLAG)\ndef test_a(student):\n  pass\n")
    with pytest.raises(PublicChecksError, match="plain arguments"):
        public_only("from x import check\n@check(1, **SECRET)\ndef test_a(student):\n  pass\n")


def test_grade_there_says_it_has_no_hidden_checks(release):
    done = run_release(release, "grader.cli", "--verbose")
    assert done.returncode == 1, done.stderr
    assert "this release has no hidden checks" in done.stdout
    assert "not started" in done.stdout
    plain = run_release(release, "grader.cli")  # the default screen: one header line
    assert "hidden checks" not in plain.stdout and "not started" in plain.stdout


def test_the_public_checks_pass_on_the_solutions(release):
    done = run_release(release, "grader.cli", str(REPO_ROOT / "solutions"), "--hidden")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "11/11 done" in done.stdout and "--solution" not in done.stdout


def test_a_mutant_is_still_named_in_the_release(release, tmp_path):
    from grader.authoring.mutants import apply_mutant
    from grader.exercises import by_name

    exercise = by_name("parabola")
    mistake = exercise.mistake("sign_flipped")
    source = (REPO_ROOT / "solutions" / exercise.file).read_text()
    (tmp_path / exercise.file).write_text(apply_mutant(source, mistake))
    done = run_release(release, "grader.cli", str(tmp_path), "--format", "json")
    assert '"diagnosis": "sign_flipped"' in done.stdout, done.stdout + done.stderr


def test_grade_solution_says_solutions_are_not_in_the_release(release):
    done = run_release(
        release, "grader.cli", str(REPO_ROOT / "solutions"), "--solution", "parabola"
    )
    assert done.returncode == 2
    assert "solutions are not in this release" in done.stderr


def test_gdkit_lists_no_instructor_command(release):
    done = run_release(release, "gdkit.cli", "--help")
    assert done.returncode == 0, done.stderr
    commands = done.stdout.split("Commands:")[1].split()
    assert "decks" in commands
    for instructor in ("release", "autograder", "exercises"):
        assert instructor not in commands
    batch = run_release(release, "grader.cli", "batch")  # a path here, not a command
    assert batch.returncode == 2 and "batch: no such file or folder" in batch.stderr


def test_readme_keeps_the_learner_sections_only():
    readme = learner_readme((REPO_ROOT / "README.md").read_text())
    assert "## For learners" in readme and "## Getting started" in readme
    assert "## For instructors" not in readme and "## Benchmarks" not in readme
    assert "--solution" not in readme
    with pytest.raises(ReleaseError, match="no section"):
        learner_readme("# x\n\n## For learners\n")


def test_an_existing_out_is_not_replaced_without_force(release, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="--force"):
        build_release(out)
    assert (out / "keep.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no half-written tree beside it


@pytest.mark.slow
def test_the_release_installs_in_a_fresh_venv_and_grades(release, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(release)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    env = learner_env()
    grade = env_dir / "bin" / "grade"
    done = subprocess.run([str(grade), "-v"], cwd=release, capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "this release has no hidden checks" in done.stdout
    solved = subprocess.run(
        [str(grade), str(REPO_ROOT / "solutions")], capture_output=True, text=True, env=env
    )
    assert solved.returncode == 0, solved.stdout + solved.stderr
    gdkit = subprocess.run(
        [str(env_dir / "bin" / "gdkit"), "--help"], capture_output=True, text=True, env=env
    )
    assert "release" not in gdkit.stdout.split("Commands:")[1]
