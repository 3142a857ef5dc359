"""The `grade` command: paths, exit codes, formats (validated against their schemas), hints,
solutions, colour; and `gdkit exercises sync/check`."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from click.testing import CliRunner
from grade_cli import run_grade
from grader_helpers import copy_solution

from grader.authoring.exercises_cli import exercises as exercises_group
from grader.exercises import exercises_dir, load_exercises, solutions_dir
from grader.report.render import schema_path

REPO = Path(__file__).resolve().parents[2]
GRADE = [sys.executable, "-m", "grader.cli"]


def run(args, cwd=None, env=None):
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        return run_grade(args, env={"GDKIT_TIMEOUT": "5", **(env or {})})
    finally:
        os.chdir(old)


@pytest.fixture
def stub_folder(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(exercises_dir() / "01_parabola.py", folder)
    copy_solution("bce_gradient", folder)
    return folder


def test_exit_codes(tmp_path, stub_folder):
    assert run([str(solutions_dir()), "-e", "parabola"]).exit_code == 0
    assert run([str(stub_folder)]).exit_code == 1
    assert run([str(tmp_path / "nowhere")]).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run([str(empty)]).exit_code == 2
    assert run([str(stub_folder), "-e", "no_such_exercise"]).exit_code == 2
    assert run([str(stub_folder), "-e", "momentum"]).exit_code == 2  # file not there
    assert run([str(stub_folder), "--format", "yaml"]).exit_code == 2
    assert run([str(stub_folder), "--timeout", "0"]).exit_code == 2
    assert run([str(stub_folder)], env={"GDKIT_TIMEOUT": "soon"}).exit_code == 2
    assert run([str(stub_folder)], env={"GDKIT_TIMEOUT": "inf"}).exit_code == 2
    unreadable = tmp_path / "unreadable"
    (unreadable / "01_parabola.py").mkdir(parents=True)  # a folder where a file should be
    assert run([str(unreadable)]).exit_code == 1  # that exercise's failure, not bad usage


SECONDS = "--timeout must be a positive number of seconds"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--format", "yaml"],
            "Invalid value for '--format': 'yaml' is not one of 'text', 'json', 'gradescope', "
            "'junit', 'prairielearn', 'html'.",
        ),
        (["--timeout", "nan"], f"{SECONDS}, not 'nan'"),
        (["--timeout=-inf"], f"{SECONDS}, not '-inf'"),
        (["--timeout", "inf"], f"{SECONDS}, not 'inf'"),
        (["--timeout", "-1"], f"{SECONDS}, not '-1'"),
        (["--timeout", "0"], f"{SECONDS}, not '0'"),
        (["--timeout", "soon"], f"{SECONDS}, not 'soon'"),
        (
            ["--isolation", "docker"],
            "Invalid value for '--isolation': 'docker' is not one of 'auto', 'bubblewrap', "
            "'process', 'rlimits'.",
        ),
        # no abbreviations of options
        (["--hid"], "No such option '--hid'. (Did you mean one of: '--hidden', '--hint'?)"),
        (["-o", "."], "-o .: is a folder; give the report's file name"),
        (["extra"], "Got unexpected extra argument (extra)"),
    ],
)
def test_bad_usage_says_what_was_expected(stub_folder, args, said):
    result = run([str(stub_folder), *args])
    assert result.usage_error == said, result.output
    assert result.stderr.startswith("Usage: grade [OPTIONS] [PATH]\n")


def test_help_lists_every_option_the_commands_and_the_exit_statuses():
    result = run(["--help"])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: grade [OPTIONS] [PATH]\n       grade COMMAND")
    options = ["--exercise", "--hidden / --public-only", "--format", "--output", "--watch"]
    options += ["--hint", "--solution", "--list", "--timeout", "--isolation", "-h, --help"]
    for option in options:
        assert option in result.stdout, option
    assert "--watch-runs" not in result.stdout  # the tests' option, not the learners'
    assert "Commands:\n  batch  Grade a whole class" in result.stdout
    statuses = "Exit status: 0 all graded checks pass, 1 some fail, 2 bad usage or unreadable "
    statuses += "submission, 3 the grader itself failed, 130 interrupted (Ctrl-C)."
    assert statuses in " ".join(result.stdout.split())
    assert run(["-h"]).stdout == result.stdout


def test_gdkit_help_lists_every_command_with_its_whole_first_sentence():
    from gdkit.cli import SUBCOMMANDS, main

    result = CliRunner().invoke(main, ["-h"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:")[1]
    assert [line.split()[0] for line in listed.splitlines() if line[2:3].strip()] == sorted(
        SUBCOMMANDS
    )
    assert "Gradescope, PrairieLearn or a Kubernetes Job." in " ".join(listed.split())
    assert "..." not in listed
    assert (
        CliRunner()
        .invoke(main, ["decks", "build", "-h"])
        .output.startswith("Usage: gdkit decks build [OPTIONS]")
    )


def test_grade_batch_is_a_subcommand_with_its_own_usage(tmp_path):
    helped = run(["batch", "--help"])
    assert helped.exit_code == 0
    assert helped.stdout.startswith("Usage: grade batch [OPTIONS] SUBMISSIONS...\n")
    for option in ("--output", "--jobs", "--time-limit", "--timeout", "--isolation"):
        assert option in helped.stdout, option
    missing = run(["batch"])
    assert missing.usage_error == "Missing argument 'SUBMISSIONS...'."
    assert missing.stderr.startswith("Usage: grade batch [OPTIONS] SUBMISSIONS...\n")
    for option in ("--timeout", "--time-limit"):  # the same rule as grade's --timeout
        refused = run(["batch", str(tmp_path), "-o", str(tmp_path / "out"), option, "nan"])
        assert refused.usage_error == f"{option} must be a positive number of seconds, not 'nan'"
    assert not (tmp_path / "out").exists()


def test_the_sandbox_starts_before_pytest_is_imported():
    """Its worker imports NumPy while the grading process loads pytest and the checks."""
    code = (
        "import sys\n"
        "from grader.sandbox.sandbox import Sandbox\n"
        "start = Sandbox.start\n"
        "def start_and_tell(self):\n"
        "    print('pytest already imported:', 'pytest' in sys.modules, file=sys.stderr)\n"
        "    return start(self)\n"
        "Sandbox.start = start_and_tell\n"
        "from grader.cli import run\n"
        "run()\n"
    )
    args = [sys.executable, "-c", code, "solutions", "-e", "parabola"]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "pytest already imported: False" in done.stderr.splitlines()[0]


def test_an_interrupted_run_is_not_a_failed_one(monkeypatch):
    """Ctrl-C: exit 130 (as a shell reports it), not click's "Aborted!" with 1 (some failed)."""
    import grader.runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grader.runner, "grade", interrupted)
    result = run([str(solutions_dir()), "-e", "parabola"])
    assert result.exit_code == 130 and result.stderr == "grade: interrupted\n"
    assert result.stdout == ""


