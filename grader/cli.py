"""The ``grade`` command.

    grade                       grade ./exercises (or the repository's exercises/)
    grade PATH                  grade a submission folder (or one exercise file, .py or .ipynb)
    grade PATH -e NAME          grade one exercise (repeat -e for several)
    grade --watch               re-grade whenever a file in the submission changes (keys: h
                                hint, n/p next/previous exercise, r re-run, q quit)
    grade --hint NAME           the next hint of an exercise not yet shown (--all: every one)
    grade --solution NAME       the reference solution, once your exercise passes all its checks
    grade --reset NAME          start an exercise over (your file kept as a numbered backup)
    grade --format json|gradescope|junit|prairielearn [-o FILE]
    grade batch SUBMISSIONS… -o OUT   a whole class (grader/instructor/batch_cli.py; instructors)

The command line is a click command (grader/commands.py has what every gdkit command shares);
``grade batch`` is its subcommand, listed only where the instructor's modules are installed.

Learners run the public checks (the default); instructors add ``--hidden`` to run all checks.
A public-only run says how many hidden checks it did not run.

Exit status: 0 every graded check passed; 1 some check failed; 2 bad usage or an unreadable
submission; 3 the grader itself failed (a check crashed, or the sandbox could not start: not the
learner's fault); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

# The checks work on small arrays: one BLAS thread is as fast, and starting OpenBLAS's thread
# pool when NumPy is imported costs ~0.15 s of CPU on two cores (set before NumPy is imported).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from grader import collector  # noqa: E402
from grader.commands import CommandWithSubcommands, sandbox_options  # noqa: E402
from grader.edition import SOLUTIONS_NOT_IN_RELEASE, release_info, release_note  # noqa: E402
from grader.exercises import by_name_or_number, exercises_dir, load_exercises, solutions_dir  # noqa: E402
from grader.report.sanitize import clean_name, clean_text  # noqa: E402
from grader.report.terminal import plain_where_unencodable  # noqa: E402
from grader.submission.resolve import (  # noqa: E402
    candidates,
    exercise_named_by,
    is_exercise_file,
    resolve,
)

# = grader.report.render.FORMATS (imported lazily)
FORMATS = ("text", "json", "gradescope", "junit", "prairielearn", "html")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as a shell reports it


def _say(text: str, *, err: bool = False, end: str = "\n") -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(text + end)
    stream.flush()


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    """Say what went wrong (made safe to show: it may quote a path or the sandbox's log)."""
    _say(f"grade: {clean_text(message)}", err=True)
    sys.exit(code)


def _holds_exercises(folder: Path) -> bool:
    return folder.is_dir() and any(is_exercise_file(p.name) for p in folder.iterdir())


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
    exercise = exercise_named_by(path.name, load_exercises())
    if exercise is None:
        examples = ", ".join(e.file for e in load_exercises()[:2])
        _fail(f"{shown}: not an exercise file (expected a name like {examples}, or .ipynb)")
    return path.parent, [exercise.name], {exercise.name: path.name}


def _check_present(folder: Path, names: list[str] | None, files: dict[str, str]) -> None:
    """Usage errors: none of the exercise files is in ``folder``, or one named with -e is not.

    A file that is there but cannot be graded (a link out of the folder, a FIFO, too large,
    not UTF-8, …) is not a usage error: grading it fails that exercise with the sentence
    grader.submission gives, and the other exercises are graded as usual.
    """
    exercises = [e for e in load_exercises() if names is None or e.name in names]
    # only whether a file is there: which one is graded is the runner's to resolve (reading
    # both here would read and parse every notebook twice)
    looked_for = {e.name: (files[e.name],) if e.name in files else candidates(e) for e in exercises}
    present = [e for e in exercises if any(os.path.lexists(folder / n) for n in looked_for[e.name])]
    if not present:
        wanted = ", ".join(e.file for e in exercises)
        _fail(
            f"{clean_name(str(folder))}: none of the exercise files ({wanted}, or the same "
            "names ending in .ipynb) is there"
        )
    if names is not None and len(present) < len(exercises):
        missing = ", ".join(looked_for[e.name][0] for e in exercises if e not in present)
        _fail(f"{clean_name(str(folder))}: {missing} not found")


def _show_hint(name: str, every: bool) -> None:
    from grader.hints import hint_lines
    from grader.report.invocation import grade_command

    exercise = _exercise_or_fail(name)
    again = f"`{grade_command()} --hint {exercise.name}`"
    _say("\n".join(hint_lines(exercise, again, "`--all`", every=every)))


def _exercise_or_fail(name: str):
    """The exercise named by its name or its number in the course; else a usage error."""
    try:
        return by_name_or_number(name)
    except KeyError as error:
        _fail(str(error.args[0]))


def _open_sandbox(timeout: float | None, isolation: str):
    """The run's sandbox (its worker starts when it is first needed, or when
    :func:`_early_sandbox` starts it). No backend can run: exit 3 with what is missing and
    what to do."""
    from grader.sandbox.sandbox import Limits, Sandbox, SandboxError

    try:
        limits = Limits.from_env(wall=timeout, cpu=timeout)
    except ValueError as error:
        _fail(str(error))
    try:
        sandbox = Sandbox(limits, isolation)
    except SandboxError as error:
        _fail(f"{error}.", EXIT_INTERNAL)
    return sandbox


def _grade(
    folder: Path,
    names,
    hidden: bool,
    timeout: float | None,
    isolation: str,
    files=None,
    sandbox=None,
):
    from grader.checking.remember import across_runs
    from grader.runner import GraderError, grade
    from grader.sandbox.errors import SandboxError

    if sandbox is None:
        sandbox = _open_sandbox(timeout, isolation)
    try:
        with across_runs():  # the learner's own machine: reference values kept for next time
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
    graded = resolve(folder, [exercise], files)[name].graded
    if not os.path.lexists(folder / graded):
        _fail(f"{clean_name(str(folder / graded))} not found")
    report = _grade(folder, [name], True, timeout, isolation, files={name: graded})
    result = report.exercises[0]
    if result.status != "done":
        _say(_not_yet(name, clean_name(graded), result))
        return EXIT_FAILED
    if not source.is_file():
        _fail(f"the reference solution {source} is not available in this installation")
    from grader.authoring.stubs import without_markers

    _say(f"# Reference solution: {exercise.file}\n")
    _say(without_markers(source.read_text(encoding="utf-8")))
    return EXIT_OK


def _reset(folder: Path, name: str, files: dict[str, str]) -> int:
    """grade --reset NAME (grader/reset.py): PATH, when it is one file, is the only one."""
    from grader.reset import ResetError, reset, said

    if files and name not in files:
        _fail("--reset names an exercise that is not the file given as PATH")
    try:
        done = reset(folder, _exercise_or_fail(name), files.get(name))
    except (ResetError, OSError) as error:
        _fail(f"cannot reset {name}: {error}")
    _say("\n".join(said(done)))
    return EXIT_OK


def _not_yet(name: str, graded: str, result) -> str:
    """Why the solution is not shown yet, with the points counted as the report counts them
    (the public checks) and, apart, those of the hidden checks that --solution also runs."""
    from grader.report.invocation import grade_command

    public = [c for c in result.checks if c.visibility == "public"]
    hidden = [c for c in result.checks if c.visibility != "public"]
    score = f"{sum(c.score for c in public)}/{sum(c.points for c in public)} points"
    if hidden:
        hidden_score = f"{sum(c.score for c in hidden)}/{sum(c.points for c in hidden)}"
        score += f" on the public checks `grade` runs, {hidden_score} on the hidden ones"
    return (
        f"The solution of {name} is shown once your {graded} passes all its checks (hidden "
        f"ones too); now {score}. Run `{grade_command()} -e {name}`."
    )


def _watch(folder: Path, names, hidden, timeout, isolation, fmt, max_runs, files) -> int:
    """grade --watch: see grader/watch.py."""
    from grader.sandbox.sandbox import Limits, SandboxError
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
            isolation=isolation,
            fmt=fmt,
            max_reports=max_runs,
            files=files,
        )
    except SandboxError as error:
        _fail(f"{error}.", EXIT_INTERNAL)


