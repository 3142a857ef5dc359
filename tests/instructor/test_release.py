"""`gdkit release`: the student tree has no solutions, no hidden checks, no mutant text, no
implementation of any exercise and no instructor commands; it installs, and its public checks
grade every submission as the project's do."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from leaks import (
    exercise_bodies,
    is_bookkeeping,
    leaks,
    reference_bodies,
    solution_lines,
    whole_bodies,
)

from gdkit.release import INSTRUCTOR_ONLY, ReleaseError, build_release, learner_readme
from grader.authoring.mutants import apply_mutant
from grader.authoring.public_checks import PublicChecksError, public_only
from grader.exercises import REPO_ROOT, checks_module_path, load_exercises

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the instructor extra installs tomli
    import tomli as tomllib

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
    settings (other test folders set e.g. the self-test's strict mode for the session), but
    the test's own cache folder (hints seen), never the real one."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV")
        and (not k.startswith("GDKIT_") or k == "GDKIT_CACHE_DIR")
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


def test_no_implementation_of_any_exercise_in_the_release(release):
    """Not gdref, not the decks code, and no body of a function the learner writes nor of any
    gdref function anywhere: not in a check, a notebook or the record."""
    assert not (release / "gdref").exists() and not (release / "decks").exists()
    solved, reference = (
        exercise_bodies(REPO_ROOT / "solutions"),
        reference_bodies(REPO_ROOT / "gdref"),
    )
    assert len(solved) >= 40 and len(reference) >= 80
    assert whole_bodies(release, solved) == []
    assert whole_bodies(release, reference) == []
    for path in release.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m and m.split(".")[0] == "gdref"], path


def test_the_body_rule_finds_an_implementation_written_another_way(tmp_path):
    """The rule can fail: on the project's own check modules (their mutant texts quote the
    solutions), on gdref, and on a solution function renamed and laid out differently."""
    solved, reference = (
        exercise_bodies(REPO_ROOT / "solutions"),
        reference_bodies(REPO_ROOT / "gdref"),
    )
    assert whole_bodies(REPO_ROOT / "grader" / "checks", solved)
    assert len(whole_bodies(REPO_ROOT / "gdref", reference)) >= len(reference)
    (tmp_path / "helper.py").write_text(
        "def other(lr, w, grad):\n    # renamed, re-laid out\n    return (w - (lr * grad))\n"
    )
    assert whole_bodies(tmp_path, solved) == ["helper.py holds the body of 01_parabola.py: gd_step"]


def test_the_deck_is_the_built_package(release):
    (package,) = (release / "deck").glob("*.apkg")
    with zipfile.ZipFile(package) as archive:
        assert any(name.startswith("collection.anki2") for name in archive.namelist())
    assert f"`deck/{package.name}`" in (release / "README.md").read_text()


def test_every_script_of_the_release_is_installed_with_it(release):
    """gdkit-autograde's module stays out of a release: so does the script."""
    project = tomllib.loads((release / "pyproject.toml").read_text())["project"]
    assert set(project["scripts"]) == {"grade"}
    for target in project["scripts"].values():
        module = target.split(":")[0].replace(".", "/") + ".py"
        assert (release / module).is_file(), target
    assert "optional-dependencies" not in project


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
    # what the mutant told the grader (the functions the mistake is about) stays, as data
    told = public_only(source, functions={"a": ["f", "g"]})
    assert 'Mistake(id="a", message="m", hint="h", functions=("f", "g"),)' in told.source
    compile(told.source, "x", "exec")


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


def test_no_instructor_command(release):
    """Every gdkit subcommand is the instructor's or builds decks: the release has no gdkit
    package, and grade has no batch command."""
    assert not (release / "gdkit").exists()
    batch = run_release(release, "grader.cli", "batch")  # a path here, not a command
    assert batch.returncode == 2 and "batch: no such file or folder" in batch.stderr


def test_readme_keeps_the_learner_sections_only():
    readme = learner_readme((REPO_ROOT / "README.md").read_text())
    assert "## For learners" in readme and "## Getting started" in readme
    assert "## For instructors" not in readme and "## Benchmarks" not in readme
    assert "--solution" not in readme and "## gdref in five lines" not in readme
    assert "## gdref in five lines" in learner_readme(
        (REPO_ROOT / "README.md").read_text(), with_gdref=True
    )
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
def test_gdref_goes_in_only_when_asked_for(tmp_path):
    """After the deadline: gdref and its README section, and the checks still read the record
    (the same release otherwise)."""
    from click.testing import CliRunner

    from gdkit.release import release as release_command

    out = tmp_path / "with-gdref"
    done = CliRunner().invoke(release_command, [str(out), "--with-gdref"])
    assert done.exit_code == 0, done.output
    assert "gdref/" not in done.output.split("left out")[1]
    assert (out / "gdref" / "optim.py").is_file() and (out / "gdref" / "data").is_dir()
    assert "## gdref in five lines" in (out / "README.md").read_text()
    assert (out / "grader" / "checks" / "recorded.json").is_file()
    graded = run_release(out, "grader.cli", str(REPO_ROOT / "solutions"))
    assert graded.returncode == 0, graded.stdout + graded.stderr


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
    assert not (env_dir / "bin" / "gdkit").exists()
    assert not (env_dir / "bin" / "gdkit-autograde").exists()


def test_a_changed_record_is_the_graders_fault_not_a_verdict(release, tmp_path):
    """A learner who edits the recorded values gets no score from them: every check that asks
    for one says the record was changed (an error, not a pass and not a fail)."""
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    record = copy / "grader" / "checks" / "recorded.json"
    record.write_text(record.read_text().replace('"format":1', '"format":1 '))
    done = run_release(copy, "grader.cli", str(REPO_ROOT / "solutions"), "--format", "json")
    checks = [c for e in json.loads(done.stdout)["exercises"] for c in e["checks"]]
    errors = [c for c in checks if c["status"] == "error"]
    assert len(errors) > len(checks) / 2
    assert all("was changed after the release was made" in c["message"] for c in errors)
    assert {c["status"] for c in checks} == {"error", "passed"}  # none failed on it
    assert done.returncode == 3, done.stderr