def test_the_last_of_hidden_and_public_only_wins():
    folder = [str(solutions_dir()), "-e", "parabola", "--format", "json"]
    public = json.loads(run([*folder, "--hidden", "--public-only"]).stdout)
    everything = json.loads(run([*folder, "--public-only", "--hidden"]).stdout)
    assert public["hidden_checks_not_run"] > 0 and not public["include_hidden"]
    assert everything["hidden_checks_not_run"] == 0 and everything["include_hidden"]


@pytest.mark.parametrize("kind", ["folder", "fifo", "sparse", "link out", "not utf8"])
def test_a_file_that_cannot_be_graded_fails_only_its_exercise(tmp_path, kind):
    """Not a crash, not a hang, not exit 2: that exercise scores 0, the others are graded."""
    folder = tmp_path / "submission"
    folder.mkdir()
    copy_solution("bce_gradient", folder)
    target = folder / "01_parabola.py"
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "link out":
        target.symlink_to(solutions_dir() / "01_parabola.py")
    elif kind == "not utf8":
        target.write_bytes(b"# caf\xe9\n")
    else:
        with open(target, "wb") as handle:
            handle.truncate(10**10)
    result = run([str(folder), "--format", "json"], env={"GDKIT_TIMEOUT": "2"})
    assert result.exit_code == 1, result.output
    data = {e["name"]: e for e in json.loads(result.output)["exercises"]}
    assert data["parabola"]["score"] == 0 and data["parabola"]["status"] != "done"
    assert data["bce_gradient"]["status"] == "done"
    sentence = {
        "folder": "01_parabola.py is a folder, not a file; put your exercise file",
        "fifo": "01_parabola.py is a named pipe (FIFO), not a file;",
        "sparse": "01_parabola.py is 10.0 GB, more than the 1.0 MB",
        "link out": "01_parabola.py is a symbolic link to a file outside the submission folder;",
        "not utf8": "01_parabola.py is not UTF-8 text: byte 6 (0xE9, line 1, column 6)",
    }[kind]
    assert all(sentence in c["message"] for c in data["parabola"]["checks"])


