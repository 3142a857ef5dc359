"""`grade batch` over a generated class: solutions, stubs, mutants, broken and hostile files, a
looping submission; the gradebook and the mistake tally must say what was generated. Then the
class report, in a real headless Chromium."""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from browser import HEADLESS_FLAGS, chromium_path
from grade_cli import run_grade

from grader.authoring.mutants import apply_mutant
from grader.exercises import REPO_ROOT, by_name, load_exercises
from grader.instructor.batch import _progress, discover, run_batch, write_outputs
from grader.instructor.gradebook import cell
from grader.sandbox.backends import available

SOLUTIONS = REPO_ROOT / "solutions"
# (student, exercise, mistake): each student's copy of the solutions carries that one mutant
MUTANTS = [
    ("mut-ann", "parabola", "sign_flipped"),
    ("mut-ben", "parabola", "sign_flipped"),
    ("mut-cat", "momentum", "sutskever_form"),
    ("mut-dan", "adam", "no_bias_correction"),
    ("mut-eve", "linear_regression", "missing_half"),
]
LOOP = "while True:\n    pass\n"


def _solutions(folder: Path) -> Path:
    shutil.copytree(SOLUTIONS, folder)
    return folder


def make_class(root: Path) -> Path:
    """The generated class, as an LMS export folder (one subfolder or zip per student)."""
    export = root / "export"
    export.mkdir()
    _solutions(export / "sol-alice")
    shutil.copytree(REPO_ROOT / "exercises", export / "stub-bob")
    for student, exercise_name, mistake_id in MUTANTS:
        exercise = by_name(exercise_name)
        folder = _solutions(export / student)
        path = folder / exercise.file
        path.write_text(apply_mutant(path.read_text(), exercise.mistake(mistake_id)))
    broken = _solutions(export / "broken-carl")
    (broken / "01_parabola.py").write_text("def gd_step(w, grad, lr)\n    return w\n")
    (broken / "02_bce_gradient.py").write_bytes(b"\xff\xfe\x00garbage\x80")
    (_solutions(export / "loop-one") / "03_momentum.py").write_text(LOOP)
    everything_loops = export / "loop-all"
    everything_loops.mkdir()
    for exercise in load_exercises():
        (everything_loops / exercise.file).write_text(LOOP)
    with zipfile.ZipFile(export / "zip-erin.zip", "w") as archive:
        for path in sorted(SOLUTIONS.glob("*.py")):
            archive.write(path, f"homework 2/src/{path.name}")
    _hostile_zip(export / "zip-mallory.zip")
    (export / "zip-frank.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    _solutions(export / "+1-formula")
    return export


def _hostile_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../escaped/01_parabola.py", (SOLUTIONS / "01_parabola.py").read_text())
        link = zipfile.ZipInfo("02_bce_gradient.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("03_momentum.py", "#" * 5_000_000)  # compresses to a few kB


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    export = make_class(root)
    out = root / "out"
    result = run_batch([export], out, jobs=2, timeout=1.0, time_limit=8.0)
    write_outputs(result, out)
    return root, export, out, result


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def _max_points() -> dict[str, int]:
    from grader.instructor.gradebook import check_list

    return {e.name: sum(c["points"] for c in check_list(e)) for e in load_exercises()}


@pytest.mark.slow
def test_the_gradebook_says_what_was_generated(graded):
    root, export, out, result = graded
    book = _gradebook(out)
    full = _max_points()
    total = sum(full.values())
    names = [e.name for e in load_exercises()]
    students = discover([export], {e.file for e in load_exercises()})
    assert set(book) == {cell(s.name) for s in students}

    def scores(student):
        return {name: int(book[student][name]) for name in names}

    assert scores("sol-alice") == full and int(book["sol-alice"]["total"]) == total
    assert scores("zip-erin") == full
    assert all(v == 0 for v in scores("stub-bob").values())
    for student, exercise, _mistake in MUTANTS:
        got = scores(student)
        assert got[exercise] < full[exercise], student
        assert {k: v for k, v in got.items() if k != exercise} == {
            k: v for k, v in full.items() if k != exercise
        }
    carl = scores("broken-carl")
    assert carl["parabola"] == carl["bce_gradient"] == 0 and carl["adam"] == full["adam"]
    loop = scores("loop-one")
    assert loop["momentum"] == 0 and loop["adam"] == full["adam"]
    assert int(book["loop-all"]["total"]) == 0
    mallory = scores("zip-mallory")
    assert mallory["parabola"] == full["parabola"]  # read by name, never by its path
    assert mallory["bce_gradient"] == mallory["momentum"] == 0
    assert not (root / "escaped").exists() and not (out.parent / "escaped").exists()
    assert int(book["zip-frank"]["total"]) == 0
    assert "'+1-formula" in book  # a folder name is never a spreadsheet formula
    assert all(row["max_total"] == str(total) for row in book.values())


@pytest.mark.slow
def test_the_mistake_tally_names_every_generated_mistake(graded):
    _root, _export, out, _result = graded
    with open(out / "mistakes.csv", newline="") as handle:
        tally = {(r["exercise"], r["mistake"]): r for r in csv.DictReader(handle)}
    expected: dict[tuple[str, str], set[str]] = {}
    for student, exercise, mistake in MUTANTS:
        expected.setdefault((exercise, mistake), set()).add(student)
    for key, students in expected.items():
        assert key in tally, key
        assert int(tally[key]["count"]) == len(students)
        assert set(tally[key]["students"].split(";")) == students
        assert tally[key]["message"] == by_name(key[0]).mistake(key[1]).message
    mutated = {exercise for _s, exercise, _m in MUTANTS}
    broken = {"parabola", "bce_gradient", "momentum"}  # carl, mallory and the loops
    assert {exercise for exercise, _m in tally} <= mutated | broken


@pytest.mark.slow
def test_a_looping_submission_costs_only_its_own_time(graded):
    _root, _export, out, result = graded
    problems = {o.shown: o.problem for o in result.outcomes if o.problem}
    assert set(problems) <= {"loop-all", "zip-frank"}
    assert "zip-frank.zip is neither a folder nor a zip" in problems["zip-frank"]  # 0, and why
    report = json.loads((out / "reports" / "sol-alice.json").read_text())
    assert report["report"]["score"] == sum(_max_points().values())
    # nothing of the run is left: no staging folder, no process that was given one
    assert not list(out.glob(".grading-*"))
    leftovers = subprocess.run(["pgrep", "-f", str(out / ".grading-")], capture_output=True)
    assert leftovers.stdout.strip() == b""


@pytest.mark.slow
def test_a_rerun_grades_only_what_changed(graded):
    root, export, out, _result = graded
    again = run_batch([export], out, jobs=2, timeout=1.0, time_limit=8.0)
    assert again.graded == 0
    assert [o.student for o in again.outcomes] == [o.student for o in _result.outcomes]
    _solutions(export / "late-zoe")
    late = run_batch([export], out, jobs=2, timeout=1.0, time_limit=8.0)
    assert late.graded == 1 and "late-zoe" in {o.student for o in late.outcomes}
    parabola = export / "sol-alice" / "01_parabola.py"
    parabola.write_text(parabola.read_text() + "\n# a late edit\n")
    edited = run_batch([export], out, jobs=2, timeout=1.0, time_limit=8.0)
    assert edited.graded == 1
    shutil.rmtree(export / "late-zoe")


def test_grade_batch_and_a_folder_named_batch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "batch").mkdir()
    shutil.copy(SOLUTIONS / "01_parabola.py", tmp_path / "batch")
    folder = run_grade(["./batch", "-e", "parabola"])
    assert folder.exit_code == 0, folder.output
    assert "parabola" in folder.output
    usage = run_grade(["batch"])
    assert usage.exit_code == 2 and "SUBMISSIONS" in usage.output
    done = run_grade(["batch", "batch", "-o", "out", "--jobs", "1"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "out" / "gradebook.csv").read_text().startswith("student,id,key,parabola")
    (tmp_path / "batch" / "out").mkdir()  # OUT inside the export: never graded as a student
    shutil.move(tmp_path / "batch" / "01_parabola.py", tmp_path / "batch" / "out")
    (tmp_path / "batch" / "ann").mkdir()
    shutil.copy(SOLUTIONS / "01_parabola.py", tmp_path / "batch" / "ann")
    inside = run_grade(["batch", "batch", "-o", "batch/out", "--jobs", "1"])
    assert inside.exit_code == 0, inside.output
    book = (tmp_path / "batch" / "out" / "gradebook.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in book[1:]] == ["ann"]


# ---------------------------------------------------------------------------------------------
# the class report in a real browser

CHROMIUM = chromium_path() or "/usr/bin/chromium"
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || e.type)), true);
document.addEventListener('securitypolicyviolation',
  e => window.__errors.push('csp ' + e.blockedURI));
