"""The ``grade`` command.

    grade                       grade ./exercises (or the repository's exercises/)
    grade PATH                  grade a submission folder (or one exercise file, .py or .ipynb)
    grade PATH -e NAME          grade one exercise (repeat -e for several)
    grade --watch               re-grade whenever a file in the submission changes
    grade --hint NAME           the hints of an exercise
    grade --solution NAME       the reference solution, once your exercise passes all its checks
    grade --format json|gradescope|junit [-o FILE]

Learners run the public checks (the default); instructors add ``--hidden`` to run all checks.
A public-only run says how many hidden checks it did not run.

Exit status: 0 every graded check passed; 1 some check failed; 2 bad usage or an unreadable
submission; 3 the grader itself failed (a check crashed, or the sandbox could not start: not the
learner's fault).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

# The checks work on small arrays: one BLAS thread is as fast, and starting OpenBLAS's thread
# pool when NumPy is imported costs ~0.15 s of CPU on two cores (set before NumPy is imported).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from grader.edition import SOLUTIONS_NOT_IN_RELEASE, release_info, release_note  # noqa: E402
from grader.exercises import exercises_dir, load_exercises, solutions_dir  # noqa: E402
from grader.sanitize import clean_name, clean_text  # noqa: E402
from grader.stubs import EXERCISE_FILE, NOTEBOOK_FILE  # noqa: E402
from grader.submission import SubmissionFileError, read_source  # noqa: E402

FORMATS = ("text", "json", "gradescope", "junit")  # = grader.report.FORMATS (imported lazily)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
ISOLATION_ALIASES = {"rlimits": "process"}  # the name before the backends had their own


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    """Say what went wrong (made safe to show: it may quote a path or the sandbox's log)."""
    click.echo(f"grade: {clean_text(message)}", err=True)
    sys.exit(code)


def _known_files() -> dict[str, str]:
    """Exercise file name (NN_name.py or NN_name.ipynb) -> exercise name."""
    known = {}
    for exercise in load_exercises():
        known[exercise.file] = known[str(Path(exercise.file).with_suffix(".ipynb"))] = exercise.name
    return known


def _holds_exercises(folder: Path) -> bool:
    return folder.is_dir() and any(
        EXERCISE_FILE.match(p.name) or NOTEBOOK_FILE.match(p.name) for p in folder.iterdir()
    )


def resolve_submission(path: Path | None) -> tuple[Path, list[str] | None, dict[str, str]]:
    """(folder to grade, exercise names implied by the path or None for all, the file to grade
    of each exercise the path names: exercise name -> file name)."""
    if path is None:
        for candidate in [Path.cwd() / "exercises", Path.cwd(), exercises_dir()]:
            if _holds_exercises(candidate):
                return candidate, None, {}
        _fail(
            "no exercises found: run `grade PATH` with the folder that holds your exercise "
            "files (01_parabola.py or 01_parabola.ipynb, …)"
        )
    shown = clean_name(str(path))
    if not os.path.lexists(path):
        _fail(f"{shown}: no such file or folder")
    if path.is_dir():
        return path, None, {}
    name = _known_files().get(path.name)
    if name is None:
        examples = ", ".join(e.file for e in load_exercises()[:2])
        _fail(f"{shown}: not an exercise file (expected a name like {examples}, or .ipynb)")
    return path.parent, [name], {name: path.name}


def _graded_file(folder: Path, exercise, files: dict[str, str]) -> str:
    """The file of ``exercise`` that is graded: the one named on the command line, else the
    .py or .ipynb one (the one saved last when both are there; grader/notebook.py)."""
    from grader.notebook import exercise_file

    return files.get(exercise.name) or exercise_file(folder, exercise.file)[0]


def _check_present(folder: Path, names: list[str] | None, files: dict[str, str]) -> None:
    """Usage errors: none of the exercise files is in ``folder``, or one named with -e is not.

    A file that is there but cannot be graded (a link out of the folder, a FIFO, too large,
    not UTF-8, …) is not a usage error: grading it fails that exercise with the sentence
    grader.submission gives, and the other exercises are graded as usual.
    """
    exercises = [e for e in load_exercises() if names is None or e.name in names]
    chosen = {e.name: _graded_file(folder, e, files) for e in exercises}
    present = [e for e in exercises if not _is_missing(folder, chosen[e.name])]
    if not present:
        wanted = ", ".join(e.file for e in exercises)
        _fail(
            f"{clean_name(str(folder))}: none of the exercise files ({wanted}, or the same "
            "names ending in .ipynb) is there"
        )
    if names is not None and len(present) < len(exercises):
        missing = ", ".join(chosen[e.name] for e in exercises if e not in present)
        _fail(f"{clean_name(str(folder))}: {missing} not found")


def _is_missing(folder: Path, filename: str) -> bool:
    try:
        read_source(folder, filename)
    except SubmissionFileError as error:
        return error.missing
    return False


def _show_hint(name: str) -> None:
    exercise = _exercise_or_fail(name)
    click.echo(f"{exercise.order}. {exercise.title} ({exercise.file})")
    click.echo(f"   {exercise.summary}")
    for number, hint in enumerate(exercise.hints, start=1):
        click.echo(f"   Hint {number}: {hint}")


def _exercise_or_fail(name: str):
    for exercise in load_exercises():
        if exercise.name == name:
            return exercise
    known = ", ".join(e.name for e in load_exercises())
    _fail(f"no exercise named {name!r} (known: {known})")


def _start_sandbox(timeout: float | None, isolation: str):
    """Start the sandbox early: workers import NumPy while this process loads pytest and checks.
    No backend can start: exit 3 with what is missing and what to do."""
    from grader.sandbox import Limits, Sandbox, SandboxError

    try:
        limits = Limits.from_env(wall=timeout, cpu=timeout)
    except ValueError as error:
        _fail(str(error))
    try:
        sandbox = Sandbox(limits, ISOLATION_ALIASES.get(isolation, isolation))
        sandbox.start()
    except SandboxError as error:
        _fail(f"{error}.", EXIT_INTERNAL)
    return sandbox


def _grade(
    folder: Path,
    names,
    hidden: bool,
    timeout: float | None,
    isolation: str,
    sandbox=None,
    files=None,
):
    from grader.runner import GraderError, grade
    from grader.sandbox import SandboxError

    if sandbox is None:
        sandbox = _start_sandbox(timeout, isolation)
    try:
        report = grade(folder, names, include_hidden=hidden, sandbox=sandbox, files=files)
    except (GraderError, SandboxError) as error:
        _fail(str(error), EXIT_INTERNAL)
    finally:
        sandbox.close()
    report.note = " ".join(filter(None, [report.note, release_note()]))
    return report


def _show_solution(folder: Path, name: str, timeout: float | None, isolation: str, files) -> int:
    exercise = _exercise_or_fail(name)
    if release_info() is not None:
        _fail(SOLUTIONS_NOT_IN_RELEASE)
    source = solutions_dir() / exercise.file
    graded = _graded_file(folder, exercise, files)
    if not os.path.lexists(folder / graded):
        _fail(f"{clean_name(str(folder / graded))} not found")
    report = _grade(folder, [name], True, timeout, isolation, files={name: graded})
    result = report.exercises[0]
    if result.status != "done":
        click.echo(
            f"The solution of {name} is shown once your {clean_name(graded)} passes all its checks "
            f"(hidden ones too); now {result.score}/{result.max_score}. Run `grade -e {name}`."
        )
        return EXIT_FAILED
    if not source.is_file():
        _fail(f"the reference solution {source} is not available in this installation")
    click.echo(f"# Reference solution: {exercise.file}\n")
    click.echo(source.read_text(encoding="utf-8"))
    return EXIT_OK


def _watch(folder: Path, names, hidden, timeout, isolation, fmt, max_runs, files) -> int:
    """grade --watch: see grader/watch.py."""
    from grader.sandbox import Limits, SandboxError
    from grader.watch import watch

    try:
        limits = Limits.from_env(wall=timeout, cpu=timeout)
    except ValueError as error:
        _fail(str(error))
    try:
        return watch(
            folder,
            names,
            include_hidden=hidden,
            limits=limits,
            isolation=ISOLATION_ALIASES.get(isolation, isolation),
            fmt=fmt,
            max_reports=max_runs,
            files=files,
        )
    except SandboxError as error:
        _fail(f"{error}.", EXIT_INTERNAL)


class _GradeCommand(click.Command):
    """``grade [PATH]``, and ``grade batch …`` where the instructor's batch module is installed
    (not in a student release). Only the bare word ``batch`` dispatches: ``grade ./batch``
    grades a folder of that name."""

    def main(self, args=None, *more, **options):
        args = list(sys.argv[1:] if args is None else args)
        if args[:1] == ["batch"] and importlib.util.find_spec("grader.batch_cli") is not None:
            from grader.batch_cli import batch

            options["prog_name"] = "grade batch"
            return batch.main(args[1:], *more[1:], **options)
        return super().main(args, *more, **options)


@click.command(cls=_GradeCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "-e",
    "--exercise",
    "names",
    multiple=True,
    metavar="NAME",
    help="Grade only this exercise (repeatable).",
)
@click.option(
    "--hidden/--public-only",
    default=False,
    help="Also run the hidden checks (instructors). Default: public checks only.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of the terminal.",
)
@click.option("--watch", is_flag=True, help="Re-grade whenever a file in the submission changes.")
@click.option("--hint", "hint_name", metavar="NAME", help="Show the hints of an exercise.")
@click.option(
    "--solution",
    "solution_name",
    metavar="NAME",
    help="Show the reference solution (once your exercise passes all its checks).",
)
@click.option("--list", "list_exercises", is_flag=True, help="List the exercises.")
@click.option(
    "--timeout",
    type=float,
    default=None,
    help="Seconds allowed per function call (default 10, or $GDKIT_TIMEOUT).",
)
@click.option(
    "--isolation",
    type=click.Choice(["auto", "bubblewrap", "process", "rlimits"]),
    default="auto",
    show_default=True,
    help="Sandbox backend: auto picks bubblewrap where it works, else process "
    "(rlimits: the old name of process).",
)
@click.option("--watch-runs", type=int, default=None, hidden=True)
def main(
    path,
    names,
    hidden,
    fmt,
    output,
    watch,
    hint_name,
    solution_name,
    list_exercises,
    timeout,
    isolation,
    watch_runs,
) -> None:
    """Grade your gradient-descent exercises and say which mistake you made.

    PATH is a folder of exercise files (default: ./exercises) or one exercise file. Exercise
    files are NN_name.py or NN_name.ipynb; with both, the one saved last is graded.

    Exit status: 0 all graded checks pass, 1 some fail, 2 bad usage or unreadable submission,
    3 the grader itself failed.
    """
    sandbox = None
    if not (list_exercises or hint_name or watch or solution_name) and (
        path is None or path.is_dir()
    ):
        # start the sandbox first: NumPy loads there while this process loads the checks
        folder, _, _ = resolve_submission(path)
        if timeout is None or timeout > 0:
            sandbox = _start_sandbox(timeout, isolation)
    try:
        all_exercises = load_exercises()
    except ValueError as error:
        _fail(f"the checks are inconsistent: {error}", EXIT_INTERNAL)
    if list_exercises:
        for exercise in all_exercises:
            click.echo(
                f"{exercise.order:>2}  {exercise.name:<20} {exercise.file:<28} {exercise.title}"
            )
        sys.exit(EXIT_OK)
    if hint_name:
        _show_hint(hint_name)
        sys.exit(EXIT_OK)
    if timeout is not None and timeout <= 0:
        _fail("--timeout must be a positive number of seconds")
    folder, implied, files = resolve_submission(path)
    selected = list(names) or implied
    if selected:
        for name in selected:
            _exercise_or_fail(name)
        if implied and names and set(names) - set(implied):
            _fail("-e names an exercise that is not the file given as PATH")
    _check_present(folder, selected, files)
    if solution_name:
        sys.exit(_show_solution(folder, solution_name, timeout, isolation, files))
    if watch:
        if output is not None:
            _fail("--watch shows its reports in the terminal: leave out -o")
        sys.exit(_watch(folder, selected, hidden, timeout, isolation, fmt, watch_runs, files))
    report = _grade(folder, selected, hidden, timeout, isolation, sandbox, files)
    from grader.report import render, use_colour

    if output is not None:
        try:
            _write_whole(output, render(report, fmt, colour=False))
        except OSError as error:
            _fail(f"cannot write {clean_name(str(output))}: {error.strerror}")
        shown = clean_name(str(output))
        click.echo(f"wrote {shown} ({report.score}/{report.max_score} points)", err=True)
    else:
        click.echo(render(report, fmt, use_colour(sys.stdout.isatty())), nl=False)
    _leave(_exit_code(report))


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one step: a failure (a full disk, an interrupt) leaves the
    previous file as it was, and no reader ever sees half a report."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mode = os.stat(path).st_mode & 0o777 if path.is_file() else 0o644
        os.chmod(temporary, mode)  # mkstemp's 0o600 would hide the report from other users
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


_FINISHED = []  # set by _leave: the report is out and the sandbox closed, nothing is left to do


def _leave(code: int) -> None:
    """sys.exit(code), without the interpreter's last garbage collection over every object
    that NumPy, pytest and the checks created (~0.05 s): frozen objects are left out of it.
    Under :func:`run` the process then ends at once."""
    import gc

    gc.freeze()
    _FINISHED.append(code)
    sys.exit(code)


def run() -> None:
    """The ``grade`` command as a program (its script, ``python -m grader.cli``): :func:`main`,
    and once a report is out (see _leave), the end of the process without the interpreter
    tearing down NumPy, pytest and the checks module by module (~5 ms of every run). Every
    other way out (usage errors, watch mode, ``grade batch``) ends as usual."""
    try:
        main()
    except SystemExit:
        if not _FINISHED:
            raise
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(_FINISHED[-1])


def _exit_code(report) -> int:
    if any(check.status == "error" for e in report.exercises for check in e.checks):
        return EXIT_INTERNAL  # a check itself crashed: the score is not trustworthy
    return EXIT_OK if report.all_passed else EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    run()