def test_odd_paths_are_shown_safely(tmp_path):
    odd = os.fsdecode(bytes(tmp_path) + b"/caf\xe9\n\x1b]0;title\x07")
    result = run([odd])
    assert result.exit_code == 2
    assert "caf\\xe9\\n\\x1b]0;title\\x07: no such file or folder" in result.output
    assert "\x1b" not in result.output


def test_a_report_file_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "results.json"
    out.write_text("the previous report")
    out.chmod(0o640)

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    result = run([str(solutions_dir()), "-e", "parabola", "--format", "json", "-o", str(out)])
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert out.read_text() == "the previous report" and os.listdir(tmp_path) == ["results.json"]
    monkeypatch.undo()
    assert run([str(solutions_dir()), "-e", "parabola", "-o", str(out)]).exit_code == 0
    assert "Progress: 1/1 done" in out.read_text() and out.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["results.json"]


def test_text_report(stub_folder):
    result = run([str(stub_folder)])
    out = result.output
    assert "parabola" in out and "not started" in out and "bce_gradient" in out
    assert "missing" in out and f"Progress: 1/{len(load_exercises())} done" in out
    assert "hidden check" not in out and "sandbox: " in out.splitlines()[0]
    assert "Next: start" in out and "grade --hint parabola" in out
    verbose = run([str(stub_folder), "--verbose"]).output
    assert "hidden check(s)" in verbose and "were not run" in verbose
    assert "isolation: " in verbose
    assert "\x1b[" not in out  # no colour when not on a terminal
    assert "Traceback" not in out


def test_first_failure_shows_diagnosis_and_hint(tmp_path):
    source = (solutions_dir() / "01_parabola.py").read_text()
    (tmp_path / "01_parabola.py").write_text(
        source.replace("    return w - lr * grad\n", "    return w + lr * grad\n")
    )
    out = run([str(tmp_path)]).output
    assert "Likely mistake: You added the gradient step" in out
    assert "Hint: Gradient descent walks downhill" in out
    assert "Next: fix" in out


def test_path_can_be_one_file(stub_folder):
    result = run([str(stub_folder / "01_parabola.py"), "--format", "json"])
    data = json.loads(result.output)
    assert [e["name"] for e in data["exercises"]] == ["parabola"]


def test_default_path_is_exercises_in_the_current_folder(tmp_path, stub_folder):
    data = json.loads(run(["--format", "json"], cwd=tmp_path).output)
    assert Path(data["submission"]) == stub_folder.resolve()


def test_json_report_counts_hidden_checks(stub_folder):
    public = json.loads(run([str(stub_folder), "--format", "json"]).output)
    everything = json.loads(run([str(stub_folder), "--format", "json", "--hidden"]).output)
    assert public["hidden_checks_not_run"] > 0 and everything["hidden_checks_not_run"] == 0
    count = sum(len(e["checks"]) for e in public["exercises"]) + public["hidden_checks_not_run"]
    assert count == sum(len(e["checks"]) for e in everything["exercises"])
    assert {c["visibility"] for e in everything["exercises"] for c in e["checks"]} == {
        "public",
        "hidden",
    }