window.addEventListener('load', () => {
  // synchronous: --dump-dom may dump right after the load handlers ran (images are loaded by
  // then: the load event waits for them)
  const images = [...document.images];
  for (const i of images) if (!i.complete) window.__errors.push('img not loaded ' + i.alt);
  const tables = {};
  for (const t of document.querySelectorAll('table'))
    tables[t.id] = [...t.rows].map(r => [...r.cells].map(c => c.textContent));
  const total = [...document.querySelectorAll('#gradebook th')]
    .find(th => th.textContent.startsWith('total'));
  const layout = {window: window.innerWidth, page: document.documentElement.scrollWidth,
    scrolled: [...document.querySelectorAll('.wide')].filter(d => d.scrollWidth > d.clientWidth)
      .map(d => d.firstElementChild.id),
    total: total ? total.getBoundingClientRect().right : null,
    headings: [...document.querySelectorAll('h2')].map(h => h.textContent)};
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({errors: window.__errors, tables, layout,
    images: images.map(i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width])});
  document.body.appendChild(out);
});
</script>"""


def render_in_chromium(page: Path, tmp_path: Path) -> dict:
    """Open ``page`` (with a probe script added) in headless Chromium; what the probe saw."""
    text = page.read_text(encoding="utf-8")
    text = text.replace("style-src 'unsafe-inline'", "style-src 'unsafe-inline'; "
                        "script-src 'unsafe-inline'", 1)  # fmt: skip
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(text.replace("</head>", PROBE + "</head>", 1), encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, *HEADLESS_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=1280,900", "--virtual-time-budget=10000", "--dump-dom",
         probe_page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert '<pre id="probe">' in done.stdout, done.stderr[-2000:]
    dumped = done.stdout.split('<pre id="probe">', 1)[1].split("</pre>", 1)[0]
    return json.loads(html.unescape(dumped))


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_the_class_report_renders_in_chromium_and_matches_the_csv(graded, tmp_path):
    _root, _export, out, _result = graded
    seen = render_in_chromium(out / "report.html", tmp_path)
    assert seen["errors"] == []
    assert len(seen["images"]) == 2
    assert all(w > 300 and h > 100 and shown > 100 for w, h, shown in seen["images"])
    assert_fits_1280(seen["layout"])
    headings = [h.split(" (")[0] for h in seen["layout"]["headings"]]
    assert headings == ["Needs attention", "Score distribution", "Per exercise",
                        "Most common diagnosed mistakes",
                        "Checks failing most without a diagnosis", "Gradebook"]  # fmt: skip
    with open(out / "gradebook.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    total = rows[1][-2]  # max_total: in the total's heading
    shown = [[*r[:3], r[-3], *r[3:-3], r[-1]] for r in rows]
    shown[0][3] = f"total (of {total})"
    assert seen["tables"]["gradebook"] == shown
    attention = {(r[0], r[2]): r for r in seen["tables"]["attention"][1:]}
    assert set(attention) == {("loop-all", "time limit"), ("zip-frank", "nothing found"),
                              ("stub-bob", "scored 0"), ("loop-one", "timed out"),
                              ("broken-carl", "file not graded")}  # fmt: skip
    assert "time limit of 8 s" in attention["loop-all", "time limit"][3]
    assert "neither a folder nor a zip" in attention["zip-frank", "nothing found"][3]
    assert attention["stub-bob", "scored 0"][3] == "every exercise is still the stub (not started)"
    assert attention["loop-one", "timed out"][3].startswith("momentum: loading the file took")
    carl = [r[3] for r in seen["tables"]["attention"][1:] if r[0] == "broken-carl"]
    assert carl[0].startswith("parabola: SyntaxError in 01_parabola.py, line 1")
    assert carl[1].startswith("bce_gradient: 02_bce_gradient.py is not UTF-8 text")
    kinds = [r[2] for r in seen["tables"]["attention"][1:]]
    assert kinds == sorted(kinds, key=attention_order().index)  # the most serious first
    with open(out / "mistakes.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    mistakes = [[r[0], r[1], r[2], r[4], r[5]] for r in rows[1:]]
    assert seen["tables"]["mistakes"][1:] == mistakes
    exercises = [row[0] for row in seen["tables"]["exercises"][1:]]
    assert exercises == [e.name for e in load_exercises()]


def assert_fits_1280(layout: dict) -> None:
    """No sideways scrolling in a 1280 px window, and the gradebook's total in sight."""
    assert layout["window"] == 1280
    assert layout["page"] <= layout["window"] and layout["scrolled"] == []
    assert layout["total"] is not None and layout["total"] <= layout["window"]


