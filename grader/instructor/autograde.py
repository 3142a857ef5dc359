"""The autograder's entry point: grade one uploaded submission, ALWAYS write results.json.

    python -m grader.instructor.autograde          # find the layout (Gradescope, PrairieLearn)
    python -m grader.instructor.autograde --submission DIR --results FILE \
        [--format gradescope|prairielearn|json] [--deadline SECONDS] \
        [--hidden-checks summary|omit] [--isolation auto|bubblewrap|process]

Layouts (``--layout auto`` picks the first whose folder exists):

- ``gradescope``: reads ``/autograder/submission``, writes ``/autograder/results/results.json``
  in Gradescope's format (grader/report/schemas/gradescope-results.schema.json).
- ``prairielearn``: reads ``/grade/student``, writes ``/grade/results/results.json`` in
  PrairieLearn's external-grader format (grader/report/schemas/prairielearn-results.schema.json).

The upload is hostile input: exercise files are found at any depth (a student zips a folder, or
uploads files loose) by :mod:`grader.submission.uploads` (no links followed; bounds on depth,
entries and size); they are copied into a private staging folder, and only that is graded, in
this process, by the pipeline every door uses: one grading session (:func:`grader.runner.grade`,
all checks, hidden ones too) → the report model → the format's renderer
(grader/report/renderers/), so the results hold the same tests, scores and notes as
``grade DIR --hidden --format gradescope`` (or ``prairielearn``).

The overall deadline (``--deadline``) is the sandbox's: every call of the student's code is cut
to the time left, and once it has passed the remaining checks fail with a sentence naming the
time limit; the score so far is kept. The sandbox is closed before the results are written, so
no worker process (each runs in its own session, killed as a whole) outlives the autograder.
Whatever happens — an empty upload, unreadable files, a grader failure, the deadline — a valid
results file is written with a message the student can act on; the results name the isolation
that ran.

Before grading, learner code's view is tried (:mod:`grader.instructor.secrecy`): if it could
read the grader's files (hidden checks, gdref), nothing is graded and students are told only
that. What only instructors may see (the isolation's note, weak isolation as root, the secrecy
check, a refusal's reason) is the report's ``instructor_notes``: printed on stdout (Gradescope
shows run_autograder's output to instructors only) and, in Gradescope's results, a test of
visibility "hidden". Students never see a hidden check's name or message before the due date:
Gradescope's tests for them are "after_due_date"; PrairieLearn's and the JSON results sum them
up in one line.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# one BLAS thread: the checks work on small arrays (set before NumPy is imported; as `grade`)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from grader.commands import SECONDS  # noqa: E402
from grader.report.renderers.gradescope import render_gradescope  # noqa: E402
from grader.report.renderers.json_report import render_student_json  # noqa: E402
from grader.report.renderers.prairielearn import render_prairielearn  # noqa: E402
from grader.report.write import write_whole  # noqa: E402
from grader.sandbox.sandbox import Deadline, Limits, Sandbox  # noqa: E402

if TYPE_CHECKING:
    from grader.report.results import Report
    from grader.submission.uploads import Upload

LAYOUTS = {
    "gradescope": (Path("/autograder/submission"), Path("/autograder/results/results.json")),
    "prairielearn": (Path("/grade/student"), Path("/grade/results/results.json")),
}
# the results' formats (grader/report/renderers/), each safe for students to see
AUTOGRADER_RENDERERS = {
    "gradescope": render_gradescope,  # hidden checks' tests visible after the due date
    "prairielearn": render_prairielearn,  # no per-test visibility: hidden checks in one line
    "json": render_student_json,  # the same
}
FORMATS = tuple(AUTOGRADER_RENDERERS)
DEFAULT_DEADLINE = 600.0  # seconds for the whole submission

NOTHING_RAN = "none (no file of yours was run)"
HIDDEN_CHECKS = {  # --hidden-checks: what each choice does (the option's help)
    "summary": "run them: Gradescope shows each after the due date, PrairieLearn and JSON "
    "results one line (their points together, no names)",
    "omit": "do not run them: the score is the public checks' (grade the hidden ones later, "
    "with grade batch)",
}
REFUSED = (
    "The autograder did not grade your submission: it is not set up to keep its hidden checks "
    "secret. This is not your fault; your instructor can see why and has to fix it. Please "
    "tell them, and resubmit once they have."
)
WEAK_AS_ROOT = (
    "Learner code ran without bubblewrap, as a user of its own (resource limits, no file system "
    "or network isolation). For stronger isolation, allow user namespaces where the autograder "
    "runs (bubblewrap then starts), or run it as a non-root user with bubblewrap."
)


@dataclass(frozen=True)
class Settings:
    hidden: bool = True  # run the hidden checks
    isolation: str = "auto"
    allow_readable: bool = False  # grade even if learner code can read the grader's files


def grade_upload(upload: Path, sandbox: Sandbox, settings: Settings = Settings()) -> Report:
    """Stage the exercise files of ``upload`` (a folder or a zip) and grade them in
    ``sandbox`` (the hidden checks too, unless ``settings`` say not); the report says what the
    upload held and what it lacked, and its ``instructor_notes`` what only instructors may see.
    Before any learner code runs, the secrecy check tries the worker that will run it: if it
    could read the grader's files, nothing is graded (the refused report)."""
    from grader.exercises import load_exercises
    from grader.runner import grade
    from grader.submission.uploads import read_submission, wanted_names

    exercises = load_exercises()
    found = read_submission(upload, wanted_names(exercises))
    with tempfile.TemporaryDirectory(prefix="gdkit-submission-") as work:
        folder = Path(work) / "submission"
        found.write(folder)
        # in the group the runner grades the folder in (grader/runner.py): the same worker
        secret, notes = secrecy_check(sandbox, group=str(folder))
        if not (secret or settings.allow_readable):
            report = refused_report(upload)
            report.instructor_notes = ("Refused to grade.", *notes)
            return report
        report = grade(folder, include_hidden=settings.hidden, sandbox=sandbox)
    _explain_upload(report, found)
    if sandbox.deadline is not None and sandbox.deadline.left() <= 0:
        report.notes += (
            f"Grading stopped early: {sandbox.deadline.reached}. The checks after that point "
            "failed without running; the points scored before it are kept.",
        )
    trial = [] if secret else ["Graded anyway (--allow-readable-checks): the hidden checks are "
                               "not secret here."]  # fmt: skip
    report.instructor_notes = (*isolation_notes(report), *trial, *notes)
    return report