SUBCOMMANDS = {"batch": ("grader.instructor.batch_cli", "batch")}  # not in a student release


@dataclass(frozen=True)
class Options:
    """What the command line asked for (see :func:`grade_command` for each one's meaning)."""

    path: Path | None
    names: tuple[str, ...]
    hidden: bool
    fmt: str
    output: Path | None
    watch: bool
    hint_name: str | None
    all_hints: bool
    solution_name: str | None
    reset_name: str | None
    list_exercises: bool
    timeout: float | None
    isolation: str
    watch_runs: int | None
    verbose: bool
    html: Path | None = None  # grade --html FILE: the page written besides the report


def _report_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.is_dir():
        raise click.UsageError(
            f"-o {clean_name(str(value))}: is a folder; give the report's file name", ctx
        )
    return value


@click.group(
    "grade",
    cls=CommandWithSubcommands,
    subcommands=SUBCOMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="PATH is a folder of exercise files (default: ./exercises) or one exercise file. "
    "Exercise files are NN_name.py or NN_name.ipynb; with both, the one you started is "
    "graded (both started: both, and the better kept). Exit status: 0 all graded checks "
    "pass, 1 some fail, 2 bad usage or unreadable submission, 3 the grader itself failed, "
    "130 interrupted (Ctrl-C).",
)
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
    help="Also run the hidden checks (instructors), or the public checks only (the default). "
    "The last one given wins.",
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
    type=click.Path(path_type=Path),
    metavar="FILE",
    callback=_report_file,
    help="Write the report to this file instead of the terminal.",
)
@click.option(
    "--html",
    type=click.Path(path_type=Path),
    metavar="FILE",
    callback=_report_file,
    help="Also write the report as one web page, with a figure of each failing curve "
    "(yours against the reference).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Re-grade whenever a file in the submission changes. Keys in a terminal: h hint, "
    "n/p next/previous exercise, r re-run, q quit.",
)
@click.option(
    "--hint",
    "hint_name",
    metavar="NAME",
    help="Show the next hint of an exercise (its name or number) not yet shown.",
)
@click.option("--all", "all_hints", is_flag=True, help="With --hint: every hint at once.")
@click.option(
    "--solution",
    "solution_name",
    metavar="NAME",
    help="Show the reference solution (once your exercise passes all its checks).",
)
@click.option(
    "--reset",
    "reset_name",
    metavar="NAME",
    help="Start an exercise over: its .py and .ipynb become the stub again, your versions "
    "kept as numbered backups (NN_name.backup-1.py) beside them.",
)
@click.option("--list", "list_exercises", is_flag=True, help="List the exercises.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Say what the sandbox does and does not protect against, and how many hidden checks "
    "were not run (JSON reports always carry both).",
)
@sandbox_options
@click.option("--watch-runs", type=int, hidden=True)  # the tests' option: reports before stopping
def grade_command(**given: object) -> None:
    """Grade your gradient-descent exercises and say which mistake you made."""
    options = Options(**given)
    try:
        _run(options)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED)