def attention_order() -> tuple[str, ...]:
    from grader.instructor.attention import ORDER

    return ORDER


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_long_names_and_texts_still_fit_1280_px_and_no_temporary_path_is_shown(tmp_path):
    """A 150-character student name, long unbroken messages and a grader failure naming its
    temporary folders: the page still fits, and shows no path of a folder that is gone."""
    from grader.instructor.batch import Outcome
    from grader.instructor.gradebook import gradebook_rows, mistake_tally
    from grader.instructor.insights import render_report

    exercises = load_exercises()
    temporary = "/tmp/gdkit-grader-k2j4/.grading-x81/s00003/01_parabola.py"
    outcomes = [
        Outcome("n" * 150, None, "nothing could be graded: " + "y" * 300),
        Outcome("amy", None, f"the grader failed (not the student's fault): OSError: {temporary}"),
        Outcome("bob", None, f"the grader failed: {tmp_path}/gone/03_momentum.py is missing"),
    ]
    rows = gradebook_rows(outcomes, exercises)
    page = tmp_path / "report.html"
    page.write_text(render_report(outcomes, exercises, rows, mistake_tally(outcomes, exercises)))
    seen = render_in_chromium(page, tmp_path)
    assert seen["errors"] == []
    assert_fits_1280(seen["layout"])
    text = json.dumps(seen["tables"])
    assert "/tmp" not in text and str(tmp_path) not in text
    reasons = {r[0]: r[3] for r in seen["tables"]["attention"][1:]}
    assert reasons["amy"] == "the grader failed (not the student's fault): OSError: 01_parabola.py"
    assert reasons["bob"] == "the grader failed: 03_momentum.py is missing"
    assert seen["tables"]["attention"][1][:3] == ["amy", "0", "grader failed"]  # first


