"""``grade batch SUBMISSIONS… -o OUT``: grade a whole class, in parallel, resumably.

What a SUBMISSIONS argument may be: one student's folder or zip, or an export (a folder or a
zip of an LMS's submissions: Moodle, Canvas, Gradescope, GitHub Classroom, or plain folders and
zips), see :mod:`grader.submission.exports` — which also says how each student gets a key,
unique by construction. Inside each student's part, exercise files are found at any depth, and
a zip in a folder is opened (:mod:`grader.submission.uploads`).

Everything is written under OUT: ``reports/<key>.json`` (the full JSON report, with the
hash it was graded from), ``gradebook.csv`` (and its Canvas and Moodle forms), ``mistakes.csv``
(:mod:`grader.instructor.gradebook`) and ``report.html`` (:mod:`grader.instructor.insights`).
A submission whose files and checks are unchanged since its report was written is not graded
again (``--force`` regrades everything).

Grading runs in ``--jobs`` grader processes (a pool of :class:`Grader`), each with ONE sandbox
opened once and reused for every submission it grades. Each submission has an overall time
limit: a grader that passes it is killed with everything it started (its sandbox's worker
processes too), that student gets 0 with a note, and a fresh grader
takes the next submission.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.report.write import write_whole
from grader.sandbox import users
from grader.sandbox.sessions import kill_session, lead_own_session, reaped, started
from grader.submission.exports import Student, discover
from grader.submission.uploads import (
    Upload,
    close_export_zips,
    read_student,
    safe_name,
    wanted_names,
)

if TYPE_CHECKING:
    from grader.sandbox.sandbox import Sandbox

REPORTS = "reports"
DEFAULT_TIME_LIMIT = 120.0  # seconds per submission
GRADER_FAULT = "the grader failed (not the student's fault)"  # how such a problem starts
__all__ = [
    "BatchResult",
    "NoStudents",
    "Outcome",
    "Untrusted",
    "discover",
    "run_batch",
    "write_outputs",
]


class NoStudents(Exception):
    """The arguments name no student at all."""


class Untrusted(Exception):
    """The sandbox here cannot keep one submission from another, and the submissions are not
    trusted (no ``--trust-submissions``): the sentence says what to do."""


@dataclass
class Submission:
    who: Student
    upload: Upload = field(default_factory=Upload)
    digest: str = ""

    @property
    def student(self) -> str:
        return self.who.key


@dataclass
class Outcome:
    student: str  # the key: unique, safe as a file name
    report: dict | None  # grader.report.render.to_json, or None when it could not be graded
    problem: str = ""  # why not (nothing found, time limit, grader failure)
    digest: str = ""
    cached: bool = False
    notes: list[str] = field(default_factory=list)
    name: str = ""  # as the export gives it
    lms: str = ""
    lms_id: str = ""

    @property
    def shown(self) -> str:
        return self.name or self.student

    @property
    def grader_fault(self) -> bool:
        return self.problem.startswith(GRADER_FAULT)


# ---------------------------------------------------------------------------------------------
# finding the students


# ---------------------------------------------------------------------------------------------
# what a grade depends on


def checks_version() -> str:
    """A hash of everything a grade depends on besides the submission: the checks, the grader
    and gdref (their source files), so a changed check regrades everyone."""
    import gdref
    import grader

    digest = hashlib.sha256()
    for package in (grader, gdref):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def submission_digest(upload: Upload, version: str, hidden: bool) -> str:
    digest = hashlib.sha256(f"{version}\0{hidden}\0".encode())
    for name in sorted(upload.files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(upload.files[name]).digest())
    for name in sorted(upload.refused):
        digest.update(f"refused {name}: {upload.refused[name]}".encode())
    return digest.hexdigest()


def report_path(out: Path, student: str) -> Path:
    return out / REPORTS / f"{student}.json"


def cached_outcome(out: Path, submission: Submission) -> Outcome | None:
    """The stored outcome when it was graded from the same files and checks, else None."""
    path = report_path(out, submission.student)
    try:
        if not path.is_file() or path.stat().st_size > 50_000_000:
            return None
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("digest") != submission.digest:
        return None
    if str(stored.get("problem", "")).startswith(GRADER_FAULT):
        return None  # the grader failed last time: try again
    return _outcome(
        submission,
        stored.get("report"),
        stored.get("problem", ""),
        cached=True,
        notes=list(stored.get("notes", [])),
    )


def _outcome(submission: Submission, report: dict | None, problem: str, **more) -> Outcome:
    who = submission.who
    return Outcome(who.key, report, problem, submission.digest, name=who.name, lms=who.lms,
                   lms_id=who.lms_id, **more)  # fmt: skip


def store_outcome(out: Path, outcome: Outcome, sources: list) -> None:
    path = report_path(out, outcome.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "student": outcome.student,
        "name": outcome.name,
        "lms": outcome.lms,
        "lms_id": outcome.lms_id,
        "source": [safe_name(str(source.path)) for source in sources],
        "digest": outcome.digest,
        "problem": outcome.problem,
        "notes": outcome.notes,
        "report": outcome.report,
    }
    write_whole(path, json.dumps(data, indent=1, ensure_ascii=True) + "\n")


# ---------------------------------------------------------------------------------------------
# the graders: the pool's processes, each grading one submission after another


def open_sandbox(timeout: float | None, isolation: str, apart: bool = True) -> Sandbox:
    """The one sandbox a grader reuses for every submission it grades (it is not bound to a
    folder: the grading process sends each file's source). With ``apart``, a backend that
    cannot keep one submission from another is refused (SandboxError), also when bubblewrap
    fails at its first worker and ``auto`` would fall back to the process backend."""
    from grader.sandbox.sandbox import Limits, Sandbox

    limits = Limits.from_env(wall=timeout, cpu=timeout)
    sandbox = Sandbox(limits, isolation, apart=apart)
    sandbox.start()
    return sandbox


def _grader_main(settings: dict, tasks, results, temp: str) -> None:
    """A grader process: grade the folders it is sent until the pipe closes, in one grading
    session (the checks are collected once). Messages are JSON (never pickle) on pipes of its
    own, so killing it harms no other grader. Its temporary files (its sandbox's, its workers')
    go in ``temp``, which the pool removes however the grader ends."""
    lead_own_session()  # Ctrl-C on the terminal reaches the pool only, which stops its graders
    tempfile.tempdir = temp
    from grader.report.render import to_json
    from grader.runner import grade_each

    current: list[str] = []  # the student whose folder was taken last, until it is answered

    def folders():
        while True:
            try:
                student, folder = json.loads(tasks.recv_bytes())
            except (EOFError, OSError):
                return
            current[:] = [student]
            yield Path(folder)

    def answer(report, problem: str = "") -> None:
        body = None if report is None else to_json(report)
        results.send_bytes(json.dumps([current[0], body, problem]).encode())
        current.clear()

    pending = folders()
    while True:  # a session ends when the pipe closes, or on a grader fault (then a new one)
        sandbox = None
        try:
            sandbox = open_sandbox(settings["timeout"], settings["isolation"], settings["apart"])
            grade_each(pending, answer, include_hidden=settings["hidden"], sandbox=sandbox)
            break
        except Exception as error:  # noqa: BLE001 - the grader failed: not the student's loss
            if not current and next(pending, None) is None:  # nothing taken: take one to say so
                break
            answer(None, f"{GRADER_FAULT}: {type(error).__name__}: {error}")
        finally:
            if sandbox is not None:
                sandbox.close()


class Grader:
    """One grader process of the pool, its two pipes, and the submission it is grading."""

    def __init__(self, context, settings: dict) -> None:
        task_reader, self.tasks = context.Pipe(duplex=False)
        self.results, result_writer = context.Pipe(duplex=False)
        self.temp = tempfile.TemporaryDirectory(prefix="gdkit-grader-", ignore_cleanup_errors=True)
        os.chmod(self.temp.name, 0o711)  # its workers (users of their own) reach their folders
        self.process = context.Process(
            target=_grader_main,
            args=(settings, task_reader, result_writer, self.temp.name),
            daemon=True,
        )
        self.process.start()
        started(self.process.pid)
        task_reader.close()
        result_writer.close()
        self.student: str | None = None
        self.started = 0.0

    def send(self, student: str, folder: Path) -> None:
        self.student, self.started = student, time.monotonic()
        self.tasks.send_bytes(json.dumps([student, str(folder)]).encode())

    def receive(self) -> tuple[str, dict | None, str] | None:
        """The finished submission's result, or None when the grader died."""
        try:
            student, report, problem = json.loads(self.results.recv_bytes())
        except (EOFError, OSError, ValueError):
            return None
        self.student = None
        return student, report, problem

    def kill(self) -> None:
        if self.process.is_alive():
            kill_session(self.process.pid)  # with its sandbox's workers
        self.process.join(5)
        self._close_pipes()
        users.sweep_stale()  # as root, what its workers' users left, killed uncleaned

    def stop(self) -> None:
        self.tasks.close()  # the grader's recv ends: it closes its sandbox and exits
        self.process.join(30)
        if self.process.is_alive():
            self.kill()
        self._close_pipes()

    def _close_pipes(self) -> None:
        """Close the pipes and remove the grader's temporary folder (it has ended)."""
        for pipe in (self.tasks, self.results):
            pipe.close()
        if not self.process.is_alive():
            reaped(self.process.pid)
            self.temp.cleanup()


def _why_stopped(late: bool, time_limit: float) -> str:
    if late:
        return (
            f"not graded: the time limit of {time_limit:g} s for one submission was reached "
            "(does the code loop forever?)"
        )
    return f"{GRADER_FAULT}: its grader process died while grading it"


def run_pool(
    jobs: list[tuple[str, Path]],
    settings: dict,
    graders: int,
    time_limit: float,
    on_done: Callable[[str, dict | None, str], None],
) -> None:
    """Grade ``jobs`` ((student, staged folder)) on ``graders`` processes; each finished one is
    passed to ``on_done(student, report, problem)``. A grader past ``time_limit`` on one
    submission is killed (with its sandbox) and replaced."""
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("spawn")  # fork is unsafe beside threads, and absent
    pending = list(jobs)
    pool = [Grader(context, settings) for _ in range(min(graders, len(jobs)))]
    try:
        while pending or any(g.student for g in pool):
            for grader in pool:
                if grader.student is None and pending:
                    grader.send(*pending.pop(0))
            busy = [g for g in pool if g.student]
            ready = wait([g.results for g in busy], timeout=0.2)
            for index, grader in enumerate(pool):
                if not grader.student:
                    continue
                result = grader.receive() if grader.results in ready else None
                if result is not None:
                    on_done(*result)
                    continue
                late = time.monotonic() - grader.started > time_limit
                if late or grader.results in ready:  # past its time, or it died
                    student = grader.student
                    grader.kill()
                    on_done(student, None, _why_stopped(late, time_limit))
                    pool[index] = Grader(context, settings)
    finally:
        for grader in pool:
            grader.stop()


# ---------------------------------------------------------------------------------------------
# the whole batch


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    graded: int  # graded in this run (the rest came from earlier reports)
    seconds: float


def _progress(total: int, enabled: bool):
    """A progress bar on stderr (click's, as every command's terminal output) when
    ``enabled``, nothing otherwise: (advance, close)."""
    if not enabled or total == 0:
        return (lambda: None), (lambda: None)
    import click

    shown = contextlib.ExitStack()
    bar = shown.enter_context(
        click.progressbar(length=total, label="grading", show_pos=True, file=sys.stderr)
    )
    return (lambda: bar.update(1)), shown.close


def run_batch(
    paths: Iterable[Path],
    out: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    hidden: bool = True,
    time_limit: float = DEFAULT_TIME_LIMIT,
    timeout: float | None = None,
    isolation: str = "auto",
    progress: bool = False,
    trust: bool = False,
) -> BatchResult:
    """Grade every submission in ``paths`` into ``out`` (see the module docstring). Unless
    ``trust``, raises :class:`Untrusted` where the sandbox cannot keep one submission from
    another (the process backend run by an ordinary user)."""
    from grader.exercises import load_exercises

    started = time.perf_counter()
    wanted = wanted_names(load_exercises())
    version = checks_version()
    submissions = []
    try:
        for student in discover(paths, wanted):
            student.sources = [s for s in student.sources if s.path.resolve() != out.resolve()]
            if not student.sources:
                continue  # OUT inside the export folder is not a student
            upload = read_student(student.sources, wanted)
            if student.late:
                upload.notes.append(f"{student.lms.capitalize()} marks this submission late")
            submission = Submission(student, upload)
            submission.digest = submission_digest(upload, version, hidden)
            submissions.append(submission)
    finally:
        close_export_zips()
    if not submissions:
        raise NoStudents(
            "no student was found in " + ", ".join(safe_name(str(p)) for p in paths) + ": give "
            "an export folder or zip (Moodle, Canvas, Gradescope, GitHub Classroom, or one "
            "folder or zip per student), or one student's folder or zip"
        )
    outcomes: dict[str, Outcome] = {}
    todo = []
    out.mkdir(parents=True, exist_ok=True)
    for submission in submissions:
        cached = None if force else cached_outcome(out, submission)
        if cached is not None:
            outcomes[submission.student] = cached
        elif not submission.upload.files:  # nothing to grade: 0, and why
            outcome = _outcome(submission, None, submission.upload.nothing_found(),
                               notes=_notes(submission.upload))  # fmt: skip
            store_outcome(out, outcome, submission.who.sources)
            outcomes[submission.student] = outcome
        else:
            todo.append(submission)
    if todo:
        apart = not trust
        settings = {"hidden": hidden, "timeout": timeout, "isolation": isolation, "apart": apart}
        _refuse_untrusted(settings)
        _grade_all(todo, out, outcomes, jobs, time_limit, settings, progress)
    ordered = [outcomes[s.student] for s in submissions]
    return BatchResult(ordered, len(todo), time.perf_counter() - started)


def _notes(upload: Upload) -> list[str]:
    return upload.notes + list(upload.refused.values())


def _refuse_untrusted(settings: dict) -> None:
    """Raise :class:`Untrusted` when the submissions would not be kept apart and are not
    trusted (checked once here; each grader's sandbox checks again as it starts)."""
    from grader.sandbox.sandbox import apart_refusal

    refusal = apart_refusal(settings["isolation"]) if settings["apart"] else None
    if refusal:
        raise Untrusted(refusal)


def _grade_all(todo, out, outcomes, jobs, time_limit, settings, progress):
    by_student = {s.student: s for s in todo}
    work = Path(tempfile.mkdtemp(prefix=".grading-", dir=out))
    try:
        staged = []
        for index, submission in enumerate(todo):
            folder = work / f"s{index:05d}"
            submission.upload.write(folder)
            staged.append((submission.student, folder))
        advance, close = _progress(len(todo), progress)

        def done(student: str, report: dict | None, problem: str) -> None:
            submission = by_student[student]
            outcome = _outcome(submission, report, problem, notes=_notes(submission.upload))
            store_outcome(out, outcome, submission.who.sources)
            outcomes[student] = outcome
            advance()

        try:
            run_pool(staged, settings, jobs or os.cpu_count() or 1, time_limit, done)
        finally:
            close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# what is written


def _class_digest(outcomes: list[Outcome], figures: bool) -> str:
    digest = hashlib.sha256(b"figures" if figures else b"no figures")
    for outcome in outcomes:
        digest.update(f"{outcome.student}\0{outcome.digest}\0{outcome.problem}\0".encode())
    return digest.hexdigest()


def _report_is_current(path: Path, digest: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return f'<meta name="gdkit-class" content="{digest}">' in head


DEFAULT_ASSIGNMENT = "Week 2 exercises"


def write_outputs(result: BatchResult, out: Path, exercises: list | None = None,
                  assignment: str = DEFAULT_ASSIGNMENT) -> list[Path]:  # fmt: skip
    """gradebook.csv (and its Canvas and Moodle forms), mistakes.csv and report.html (the
    page is redrawn only when some submission's result changed since it was drawn), for
    ``exercises`` (default: every exercise)."""
    from datetime import datetime, timezone

    from grader.exercises import load_exercises
    from grader.instructor import gradebook as book

    exercises = exercises or load_exercises()
    rows = book.gradebook_rows(result.outcomes, exercises)
    tally = book.mistake_tally(result.outcomes, exercises)
    written = [out / "gradebook.csv", out / "mistakes.csv", out / "report.html"]
    write_whole(written[0], book.to_csv(rows))
    write_whole(written[1], book.mistakes_csv(tally))
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    for name, lms_rows in (
        ("gradebook-canvas.csv", book.canvas_rows(result.outcomes, exercises, assignment)),
        ("gradebook-moodle.csv", book.moodle_rows(result.outcomes, exercises, when)),
    ):
        write_whole(out / name, book.to_csv(lms_rows))
        written.append(out / name)
    from grader.instructor.insights import figures_available, render_report

    digest = _class_digest(result.outcomes, figures_available())  # redrawn once they can be
    if not _report_is_current(written[2], digest):
        page = render_report(result.outcomes, exercises, rows, tally)
        marker = f'<meta name="gdkit-class" content="{digest}">'
        write_whole(
            written[2], page.replace('<meta charset="utf-8">', f'<meta charset="utf-8">{marker}', 1)
        )
    return written