def main(args: list[str] | None = None) -> None:
    """``grade [PATH] [OPTIONS]``, and ``grade batch …`` where the instructor's batch module is
    installed (not in a student release). Only the bare first word ``batch`` dispatches:
    ``grade ./batch`` grades a folder of that name. Ends with ``sys.exit`` and the exit status."""
    plain_where_unencodable(sys.stdout, sys.stderr)  # a report can always be written
    grade_command.main(args, prog_name="grade")


def _run(options: Options) -> None:
    with collector.paused():  # until the checks run (grader/collector.py)
        sandbox = _early_sandbox(options)
        try:
            _run_with(options, sandbox)
        finally:
            if sandbox is not None:
                sandbox.close()


def _early_sandbox(options: Options):
    """For a plain run over a folder, the sandbox with its worker started at once, before the
    checks and pytest are imported: the worker imports NumPy while this process loads them
    (on an idle CPU; see README "Speed mechanisms"). None for anything else (--list,
    --hint, --watch, --solution, one file named as PATH), which opens its own when it needs one."""
    asks_other = options.list_exercises or options.hint_name or options.watch
    if asks_other or options.solution_name or options.reset_name:
        return None
    if options.path is not None and not options.path.is_dir():
        return None
    from grader.sandbox.errors import SandboxError

    sandbox = _open_sandbox(options.timeout, options.isolation)
    try:
        sandbox.start()
    except SandboxError as error:
        sandbox.close()
        _fail(f"{error}.", EXIT_INTERNAL)
    return sandbox