def test_student_text_is_escaped_in_the_report():
    from grader.instructor.batch import Outcome
    from grader.instructor.gradebook import gradebook_rows, mistake_tally
    from grader.instructor.insights import render_report

    exercises = load_exercises()
    outcomes = [Outcome("<script>alert(1)</script>", None, "time limit <b>")]
    rows = gradebook_rows(outcomes, exercises)
    page = render_report(outcomes, exercises, rows, mistake_tally(outcomes, exercises))
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>" not in page


def test_a_grader_failure_is_exit_3_and_costs_the_student_nothing(tmp_path, monkeypatch):
    """A worker whose sandbox cannot start: the submission is marked as the grader's fault."""
    (tmp_path / "class" / "amy").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "01_parabola.py", tmp_path / "class" / "amy")
    monkeypatch.setenv("GDKIT_TIMEOUT", "not a number")  # the workers' sandbox refuses it
    done = run_grade(["batch", str(tmp_path / "class"), "-o", str(tmp_path / "o")])
    assert done.exit_code == 3, done.output
    stored = json.loads((tmp_path / "o" / "reports" / "amy.json").read_text())
    assert stored["problem"].startswith("the grader failed") and stored["report"] is None
    monkeypatch.delenv("GDKIT_TIMEOUT")
    again = run_grade(["batch", str(tmp_path / "class"), "-o", str(tmp_path / "o")])
    assert again.exit_code == 0 and "1 graded now" in again.output  # a fault is retried