def _explain_upload(report: Report, found: Upload) -> None:
    """Put what staging the upload found into the report: an exercise without a file says
    why (not uploaded, or refused and why) instead of naming the private staging folder."""
    from grader.report.results import ExerciseStatus
    from grader.submission.uploads import wanted_names

    for result in report.exercises:
        if result.status == ExerciseStatus.MISSING:
            reason = found.absence(wanted_names([result.exercise]))
            for check in result.checks:
                check.message = reason
    notes = list(found.notes)
    if not found.files:
        report.isolation = NOTHING_RAN
        files = [e.exercise.file for e in report.exercises]
        notes.insert(
            0,
            "No exercise file was found in your upload, so nothing could be graded. Upload the "
            f"files you worked on ({files[0]}, {files[1]}, …, {files[-1]}), with these exact "
            "names (or the same names ending in .ipynb): loose, or in a folder or zip.",
        )
    report.notes += tuple(notes)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def secrecy_check(sandbox: Sandbox, group: str) -> tuple[bool, list[str]]:
    """(may grade, notes for the instructor): whether learner code, run as it will be in
    ``sandbox`` (in the worker of ``group``), can read none of the grader's files (tried:
    grader.instructor.secrecy)."""
    from grader.instructor.secrecy import readable_by_learner_code

    readable, tried = readable_by_learner_code(sandbox, group)
    name = sandbox.isolation.name
    if not readable:
        said = f"Secrecy: learner code ({name}) could read none of the {tried} files and folders"
        return True, [f"{said} of the grader, its hidden checks and gdref (tried at start-up)."]
    more = len(readable) - 3
    shown = ", ".join(readable[:3]) + (f" and {more} more" if more > 0 else "")
    why = f" (bubblewrap did not start: {sandbox.note})" if sandbox.note else ""
    return False, [
        f"Learner code ({name} isolation{why}) could read {len(readable)} of "
        f"the {tried} files and folders of the grader, its hidden checks and gdref: {shown}. "
        "Make them unreadable to it: as root, after installing gdkit, run "
        "`python -m grader.instructor.secrecy` (the Gradescope zip's setup.sh and the "
        "container's Dockerfile do), or let bubblewrap start (allow user namespaces); for a "
        "trial on your own machine, --allow-readable-checks."
    ]


def refused_report(upload: Path) -> Report:
    """What students see when the autograder refuses to grade (their instructor sees why)."""
    from grader.report.results import Report

    return Report(str(upload), NOTHING_RAN, True, [], notes=(REFUSED,))