def test_public_only_leaves_remembered_functions_their_names_only():
    source = """
import numpy as np
from gdref import optim
from grader.checking.framework import Exercise, check, expect_close
from grader.checking.remember import remembered

EXERCISE = Exercise(name="x", order=1, file="01_x.py", title="t", summary="s", hints=())


def sgd(lr: float) -> object:  # only the reference code uses it
    return optim.sgd(lr)


@remembered
def step(w: np.ndarray, g: np.ndarray, lr: float) -> np.ndarray:
    \"\"\"The right update.\"\"\"
    return sgd(lr).step(w, g, None)[0]


@check(1)
def test_step(student):
    w = np.ones(2)
    expect_close(student.step(w, w, 0.1), step(w, w, 0.1), what="step")
"""
    stripped = public_only(source)
    assert stripped.recorded == ["step"] and stripped.helpers == ["sgd"]
    assert "gdref" not in stripped.source and "optim" not in stripped.source
    assert '@remembered\ndef step(*args, **kwargs):\n    """The right update."""' in stripped.source
    compile(stripped.source, "x", "exec")
    inline = source.replace("step(w, w, 0.1), what", "optim.sgd(0.1).step(w, w, None)[0], what")
    with pytest.raises(PublicChecksError, match=r"line 23 \(optim\): uses gdref outside"):
        public_only(inline)


# Answers no one catalogued: every solution block replaced by one of these lines.
CRUDE_ANSWERS = (
    "return None",
    "return 0.0",
    "return float('nan')",
    "return -1",
    "raise ValueError",
)


def _crude(source: str, line: str) -> str:
    """``source`` with each solution block replaced by ``line``, indented as the block."""
    kept, inside = [], False
    for text in source.splitlines(keepends=True):
        marker = text.strip()
        if marker in ("### BEGIN SOLUTION", "### END SOLUTION"):
            inside = marker == "### BEGIN SOLUTION"
            if inside:
                kept.append(text[: len(text) - len(text.lstrip())] + line + "\n")
        elif not inside:
            kept.append(text)
    return "".join(kept)


def _submissions(root: Path) -> list[Path]:
    """Folder k holds, for each exercise, its k-th submission: the solution, then every
    mistake's mutant, then every variant of its corpus (tests/grader/corpora), then crude
    answers (CRUDE_ANSWERS) and the untouched stubs."""
    corpora = REPO_ROOT / "tests" / "grader" / "corpora"
    batches: dict[int, dict[str, str]] = {}
    for exercise in load_exercises():
        source = (REPO_ROOT / "solutions" / exercise.file).read_text(encoding="utf-8")
        texts = [source] + [apply_mutant(source, m) for m in exercise.mistakes if m.mutant]
        manifest = json.loads((corpora / exercise.name / "manifest.json").read_text())
        texts += [(corpora / exercise.name / e["file"]).read_text() for e in manifest]
        texts += [_crude(source, line) for line in CRUDE_ANSWERS]
        texts.append((REPO_ROOT / "exercises" / exercise.file).read_text(encoding="utf-8"))
        for index, text in enumerate(texts):
            batches.setdefault(index, {})[exercise.file] = text
    folders = []
    for index, files in sorted(batches.items()):
        folder = root / f"submission{index:03d}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        folders.append(folder)
    return folders


# Grades the folders named on stdin with the public checks; prints, for each, every exercise's
# score and each check's verdict, diagnosis, message, details and hint.
_GRADE_ALL = """
import json, sys
from pathlib import Path
from grader.runner import grade_each
from grader.sandbox.sandbox import Sandbox

results = []
def keep(report):
    results.append({
        e.exercise.name: [e.score, [[c.name, str(c.status), c.diagnosis, c.message, c.details,
                                     c.hint] for c in e.checks]]
        for e in report.exercises
    })
with Sandbox() as sandbox:
    grade_each([Path(p) for p in json.load(sys.stdin)], keep, sandbox=sandbox)
print(json.dumps(results))
"""


def _grade_all(folders: list[Path], release: Path | None) -> list[dict]:
    code = _GRADE_ALL
    if release is not None:
        code = _ONLY_RELEASE.split("from {module}")[0].format(root=str(release)) + code
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps([str(f) for f in folders]),
        capture_output=True,
        text=True,
        env=learner_env(),
        cwd=release or REPO_ROOT,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_release_grades_every_mutant_and_corpus_variant_as_the_project_does(release, tmp_path):
    """Same score, verdicts, diagnoses, messages and hints from the public checks, for the
    solutions, every catalogued mistake and every corpus variant (right and wrong ones written
    independently of solutions/, so not what the record was made from), crude answers and the
    stubs."""
    folders = _submissions(tmp_path)
    assert len(folders) >= 30
    project, shipped = _grade_all(folders, None), _grade_all(folders, release)
    assert len(project) == len(shipped) == len(folders)
    for folder, ours, theirs in zip(folders, project, shipped, strict=True):
        for exercise, (score, checks) in ours.items():
            assert theirs[exercise][0] == score, (folder.name, exercise)
            for check, same in zip(checks, theirs[exercise][1], strict=True):
                assert check == same, (folder.name, exercise)
    diagnosed = {c[2] for result in project for _, checks in result.values() for c in checks}
    assert len(diagnosed) > 60  # the mutants are named: the comparison covers diagnoses