@pytest.mark.slow
def test_a_class_that_works_in_notebooks_is_graded_like_py_files(tmp_path):
    """Issue 10: grade batch reads NN_name.ipynb as it reads NN_name.py (the same marks)."""
    from grader.authoring.notebook_stubs import solution_notebook

    export = tmp_path / "export"
    solved, stubs, mutant = export / "nb-ann", export / "nb-bob", export / "nb-cat"
    for folder in (solved, stubs, mutant):
        folder.mkdir(parents=True)
    for exercise in load_exercises():
        stub = (REPO_ROOT / "exercises" / exercise.file).with_suffix(".ipynb")
        source = (SOLUTIONS / exercise.file).read_text()
        (solved / stub.name).write_text(solution_notebook(source, stub.read_text()))
        shutil.copy(stub, stubs / stub.name)
        if exercise.name == "parabola":
            source = apply_mutant(source, exercise.mistake("sign_flipped"))
        (mutant / stub.name).write_text(solution_notebook(source, stub.read_text()))
    out = tmp_path / "out"
    write_outputs(run_batch([export], out, jobs=2, timeout=2.0, time_limit=30.0), out)
    book, full = _gradebook(out), _max_points()
    assert all(int(book["nb-ann"][name]) == points for name, points in full.items())
    assert int(book["nb-bob"]["total"]) == 0
    assert int(book["nb-cat"]["parabola"]) < full["parabola"]
    assert int(book["nb-cat"]["total"]) == int(book["nb-ann"]["total"]) - (
        full["parabola"] - int(book["nb-cat"]["parabola"])
    )
    with open(out / "mistakes.csv", newline="") as handle:
        tally = {
            (row["exercise"], row["mistake"]): row["students"] for row in csv.DictReader(handle)
        }
    assert tally[("parabola", "sign_flipped")] == "nb-cat"