def test_gradescope_output_matches_its_schema(tmp_path, stub_folder):
    out = tmp_path / "results.json"
    result = run([str(stub_folder), "--format", "gradescope", "--hidden", "-o", str(out)])
    assert result.exit_code == 1 and "wrote" in result.output
    data = json.loads(out.read_text())
    schema = json.loads(schema_path("gradescope-results.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema)
    assert data["score"] == sum(t["score"] for t in data["tests"])
    assert {t["visibility"] for t in data["tests"]} == {"visible", "after_due_date"}
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject bad output
        jsonschema.validate({"score": 1, "tests": [{"status": "maybe"}]}, schema)


def test_junit_output_matches_its_schema(stub_folder):
    result = run([str(stub_folder), "--format", "junit", "--hidden"])
    schema = xmlschema.XMLSchema(str(schema_path("junit-10.xsd")))
    schema.validate(result.output)
    parsed = schema.to_dict(result.output)
    suites = {s["@name"]: s for s in parsed["testsuite"]}
    assert int(suites["parabola"]["@failures"]) == int(suites["parabola"]["@tests"]) > 0
    assert int(suites["bce_gradient"]["@failures"]) == 0
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate("<testsuites><testsuite/></testsuites>")


def test_junit_survives_control_characters(tmp_path):
    (tmp_path / "01_parabola.py").write_text(
        "def parabola_loss(w):\n    print('\\x00\\x07 bell')\n    return 0.0\n"
    )
    result = run([str(tmp_path), "--format", "junit"])
    xmlschema.XMLSchema(str(schema_path("junit-10.xsd"))).validate(result.output)


def test_hint_and_list():
    result = run(["--hint", "momentum"])
    assert result.exit_code == 0 and "Hint 1 of " in result.output
    assert run(["--hint", "nope"]).exit_code == 2
    listing = run(["--list"]).output
    assert all(e.name in listing for e in load_exercises())


def test_solution_only_after_passing(tmp_path, stub_folder):
    locked = run([str(stub_folder), "--solution", "parabola"])
    assert locked.exit_code == 1 and "### BEGIN SOLUTION" not in locked.output
    assert "shown once" in locked.output
    done = tmp_path / "done"
    copy_solution("parabola", done)
    shown = run([str(done), "--solution", "parabola"])
    assert shown.exit_code == 0 and "def gd_step" in shown.output
    assert "SOLUTION" not in shown.output  # the markers are the authoring tools', not the code
    assert run([str(done), "--solution", "1"]).output == shown.output  # by its number


def test_solution_counts_points_as_the_report_does(stub_folder):
    """--solution also runs the hidden checks: their points are told apart from the public
    ones the report counts ("5/13" against "4/11" before)."""
    report = json.loads(run([str(stub_folder), "-e", "parabola", "--format", "json"]).output)
    public = f"{report['score']}/{report['max_score']} points on the public checks"
    locked = run([str(stub_folder), "--solution", "parabola"]).output
    assert public in locked and "on the hidden ones" in locked
    assert "`grade -e parabola`" in locked and "NAME" not in locked


def test_hints_are_shown_one_at_a_time_and_remembered(tmp_path, monkeypatch):
    from grader.exercises import by_name

    hints = by_name("momentum").hints
    assert len(hints) >= 2
    shown = [run(["--hint", "momentum"]).output for _ in hints]
    for number, (output, hint) in enumerate(zip(shown, hints, strict=True), start=1):
        assert f"Hint {number} of {len(hints)}: {hint}" in output
        assert output.count("Hint ") == 1  # one at a time
    assert "again for hint 2" in shown[0] and "the last one" in shown[-1]
    again = run(["--hint", "momentum"]).output  # all seen: all of them
    assert all(hint in again for hint in hints)
    other = run(["--hint", "parabola"]).output  # remembered per exercise
    assert "Hint 1 of " in other and "Hint 2 of " not in other
    every = run(["--hint", "bce_gradient", "--all"]).output
    assert every.count("Hint ") == len(by_name("bce_gradient").hints)
    assert run(["--all"]).exit_code == 2
    cache = tmp_path / "cache"
    monkeypatch.setenv("GDKIT_CACHE_DIR", str(cache))
    cache.mkdir()
    (cache / "hints.json").write_text("{not json", encoding="utf-8")
    broken = run(["--hint", "momentum"])
    assert broken.exit_code == 0 and "Hint 1 of " in broken.output
    assert "starting from the first hint" in broken.output
    assert "Hint 2 of " in run(["--hint", "momentum"]).output  # the cache written anew


def test_exercises_are_named_by_their_number_wherever_a_name_is(stub_folder):
    by_number = run(["--hint", "3", "--all"]).output
    assert by_number == run(["--hint", "momentum", "--all"]).output and "momentum" in by_number
    graded = json.loads(run([str(stub_folder), "-e", "02", "--format", "json"]).output)
    assert [e["name"] for e in graded["exercises"]] == ["bce_gradient"]
    wrong = run([str(stub_folder), "-e", "99"])
    assert wrong.exit_code == 2 and "no exercise number 99 (the exercises are 1–11)" in wrong.output


def _run_on_pty(args, env):
    leader, follower = pty.openpty()
    process = subprocess.Popen(GRADE + args, stdout=follower, stderr=follower, cwd=REPO, env=env)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_on_a_pty_unless_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    args = ["solutions", "-e", "parabola"]
    assert "\x1b[" in _run_on_pty(args, env)
    assert "\x1b[" not in _run_on_pty(args, {**env, "NO_COLOR": "1"})


def test_exercises_sync_and_check(tmp_path):
    solutions, stubs = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    shutil.copy(solutions_dir() / "01_parabola.py", solutions)
    runner = CliRunner()
    options = ["--solutions", str(solutions), "--exercises", str(stubs)]
    assert runner.invoke(exercises_group, ["check", *options]).exit_code == 1
    synced = runner.invoke(exercises_group, ["sync", *options])
    assert synced.exit_code == 0 and "01_parabola.py" in synced.output
    assert runner.invoke(exercises_group, ["check", *options]).exit_code == 0
    assert (stubs / "01_parabola.py").read_text() == (
        exercises_dir() / "01_parabola.py"
    ).read_text()
    (stubs / "01_parabola.py").write_text("edited")
    assert runner.invoke(exercises_group, ["check", *options]).exit_code == 1
    (solutions / "09_broken.py").write_text("def f():\n    ### BEGIN SOLUTION\n    pass\n")
    broken = runner.invoke(exercises_group, ["sync", *options])
    assert broken.exit_code == 1 and "09_broken.py:2" in broken.output


def test_a_crashing_check_is_not_the_learners_fault(monkeypatch, tmp_path):
    import grader.checks.check_parabola as checks

    def broken(w):
        raise KeyError("reference table")

    copy_solution("parabola", tmp_path)
    # the check's own reference function (gdref's, patched, would be hidden by the value it
    # remembered when an earlier test of this process graded parabola)
    monkeypatch.setattr(checks, "loss_and_slope", broken)
    result = run([str(tmp_path), "-e", "parabola", "--format", "json"])
    assert result.exit_code == 3
    data = json.loads(result.output)
    statuses = {c["name"]: c for c in data["exercises"][0]["checks"]}
    crashed = statuses["test_loss_and_slope"]
    assert crashed["status"] == "error" and "not your fault" in crashed["message"]
    assert statuses["test_one_step_flashcards"]["status"] == "passed"


def test_cli_offers_every_report_format():
    import grader.cli
    import grader.report.render

    assert grader.cli.FORMATS == grader.report.render.FORMATS


def test_report_names_the_isolation_used():
    for name in ("process", "rlimits"):  # rlimits: process's former name
        args = [str(solutions_dir()), "-e", "parabola", "--isolation", name]
        out = run(args).output
        assert "sandbox: a separate process" in out.splitlines()[0]
        assert "no filesystem or network isolation" not in out
        more = run([*args, "-v"]).output
        assert "isolation: process: no filesystem or network isolation" in more
    data = json.loads(run([str(solutions_dir()), "-e", "parabola", "--format", "json"]).output)
    assert data["isolation"] in ("bubblewrap", "process")


@pytest.mark.parametrize(
    "args, code",
    [
        (["solutions", "--format", "json"], 0),
        (["exercises", "--format", "json"], 1),
        (["solutions", "-e", "no_such_exercise"], 2),
        (["solutions", "--list"], 0),
    ],
)
def test_the_program_ends_with_its_whole_output_and_exit_status(args, code):
    """`grade` as a program (grader.cli.run) ends the process as soon as the report is out:
    all of it, flushed, with the status main() gave."""
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", *args], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == code, done.stderr
    if "json" in args:
        report = json.loads(done.stdout)  # the whole document arrived
        assert len(report["exercises"]) == len(load_exercises())
    elif code == 2:
        assert "no exercise named 'no_such_exercise'" in done.stderr
    else:
        assert done.stdout.count("\n") >= len(load_exercises())


@pytest.mark.parametrize(
    "encoding, args, code",
    [
        ("cp1252", ["--hint", "parabola", "--all"], 0),  # Windows, output redirected to a file
        ("latin-1", ["exercises", "-e", "parabola"], 1),
        ("ascii", ["solutions", "-e", "parabola"], 0),
    ],
)
def test_output_in_an_encoding_without_greek_letters_is_spelled_plainly(encoding, args, code):
    """The hints and reports use α, − and ≈: where the output's encoding lacks them they are
    spelled plainly (alpha, -, ~=; grader/report/terminal.py), never as \\u escapes, and the
    rest of the text arrives whole."""
    env = {**os.environ, "PYTHONIOENCODING": encoding, "GDKIT_TIMEOUT": "5"}
    done = subprocess.run(GRADE + args, cwd=REPO, capture_output=True, env=env)
    assert done.returncode == code, done.stderr.decode(encoding, "replace")
    text = done.stdout.decode(encoding)
    assert "Traceback" not in done.stderr.decode(encoding, "replace")
    assert "\\u" not in text
    if "--hint" in args:
        assert "w_new = w - alpha" in text and "Hint 4 of " in text
    else:
        assert "Progress: " in text and "Next: " in text  # the report's last lines
