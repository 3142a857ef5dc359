"""The autograder's entry point: grade one uploaded submission, ALWAYS write results.json.

    python -m grader.instructor.autograde          # find the layout (Gradescope, PrairieLearn)
    python -m grader.instructor.autograde --submission DIR --results FILE \
        [--format gradescope|prairielearn] [--deadline SECONDS]

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
that ran, and weak isolation while running as root is never silent.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

# one BLAS thread: the checks work on small arrays (set before NumPy is imported; as `grade`)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from grader.commands import SECONDS  # noqa: E402
from grader.report.write import write_whole  # noqa: E402
from grader.sandbox.sandbox import Deadline, Limits, Sandbox  # noqa: E402

if TYPE_CHECKING:
    from grader.report.results import Report
    from grader.submission.uploads import Upload

LAYOUTS = {
    "gradescope": (Path("/autograder/submission"), Path("/autograder/results/results.json")),
    "prairielearn": (Path("/grade/student"), Path("/grade/results/results.json")),
}
FORMATS = ("gradescope", "prairielearn")  # renderers in grader/report/renderers/
DEFAULT_DEADLINE = 600.0  # seconds for the whole submission

NOTHING_RAN = "none (no file of yours was run)"
ROOT_WARNING = (
    "Warning: this autograder ran as root without bubblewrap, so the submission's code ran "
    "with a weaker sandbox (resource limits only). Instructors: allow user namespaces in the "
    "container, or run it as a non-root user."
)


def grade_upload(upload: Path, sandbox: Sandbox) -> Report:
    """Stage the exercise files of ``upload`` (a folder or a zip) and grade them with every
    check in ``sandbox``; the report says what the upload held and what it lacked."""
    from grader.exercises import load_exercises
    from grader.runner import grade
    from grader.submission.uploads import read_submission, wanted_names

    exercises = load_exercises()
    found = read_submission(upload, wanted_names(exercises))
    with tempfile.TemporaryDirectory(prefix="gdkit-submission-") as work:
        folder = Path(work) / "submission"
        found.write(folder)
        report = grade(folder, include_hidden=True, sandbox=sandbox)
    _explain_upload(report, found)
    if sandbox.deadline is not None and sandbox.deadline.left() <= 0:
        report.notes += (
            f"Grading stopped early: {sandbox.deadline.reached}. The checks after that point "
            "failed without running; the points scored before it are kept.",
        )
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
    elif _is_root() and not report.isolation.startswith("bubblewrap"):
        notes.append(ROOT_WARNING)
    report.notes += tuple(notes)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


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
def command(
    layout: str, submission: Path | None, results: Path | None, fmt: str | None, deadline: float
) -> None:
    """Grade one uploaded submission and write its results.json, whatever happens."""
    overall = Deadline.after(deadline)  # the whole run counts, from here
    layout = _layout(layout)
    upload = submission or LAYOUTS[layout][0]
    results = results or LAYOUTS[layout][1]
    text = _graded(upload, fmt or layout, overall)
    results.parent.mkdir(parents=True, exist_ok=True)
    write_whole(results, text)
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


def _graded(upload: Path, fmt: str, deadline: Deadline) -> str:
    """The results document: the upload's report in ``fmt``, or the failure report's."""
    from grader.report.render import render

    try:
        # started first: the worker imports NumPy while this process loads pytest and checks
        with Sandbox(Limits.from_env(), deadline=deadline) as sandbox:
            report = grade_upload(upload, sandbox)
        return render(report, fmt)
    except BaseException as error:  # noqa: BLE001 - a results file is written whatever happens
        traceback.print_exc()  # for the instructor's log, never the student
        return render(failure_report(upload, error), fmt)


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
