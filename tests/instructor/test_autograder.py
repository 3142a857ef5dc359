"""The autograder: one upload in, a valid results.json out, whatever the upload holds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest
from grade_cli import run_grade
from secrets_search import assert_no_hidden_text, searching_submission, student_visible

from gdkit.autograder import build_autograder
from grader.exercises import REPO_ROOT, load_exercises
from grader.instructor import autograde
from grader.instructor.gradebook import check_list
from grader.report.render import schema_path
from grader.sandbox.backends import BubblewrapBackend, bubblewrap_works

SOLUTIONS = REPO_ROOT / "solutions"
SCHEMA = json.loads(schema_path("gradescope-results.schema.json").read_text())
SCHEMAS = {
    "gradescope": SCHEMA,
    "prairielearn": json.loads(schema_path("prairielearn-results.schema.json").read_text()),
}


def total_points() -> int:
    return sum(c["points"] for e in load_exercises() for c in check_list(e))


def run(upload: Path, tmp_path: Path, *args: str, trial: bool | None = None) -> dict:
    """The autograder's results for ``upload``. Where bubblewrap cannot start, learner code can
    read this checkout, so the autograder would refuse: these runs are trials
    (--allow-readable-checks), unless ``trial`` is False."""
    results = tmp_path / "results" / "results.json"
    if trial is None:
        trial = not bubblewrap_works()
    args = (*args, "--allow-readable-checks") if trial else args
    code = autograde.main(["--submission", str(upload), "--results", str(results), *args])
    assert code == 0
    data = json.loads(results.read_text())
    fmt = args[args.index("--format") + 1] if "--format" in args else "gradescope"
    jsonschema.validate(data, SCHEMAS[fmt])
    return data


def isolation_of(data: dict) -> str:
    """The isolation the results name (Gradescope's output or PrairieLearn's message)."""
    text = data.get("output", data.get("message", ""))
    return text.split("(isolation: ", 1)[1].split("\n")[0].removesuffix(").")


def children() -> set[int]:
    """The processes whose parent is this one (the sandbox's workers while it is open)."""
    found = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                parent = int(handle.read().rpartition(b")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid():
            found.add(int(entry))
    return found


def test_a_good_submission_in_a_nested_folder_gets_full_marks(tmp_path):
    upload = tmp_path / "upload" / "my work" / "week2"
    shutil.copytree(SOLUTIONS, upload)
    data = run(tmp_path / "upload", tmp_path)
    assert data["score"] == total_points()
    assert all(t["status"] == "passed" for t in data["tests"])
    assert isolation_of(data).startswith(("bubblewrap", "process"))


def test_an_empty_upload_scores_zero_and_says_what_to_upload(tmp_path):
    (tmp_path / "upload").mkdir()
    data = run(tmp_path / "upload", tmp_path)
    assert data["score"] == 0 and len(data["tests"]) > 0
    assert "No exercise file was found" in data["output"] and "01_parabola.py" in data["output"]
    assert sum(t["max_score"] for t in data["tests"]) == total_points()
    assert isolation_of(data).startswith("none")  # nothing of the student's ran
    assert "was not in your upload" in data["tests"][0]["output"]
    assert "gdkit-submission-" not in json.dumps(data)  # the staging folder is never named


def test_a_syntax_error_costs_only_its_exercise(tmp_path):
    upload = tmp_path / "upload"
    shutil.copytree(SOLUTIONS, upload)
    (upload / "01_parabola.py").write_text("def gd_step(w, grad, lr)\n    return w\n")
    data = run(upload, tmp_path)
    parabola = [t for t in data["tests"] if t["name"].startswith("parabola:")]
    assert all(t["score"] == 0 for t in parabola)
    assert "line" in parabola[0]["output"].lower() or "syntax" in parabola[0]["output"].lower()
    assert data["score"] == total_points() - sum(t["max_score"] for t in parabola)


@pytest.mark.parametrize("backend", ["auto", "process"])
def test_the_overall_deadline_keeps_the_score_so_far(tmp_path, monkeypatch, backend):
    """A file that loops is stopped at the deadline (not at its own 60 s per call), every check
    left fails with a sentence naming the time limit, the points scored before it are kept,
    and no worker outlives the run. (Public checks of every exercise run before any hidden
    one, so the loop in exercise 2 costs exercise 1 its hidden checks.)"""
    monkeypatch.setenv("GDKIT_TIMEOUT", "60")
    if backend == "process":  # as where bubblewrap is not installed
        monkeypatch.setattr(BubblewrapBackend, "unavailable", lambda self: "bubblewrap: absent")
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(SOLUTIONS / "01_parabola.py", upload)
    (upload / "02_bce_gradient.py").write_text("while True:\n    pass\n")
    shutil.copy(SOLUTIONS / "03_momentum.py", upload)
    before = children()
    started = time.monotonic()
    # learner code in the process sandbox can read this checkout: a trial, not a course
    data = run(upload, tmp_path, "--deadline", "6", trial=backend == "process" or None)
    assert time.monotonic() - started < 40  # a hang guard: the loop did not get its 60 s
    assert children() - before == set()  # every worker of the run is gone
    tests = [t for t in data["tests"] if t["tags"][0] in ("parabola", "bce_gradient", "momentum")]
    parabola = [t for t in tests if t["tags"][0] == "parabola" and t["visibility"] == "visible"]
    assert parabola and all(t["status"] == "passed" for t in parabola)
    limit = "the time limit for the whole submission (6 s) was reached"
    failed = [t for t in tests if t["status"] == "failed"]
    assert failed and all(limit in t["output"] for t in failed), failed[0]["output"]
    assert data["score"] == sum(t["max_score"] for t in tests if t["status"] == "passed")
    assert data["score"] >= sum(t["max_score"] for t in parabola)
    assert "Grading stopped early" in data["output"]
    assert backend == "auto" or isolation_of(data).startswith("process")  # what ran


def test_hostile_files_are_refused_one_by_one(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "01_parabola.py").symlink_to("/etc/passwd")
    os.mkfifo(upload / "02_bce_gradient.py")
    (upload / "03_momentum.py").write_bytes(b"#" * 2_000_000)
    (upload / b"\xff\xfe odd".decode("utf-8", "surrogateescape")).mkdir()
    copy = upload / "sub"
    copy.mkdir()
    shutil.copy(SOLUTIONS / "04_thermometers.py", copy)
    results = tmp_path / "results" / "results.json"
    (upload / "05_linear_regression.py").write_text(
        f"open({str(results)!r}, 'w').write('{{\"score\": 1000}}')\n"
        "print('\\x1b]52;c;aGk=\\x07\\x1b[2J')\n"
    )
    data = run(upload, tmp_path)
    outputs = {t["tags"][0]: t["output"] for t in data["tests"]}
    assert "not a regular file" in outputs["parabola"]
    assert "larger than" in outputs["momentum"]
    thermometers = [t for t in data["tests"] if t["tags"][0] == "thermometers"]
    assert all(t["status"] == "passed" for t in thermometers)
    assert data["score"] == sum(t["max_score"] for t in thermometers)
    assert "\x1b" not in json.dumps(data, ensure_ascii=False)


def test_a_grader_failure_still_writes_valid_results(tmp_path, monkeypatch):
    def broken(upload, sandbox, settings=None):
        raise RuntimeError("checks could not load")

    monkeypatch.setattr(autograde, "grade_upload", broken)
    before = children()
    data = run(tmp_path, tmp_path)
    assert children() - before == set()  # the sandbox opened for it is closed
    assert data["score"] == 0 and data["tests"] == []
    assert "The autograder failed (RuntimeError); this is not your fault" in data["output"]
    pl = run(tmp_path, tmp_path, "--format", "prairielearn")
    assert pl["gradable"] is False and pl["score"] == 0.0 and pl["tests"] == []
    assert "not your fault" in pl["format_errors"][0]


def test_no_sandbox_at_all_still_writes_valid_results(tmp_path, monkeypatch):
    monkeypatch.setenv("GDKIT_TIMEOUT", "soon")  # the limits cannot even be read
    data = run(SOLUTIONS, tmp_path)
    assert data["score"] == 0 and "The autograder failed (ValueError)" in data["output"]


def test_prairielearn_format(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(SOLUTIONS / "01_parabola.py", upload)
    data = run(upload, tmp_path, "--format", "prairielearn")
    assert data["gradable"] is True
    parabola = [t for t in data["tests"] if t["name"].startswith("parabola:")]
    assert sum(t["points"] for t in parabola) == sum(t["max_points"] for t in parabola)
    assert 0 < data["score"] < 1
    assert data["score"] == pytest.approx(
        sum(t["points"] for t in data["tests"]) / sum(t["max_points"] for t in data["tests"])
    )
    (upload / "01_parabola.py").unlink()
    assert run(upload, tmp_path, "--format", "prairielearn")["gradable"] is False


def test_the_build_holds_the_gradescope_layout_and_the_hidden_checks(tmp_path):
    out = build_autograder(tmp_path / "ag")
    with zipfile.ZipFile(out / "gdkit-autograder.zip") as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
        checks = "".join(
            archive.read(n).decode() for n in names if n.startswith("gdkit/grader/checks/")
        )
    assert "hidden=True" in checks
    assert not any(n.startswith(("gdkit/solutions", "gdkit/tests")) for n in names)
    dockerfile = (out / "container" / "Dockerfile").read_text()
    assert "gdkit-autograde" in dockerfile and "@" not in dockerfile.replace("@@", "")
    assert (out / "container" / "gdkit" / "pyproject.toml").is_file()


def _bwrap(autograder_dir: Path, *command: str, timeout: float = 900, bubblewrap: bool = True):
    """Run ``command`` in a made-up machine: the system and Python read-only, ``autograder_dir``
    as /autograder, a private /tmp; without bubblewrap's program unless ``bubblewrap``. Nothing
    is created on the real root file system."""
    python = Path(sys.base_prefix)
    binds = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    if not bubblewrap:  # as in a default container, where it is not installed
        binds += ["--ro-bind", "/dev/null", shutil.which("bwrap")]
    for link in ("bin", "sbin", "lib", "lib64"):
        if Path("/" + link).is_symlink():
            binds += ["--symlink", os.readlink("/" + link), "/" + link]
    if not python.is_relative_to("/usr"):
        binds += ["--ro-bind", str(python), str(python)]
    return subprocess.run(
        ["bwrap", *binds, "--bind", str(autograder_dir), "/autograder", "--tmpfs", "/tmp",
         "--dev", "/dev", "--proc", "/proc", "--setenv", "HOME", "/tmp",
         "--chdir", "/autograder", *command],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_in_a_simulated_gradescope_machine(tmp_path):
    """setup.sh and run_autograder as Gradescope runs them, in /autograder made by bwrap binds
    (apt-get is replaced by a stand-in: the packages it installs are already on this machine)."""
    out = build_autograder(tmp_path / "build", deadline=60)
    machine = tmp_path / "autograder"
    (machine / "source").mkdir(parents=True)
    with zipfile.ZipFile(out / "gdkit-autograder.zip") as archive:
        archive.extractall(machine / "source")
    for name in ("setup.sh", "run_autograder"):
        (machine / "source" / name).chmod(0o755)
    shutil.copy(machine / "source" / "run_autograder", machine / "run_autograder")
    fake_bin = machine / "stand-in-bin"  # visible in the made-up machine as /autograder/…
    fake_bin.mkdir()
    (fake_bin / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    (fake_bin / "apt-get").chmod(0o755)
    python_dir = str(Path(sys.base_prefix) / "bin")
    env_path = f"/autograder/stand-in-bin:{python_dir}:/usr/bin:/bin"
    setup = _bwrap(machine, "env", f"PATH={env_path}", "bash", "/autograder/source/setup.sh")
    assert setup.returncode == 0, setup.stderr[-3000:]

    def submit(files: dict[str, str | None], *command: str, bubblewrap: bool = True) -> dict:
        submission = machine / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        shutil.rmtree(machine / "results", ignore_errors=True)
        (submission / "folder").mkdir(parents=True)
        for name, text in files.items():
            (submission / "folder" / name).write_text(
                text if text is not None else (SOLUTIONS / name).read_text()
            )
        command = command or ("/autograder/run_autograder",)
        done = _bwrap(machine, *command, timeout=300, bubblewrap=bubblewrap)
        assert done.returncode == 0, done.stderr[-3000:]
        data = json.loads((machine / "results" / "results.json").read_text())
        jsonschema.validate(data, SCHEMAS["prairielearn" if "gradable" in data else "gradescope"])
        data["instructors saw"] = done.stdout  # run_autograder's output
        return data

    good = submit({e.file: None for e in load_exercises()})
    assert good["score"] == total_points()
    assert submit({})["score"] == 0
    broken = submit({"01_parabola.py": "def (:\n", "09_adam.py": None})
    assert 0 < broken["score"] < total_points()
    looping = submit({"01_parabola.py": "while True:\n    pass\n", "09_adam.py": None})
    assert looping["score"] == broken["score"]
    hostile = submit({
        "01_parabola.py": "import os\n"
        "open('/autograder/results/results.json', 'w').write('{\"score\": 1000}')\n"
        "os.system('sleep 1000 &')\n",
        "09_adam.py": None,
    })  # fmt: skip
    assert hostile["score"] == broken["score"]
    assert "namespaces" not in hostile["output"]  # the instructors' advice is theirs only
    _hidden_checks_stay_secret(machine, submit)


def _hidden_checks_stay_secret(machine: Path, submit) -> None:
    """The secrecy test, after setup.sh: a submission searching for the hidden checks, graded
    with bubblewrap removed (learner code runs as nobody) for Gradescope and for PrairieLearn,
    shows students none of their text; with the grader's folder made readable again the
    autograder refuses, and, told to grade anyway, the search does find them (so it could)."""
    files = {"01_parabola.py": searching_submission(), "09_adam.py": None}
    prairielearn = ("/autograder/venv/bin/gdkit-autograde", "--submission",
                    "/autograder/submission", "--results", "/autograder/results/results.json",
                    "--format", "prairielearn")  # fmt: skip
    for command in ((), prairielearn):
        data = submit(files, *command, bubblewrap=False)
        said = data.pop("instructors saw")
        seen = assert_no_hidden_text(data)
        assert "searched" in seen and "found 0 hidden checks" in seen, seen[:2000]
        assert "(isolation: process)" in data.get("output", data.get("message"))
        assert "instructors only): Isolation: process: " in said
        assert "instructors only): Secrecy: learner code (process) could read none" in said
    assert "namespaces" not in seen and "Refused" not in seen
    installed = next((machine / "venv" / "lib").glob("python3*/site-packages/grader"))
    assert installed.stat().st_mode & 0o777 == 0o700  # setup.sh locked it
    installed.chmod(0o755)
    try:
        refused = submit(files, bubblewrap=False)
        assert refused["score"] == 0 and "did not grade your submission" in refused["output"]
        assert (
            f"could read {len(list(installed.rglob('*'))) + 1} of the"
            in (refused["instructors saw"])
        )
        trial = submit(files, *prairielearn, "--allow-readable-checks", bubblewrap=False)
        assert "hidden=True" in student_visible(trial)  # what the lock keeps from students
    finally:
        installed.chmod(0o700)


def test_a_notebook_upload_is_graded(tmp_path):
    upload = tmp_path / "upload" / "nb"
    upload.mkdir(parents=True)
    (upload / "01_parabola.ipynb").write_text(notebook((SOLUTIONS / "01_parabola.py").read_text()))
    data = run(tmp_path / "upload", tmp_path)
    parabola = [t for t in data["tests"] if t["tags"][0] == "parabola"]
    assert all(t["status"] == "passed" for t in parabola), parabola[0]["output"]
    assert "01_parabola.ipynb or 01_parabola.py" not in parabola[0]["output"]
    momentum = [t for t in data["tests"] if t["tags"][0] == "momentum"]
    assert "03_momentum.ipynb or 03_momentum.py was not in your upload" in momentum[0]["output"]


def notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "id": f"cell-{n}", "metadata": {}, "outputs": [],
                   "execution_count": None, "source": cell.splitlines(keepends=True)}
                  for n, cell in enumerate(cells)],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    })  # fmt: skip


def without_time(data: dict) -> dict:
    """The results without their time, and without the autograder's own test for instructors
    (visibility "hidden": its isolation and secrecy check, which `grade` does not make)."""
    kept = {key: value for key, value in data.items() if key != "execution_time"}
    if "tests" in kept:
        kept["tests"] = [t for t in kept["tests"] if t.get("visibility") != "hidden"]
    return kept


@pytest.mark.parametrize(
    ("submission", "formats"),
    [("solved .py files", ["gradescope"]), ("a notebook", ["gradescope", "prairielearn"])],
)
def test_the_autograder_gives_what_grade_hidden_gives(tmp_path, submission, formats):
    """One pipeline behind both doors: the same tests, scores, notes and output text."""
    upload = tmp_path / "upload"
    shutil.copytree(SOLUTIONS, upload)
    if submission == "a notebook":  # a cell of top-level statements is left out, with a note
        (upload / "01_parabola.py").unlink()
        source = (SOLUTIONS / "01_parabola.py").read_text()
        trial = "w = 3.0\nprint(gd_step(w, 2.0, 0.1))\n"
        (upload / "01_parabola.ipynb").write_text(notebook(source, trial))
    for fmt in formats:
        through_grade = tmp_path / f"grade-{fmt}.json"
        ran = run_grade([upload, "--hidden", "--format", fmt, "-o", through_grade])
        assert ran.exit_code == 0, ran.output
        expected = json.loads(through_grade.read_text())
        got = run(upload, tmp_path, "--format", fmt)
        assert without_time(got) == without_time(expected)
        text = got.get("output", got.get("message"))
        if submission == "a notebook":
            assert "parabola: left out of grading: 1 statement (cell 2, line 2: print(" in text
        else:
            assert "left out" not in text


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_a_deadline_that_is_not_a_positive_time_is_refused(value, capsys, tmp_path):
    results = tmp_path / "results.json"
    with pytest.raises(SystemExit) as ended:
        autograde.main(["--submission", "x", "--results", str(results), "--deadline", value])
    assert ended.value.code == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.startswith("Usage: gdkit-autograde [OPTIONS]\n")
    sentence = f"--deadline must be a positive number of seconds, not {value!r}"
    assert said.err.splitlines()[-1] == f"Error: {sentence}"
    assert not results.exists()  # refused before anything is graded


def test_the_autograder_help_lists_every_option(capsys):
    assert autograde.main(["--help"]) == 0
    shown = capsys.readouterr().out
    options = ("--layout", "--submission", "--results", "--format", "--deadline",
               "--hidden-checks", "--isolation", "--allow-readable-checks")  # fmt: skip
    for option in options:
        assert option in shown, option


# ---------------------------------------------------------------------------------------------
# the hidden checks stay secret


def test_prairielearn_and_json_show_the_hidden_checks_as_one_line(tmp_path):
    """PrairieLearn shows students every test, and a JSON result may be shown whole: the hidden
    checks are one summary there (their points, how many passed), with no name or message;
    --hidden-checks omit does not run them."""
    hidden = [c for e in load_exercises() for c in check_list(e) if c["visibility"] == "hidden"]
    hidden_points = sum(c["points"] for c in hidden)
    pl = run(SOLUTIONS, tmp_path, "--format", "prairielearn")
    assert_no_hidden_text(pl)
    summary = [t for t in pl["tests"] if t["name"] == "hidden checks"]
    assert summary == [{"name": "hidden checks", "description": f"{len(hidden)} checks your "
                        "instructor keeps hidden", "points": hidden_points,
                        "max_points": hidden_points, "message": f"{len(hidden)} of "
                        f"{len(hidden)} hidden checks passed ({hidden_points}/{hidden_points} "
                        "points); which ones is not shown."}]  # fmt: skip
    assert pl["score"] == 1.0 and sum(t["max_points"] for t in pl["tests"]) == total_points()
    results = tmp_path / "student.json"
    trial = [] if bubblewrap_works() else ["--allow-readable-checks"]  # as run() does
    assert autograde.main(["--submission", str(SOLUTIONS), "--results", str(results),
                           "--format", "json", *trial]) == 0  # fmt: skip
    student = json.loads(results.read_text())
    assert_no_hidden_text(student)
    everything = {"checks": len(hidden), "passed": len(hidden), "score": hidden_points,
                  "max_score": hidden_points}  # fmt: skip
    assert student["hidden_checks"] == everything
    assert student["score"] == total_points()
    assert not {"submission", "isolation_note", "instructor_notes"} & set(student)
    omitted = run(SOLUTIONS, tmp_path, "--format", "prairielearn", "--hidden-checks", "omit")
    assert [t for t in omitted["tests"] if t["name"] == "hidden checks"] == []
    assert f"{len(hidden)} hidden check(s) were not run" in omitted["message"]
    assert omitted["score"] == 1.0
    assert sum(t["max_points"] for t in omitted["tests"]) == total_points() - hidden_points


def test_where_learner_code_can_read_the_checks_the_autograder_refuses(tmp_path, capsys):
    """In this checkout, learner code in the process sandbox (as nobody, or as this user) can
    read the grader: the autograder tries, refuses to grade, tells students only that, and
    says why where only instructors look (run_autograder's output; a Gradescope test
    students never see). PrairieLearn counts no attempt."""
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "01_parabola.py").write_text(searching_submission())
    data = run(upload, tmp_path, "--isolation", "process", trial=False)
    said = capsys.readouterr().out
    seen = assert_no_hidden_text(data)
    assert data["score"] == 0 and autograde.REFUSED in seen and "searched" not in seen
    (instructors,) = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert instructors["status"] == "failed"
    assert instructors["output"].startswith("Refused to grade.\nLearner code (process isolation")
    assert str(REPO_ROOT / "gdkit") in instructors["output"]
    assert "python -m grader.instructor.secrecy" in instructors["output"]
    assert "gdkit-autograde (instructors only): Refused to grade." in said
    pl = run(upload, tmp_path, "--isolation", "process", "--format", "prairielearn", trial=False)
    assert pl["gradable"] is False and pl["format_errors"] == [autograde.REFUSED]
    trial = run(upload, tmp_path, "--isolation", "process", trial=True)
    assert trial["score"] > 0 and "searched" in student_visible(trial)
    (instructors,) = [t for t in trial["tests"] if t["visibility"] == "hidden"]
    assert "Graded anyway (--allow-readable-checks)" in instructors["output"]


def test_students_see_a_short_isolation_line_and_instructors_the_rest(tmp_path, capsys):
    data = run(SOLUTIONS, tmp_path)
    said = capsys.readouterr().out
    isolation = isolation_of(data)
    assert isolation in ("bubblewrap", "process")  # the name only: no advice for students
    assert "Instructors" not in data["output"] and "user namespaces" not in data["output"]
    (instructors,) = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert instructors["output"].startswith(f"Isolation: {isolation}: ")
    secret = "Secrecy: learner code" in instructors["output"]
    assert secret or "Graded anyway (--allow-readable-checks)" in instructors["output"]
    for line in instructors["output"].splitlines():
        assert f"gdkit-autograde (instructors only): {line}" in said


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_lock_makes_the_secret_folders_unreadable_to_learner_code(tmp_path, monkeypatch):
    """As root, the process sandbox runs learner code as nobody: the probe reads a folder of
    the grader's until lock() makes it root's only (secret_folders simulated: a checkout is
    not locked by a test)."""
    from grader.instructor import secrecy
    from grader.sandbox.sandbox import Sandbox

    site = Path(tempfile.mkdtemp())  # pytest's own folders are root's only (0700)
    installed = site / "grader"
    (installed / "checks").mkdir(parents=True)
    (installed / "checks" / "check_x.py").write_text("@check(1, hidden=True)\n")
    for folder in (site, installed, installed / "checks"):
        folder.chmod(0o755)
    monkeypatch.setattr(secrecy, "secret_folders", lambda: [installed])
    monkeypatch.setattr(secrecy, "_package_folders", lambda: [installed])
    try:
        with Sandbox(isolation="process") as sandbox:
            readable, tried = secrecy.readable_by_learner_code(sandbox, "before")
            assert tried == 3 and sorted(readable) == sorted(secrecy.secret_paths())
            assert secrecy.main() == 0 and installed.stat().st_mode & 0o777 == 0o700
            assert secrecy.readable_by_learner_code(sandbox, "after") == ([], 3)
    finally:
        shutil.rmtree(site)
