"""``grade batch``: the command line of :mod:`grader.instructor.batch` (dispatched from
``grade``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader.commands import SECONDS, sandbox_options


@click.command(
    "batch",
    short_help="Grade a whole class: many folders, zips or an LMS export.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.argument(
    "submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for reports/, gradebook.csv, mistakes.csv and report.html.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Grader processes (default: the number of cores).")  # fmt: skip
@click.option("--force", is_flag=True, help="Regrade every submission, even unchanged ones.")
@click.option(
    "--hidden/--public-only", default=True, show_default=True, help="Run the hidden checks too."
)
@click.option(
    "--time-limit",
    type=SECONDS,
    default=120.0,
    show_default=True,
    help="Seconds allowed for one whole submission.",
)
@click.option(
    "-e",
    "--exercises",
    "exercise_names",
    default=None,
    metavar="NAMES",
    help="The assignment's exercises, comma-separated: the gradebook's columns (default: every "
    "exercise).",
)
@click.option(
    "--assignment",
    default="Week 2 exercises",
    show_default=True,
    help="The assignment's title in gradebook-canvas.csv (Canvas matches 'Title (id)' by id).",
)
@click.option(
    "--trust-submissions",
    "trust",
    is_flag=True,
    help="Grade even where the sandbox cannot keep one submission from another (the process "
    "backend run by an ordinary user): only for submissions you trust.",
)
@sandbox_options
def batch(
    submissions: tuple[Path, ...],
    out: Path,
    jobs: int | None,
    force: bool,
    hidden: bool,
    time_limit: float,
    timeout: float | None,
    isolation: str,
    exercise_names: str | None,
    assignment: str,
    trust: bool,
) -> None:
    """Grade many submissions: folders, zips, or an export folder of them (one per student).

    To grade a single folder that happens to be named "batch", run `grade ./batch`.

    Each submission's worker is kept from every other's: bubblewrap's namespaces, and as root
    a user of its own. Where that cannot be had (the process backend run by an ordinary user:
    macOS, Windows, Linux without bubblewrap) grade batch refuses, and says how to go on.

    Exit status: 0 every submission was graded (time limits are the student's); 2 no student
    was found, an unknown exercise, or submissions that could not be kept apart; 3 the grader
    failed on some submission (see report.html and reports/).
    """
    from grader.exercises import by_name
    from grader.instructor.batch import NoStudents, Untrusted, run_batch, write_outputs

    exercises = None
    if exercise_names:
        try:
            exercises = [by_name(n.strip()) for n in exercise_names.split(",") if n.strip()]
        except KeyError as error:
            raise click.BadParameter(error.args[0], param_hint="--exercises") from None
    try:
        result = run_batch(
            submissions,
            out,
            jobs=jobs,
            force=force,
            hidden=hidden,
            time_limit=time_limit,
            timeout=timeout,
            isolation=isolation,
            progress=sys.stderr.isatty() and not os.environ.get("CI"),
            trust=trust,
        )
    except (NoStudents, Untrusted) as error:
        click.echo(f"grade batch: {error}.", err=True)
        sys.exit(2)
    written = write_outputs(result, out, exercises, assignment)
    problems = sum(1 for o in result.outcomes if o.problem)
    faults = [o.student for o in result.outcomes if o.grader_fault]
    click.echo(
        f"{len(result.outcomes)} submissions ({result.graded} graded now, "
        f"{len(result.outcomes) - result.graded} unchanged) in {result.seconds:.1f} s; "
        f"{problems} not graded fully. Wrote {', '.join(str(p) for p in written)}",
        err=True,
    )
    from grader.instructor.insights import FIGURES_MISSING, figures_available

    if not figures_available():
        click.echo(f"grade batch: report.html: {FIGURES_MISSING}", err=True)
    if faults:
        click.echo(f"grade batch: the grader failed on {', '.join(faults)} (exit 3)", err=True)
        sys.exit(3)