def _run_with(options: Options, sandbox) -> None:
    try:
        all_exercises = load_exercises()
    except ValueError as error:
        _fail(f"the checks are inconsistent: {error}", EXIT_INTERNAL)
    options = _named(options)
    if options.list_exercises:
        for exercise in all_exercises:
            _say(f"{exercise.order:>2}  {exercise.name:<20} {exercise.file:<28} {exercise.title}")
        sys.exit(EXIT_OK)
    if options.all_hints and not options.hint_name:
        _fail("--all goes with --hint NAME (every hint of that exercise at once)")
    if options.hint_name:
        _show_hint(options.hint_name, options.all_hints)
        sys.exit(EXIT_OK)
    _grade_command(options, sandbox)


def _named(options: Options) -> Options:
    """``options`` with every exercise given by its number (``-e 3``, ``--hint 3``) given by
    its name; a word that names no exercise is a usage error."""

    def name(word: str | None) -> str | None:
        return None if word is None else _exercise_or_fail(word).name

    return replace(
        options,
        names=tuple(name(word) for word in options.names),
        hint_name=name(options.hint_name),
        solution_name=name(options.solution_name),
        reset_name=name(options.reset_name),
    )


def _grade_command(options: Options, sandbox=None) -> None:
    """Grade (or --solution, or --watch) the submission that ``options`` name, and exit."""
    timeout, isolation, hidden = options.timeout, options.isolation, options.hidden
    folder, implied, files = resolve_submission(options.path)
    names = options.names
    selected = list(names) or implied
    if selected:
        for name in selected:
            _exercise_or_fail(name)
        if implied and names and set(names) - set(implied):
            _fail("-e names an exercise that is not the file given as PATH")
    if options.reset_name:
        sys.exit(_reset(folder, options.reset_name, files))
    _check_present(folder, selected, files)
    if options.solution_name:
        sys.exit(_show_solution(folder, options.solution_name, timeout, isolation, files))
    if options.watch:
        if options.output is not None or options.html is not None:
            _fail("--watch shows its reports in the terminal: leave out -o and --html")
        runs = options.watch_runs
        sys.exit(_watch(folder, selected, hidden, timeout, isolation, options.fmt, runs, files))
    report = _grade(folder, selected, hidden, timeout, isolation, files, sandbox)
    _show_report(report, options.fmt, options.output, options.verbose)
    if options.html is not None:
        _write_report(report, "html", options.html)
    _leave(report.exit_status)


def _show_report(report, fmt: str, output: Path | None, verbose: bool = False) -> None:
    from grader.report.render import render
    from grader.report.terminal import use_colour

    if output is None:
        _say(render(report, fmt, use_colour(sys.stdout), verbose=verbose), end="")
        return
    _write_report(report, fmt, output, verbose)


def _write_report(report, fmt: str, output: Path, verbose: bool = False) -> None:
    from grader.report.render import render
    from grader.report.write import write_whole

    try:
        write_whole(output, render(report, fmt, colour=False, verbose=verbose))
    except OSError as error:
        _fail(f"cannot write {clean_name(str(output))}: {error.strerror}")
    shown = clean_name(str(output))
    _say(f"wrote {shown} ({report.score}/{report.max_score} points)", err=True)


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


if __name__ == "__main__":  # pragma: no cover
    run()