def test_the_progress_bar_is_shown_on_a_terminal_only(monkeypatch):
    """click's bar on stderr (the one terminal library of every command), advanced per
    submission; nothing at all when not asked for (not a terminal, or CI)."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for enabled, shown in ((True, "grading"), (False, "")):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        advance, close = _progress(2, enabled)
        advance()
        advance()
        close()
        assert shown in terminal.getvalue() and bool(terminal.getvalue()) == enabled
        assert ("2/2" in terminal.getvalue()) == enabled


@pytest.mark.slow
@pytest.mark.parametrize("isolation", available())
def test_a_grader_killed_on_its_time_limit_leaves_no_process_behind(
    tmp_path, monkeypatch, isolation
):
    """The pool kills a grader past its time limit with the sandbox workers it started (each
    in a session of its own, so not in the grader's process group), and removes the grader's
    temporary folder with what its sandbox and workers wrote there, and (as root) what the
    workers' users wrote by full path in /tmp, /var/tmp and /dev/shm (sandbox/leftovers.py:
    the killed grader could not, so the pool sweeps the uids it left marked)."""
    import multiprocessing
    import os
    import tempfile
    import time
    import uuid

    psutil = pytest.importorskip("psutil")
    from grader.instructor import batch
    from grader.instructor.batch import Grader

    handed = []  # what the pool tells sessions.py (on Windows: the grader's job)
    for name in ("started", "reaped"):
        call = getattr(batch, name)
        monkeypatch.setattr(
            batch, name, lambda pid, n=name, c=call: handed.append((n, pid)) or c(pid)
        )
    folder = _solutions(tmp_path / "loops")
    path = folder / by_name("parabola").file
    text = path.read_text(encoding="utf-8")
    token = f"gdkit-left-{uuid.uuid4().hex}"
    shared = [Path(name) / token for name in ("/tmp", "/var/tmp", "/dev/shm")]
    writes = "".join(f"\n    try:\n        open({str(p)!r}, 'w').write('x')\n    except OSError:\n"
                     "        pass" for p in shared)  # fmt: skip
    path.write_text(text + f"\ndef parabola_grad(w):{writes}\n    while True:\n        pass\n")
    settings = {"hidden": False, "timeout": 60.0, "isolation": isolation, "apart": True}
    temp = Path(tempfile.mkdtemp())
    temp.chmod(0o755)  # as the machine's temporary folder is: workers, run as users of their
    # own, reach it
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))  # and the grader's, were it not given its own
    grader = Grader(multiprocessing.get_context("spawn"), settings)
    try:
        grader.send("loops", folder)
        below: list = []
        for _ in range(600):  # until the learner's loop runs in a sandbox worker
            below = psutil.Process(grader.process.pid).children(recursive=True)
            if any(p.cpu_times().user > 0.5 for p in below):
                break
            time.sleep(0.1)
        assert below, "no sandbox worker started"
        grader.kill()
        deadline = time.monotonic() + 10
        alive = below
        while alive and time.monotonic() < deadline:
            alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            time.sleep(0.1)
        assert alive == []
        assert list(temp.iterdir()) == []  # the grader's folder, with its workers' in it
        if os.geteuid() == 0:  # as an ordinary user they stay: see grader/README.md
            assert [str(p) for p in shared if p.exists()] == []
        pid = grader.process.pid
        assert handed == [("started", pid), ("reaped", pid)]
    finally:
        grader.stop()
        shutil.rmtree(temp, ignore_errors=True)
        for left in shared:
            if left.exists() and left.stat().st_uid != 0:
                left.unlink()


def test_without_matplotlib_the_report_says_so_in_a_sentence(tmp_path, monkeypatch):
    """matplotlib is optional (the instructor extra): without it grade batch writes every file,
    the page without its figures says why, and the command ends normally (a traceback after
    the reports were written before)."""
    (tmp_path / "class" / "amy").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "01_parabola.py", tmp_path / "class" / "amy")
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    out = tmp_path / "o"
    done = run_grade(["batch", str(tmp_path / "class"), "-o", str(out), "-e", "parabola"])
    assert done.exit_code == 0, done.output
    assert "Traceback" not in done.output
    assert "matplotlib is not installed" in done.output
    page = (out / "report.html").read_text()
    assert "matplotlib is not installed" in page and "<img" not in page
    monkeypatch.delitem(sys.modules, "matplotlib")  # installed again: the page gets its figures
    again = run_grade(["batch", str(tmp_path / "class"), "-o", str(out), "-e", "parabola"])
    assert again.exit_code == 0 and "matplotlib is not" not in again.output
    assert "<img" in (out / "report.html").read_text()


def test_attention_is_for_the_assignments_exercises():
    """With --exercises, a file that could not be graded counts only if its exercise is one of
    the assignment's; a total of 0 is the assignment's total."""
    from grader.instructor.attention import ERROR, ZERO, needs_attention
    from grader.instructor.batch import Outcome

    syntax = "SyntaxError in 03_momentum.py, line 2: invalid syntax"
    failed = [{"status": "failed", "message": syntax, "diagnosis": None}] * 3
    passed = [{"status": "passed", "message": "", "diagnosis": None}] * 3
    report = {"exercises": [
        {"name": "parabola", "status": "done", "checks": passed},
        {"name": "momentum", "status": "failing", "checks": failed},
    ]}  # fmt: skip
    outcome = Outcome("ann", report)
    assert needs_attention([outcome], lambda o: 10, {"parabola"}) == []
    (row,) = needs_attention([outcome], lambda o: 10, {"parabola", "momentum"})
    assert (row.student, row.total, row.kind) == ("ann", 10, ERROR)
    assert row.reason == f"momentum: {syntax}"
    kinds = [r.kind for r in needs_attention([outcome], lambda o: 0, {"momentum"})]
    assert kinds == [ZERO, ERROR]