def isolation_notes(report: Report) -> list[str]:
    """For the instructor: the isolation that ran, what it leaves open and why no stronger."""
    if report.isolation == NOTHING_RAN or not report.note:
        return []
    notes = [f"Isolation: {report.note}."]
    if _is_root() and not report.isolation.startswith("bubblewrap"):
        notes.append(WEAK_AS_ROOT)
    return notes


def failure_report(upload: Path, error: BaseException) -> Report:
    """What is reported when grading itself broke: no points, and what the student can do."""
    from grader.report.results import Report

    sentence = (
        f"The autograder failed ({type(error).__name__}); this is not your fault. Please "
        "resubmit, and tell your instructor if it happens again."
    )
    return Report(str(upload), NOTHING_RAN, True, [], notes=(sentence,))


def _layout(name: str) -> str:
    if name != "auto":
        return name
    for candidate, (upload, _results) in LAYOUTS.items():
        if upload.parent.is_dir():
            return candidate
    return "gradescope"


@click.command("gdkit-autograde", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--layout",
    type=click.Choice(["auto", *LAYOUTS]),
    default="auto",
    show_default=True,
    help="Where the upload is and the results go; auto: the first layout whose folder exists.",
)
@click.option(
    "--submission",
    type=click.Path(path_type=Path),
    help="The uploaded files (instead of the layout's folder).",
)
@click.option(
    "--results",
    type=click.Path(path_type=Path),
    help="Where results.json goes (instead of the layout's file).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="The results' format (default: the layout's).",
)
@click.option(
    "--deadline",
    type=SECONDS,
    default=DEFAULT_DEADLINE,
    show_default=True,
    help="Seconds for the whole submission.",
)
@click.option(
    "--hidden-checks",
    type=click.Choice(list(HIDDEN_CHECKS)),
    default="summary",
    show_default=True,
    help="; ".join(f"{name}: {what}" for name, what in HIDDEN_CHECKS.items()) + ".",
)
@click.option(
    "--isolation",
    type=click.Choice(["auto", "bubblewrap", "process"]),
    default="auto",
    show_default=True,
    help="The sandbox learner code runs in (auto: the strongest that starts).",
)
@click.option(
    "--allow-readable-checks",
    is_flag=True,
    help="Grade even where learner code can read the hidden checks (a trial on your own "
    "machine, never for a course; the instructors' output says so).",
)
def command(
    layout: str,
    submission: Path | None,
    results: Path | None,
    fmt: str | None,
    deadline: float,
    hidden_checks: str,
    isolation: str,
    allow_readable_checks: bool,
) -> None:
    """Grade one uploaded submission and write its results.json, whatever happens. What only
    instructors may see (the isolation, its secrecy check, a refusal's reason) is printed on
    standard output (run_autograder's output, which Gradescope shows instructors only), and
    Gradescope's results carry it in a test students never see."""
    overall = Deadline.after(deadline)  # the whole run counts, from here
    layout = _layout(layout)
    upload = submission or LAYOUTS[layout][0]
    results = results or LAYOUTS[layout][1]
    settings = Settings(hidden_checks == "summary", isolation, allow_readable_checks)
    text, for_instructors = _graded(upload, fmt or layout, overall, settings)
    results.parent.mkdir(parents=True, exist_ok=True)
    write_whole(results, text)
    for note in for_instructors:
        click.echo(f"gdkit-autograde (instructors only): {note}")
    click.echo(f"wrote {results}")


def main(argv: list[str] | None = None) -> int:
    """Grade the upload and write its results file (always); returns 0. A usage error is shown
    and ends the process with status 2, before anything is graded."""
    try:
        command.main(argv, prog_name="gdkit-autograde", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    return 0


def _graded(upload: Path, fmt: str, deadline: Deadline, settings: Settings) -> tuple[str, tuple]:
    """(the results document: the upload's report in ``fmt``, or the failure report's; what
    only instructors may see)."""
    try:
        with Sandbox(Limits.from_env(), settings.isolation, deadline=deadline) as sandbox:
            report = grade_upload(upload, sandbox, settings)
        return AUTOGRADER_RENDERERS[fmt](report), report.instructor_notes
    except BaseException as error:  # noqa: BLE001 - a results file is written whatever happens
        traceback.print_exc()  # for the instructor's log, never the student
        return AUTOGRADER_RENDERERS[fmt](failure_report(upload, error)), ()


def run() -> None:
    """The autograder as a program (``gdkit-autograde``, ``python -m …``): :func:`main`, then
    the end of the process without tearing NumPy, pytest and the checks down module by module
    (the results are written and every worker is gone by then)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
