"""``gdkit exercises sync`` / ``check`` / ``mutants``: authoring commands that keep exercises/
generated from solutions/ and prove the mistake catalogue.

These are for a course's authors; learners never need them. ``sync`` writes fresh stubs, but
never over a learner's work: a file that holds code written into it is refused, or with
``--force`` kept as a numbered backup first (``01_parabola.backup-1.py``), and the backup is
named.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.authoring.stubs import StubError
from grader.authoring.sync import out_of_date, shipped, write_shipped, write_stubs
from grader.exercises import exercises_dir, solutions_dir
from grader.paths import STUBS_FILE

_SOLUTIONS = click.option(
    "--solutions",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of solution files (default: the repository's solutions/).",
)
_EXERCISES = click.option(
    "--exercises",
    "exercises_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of learner stubs (default: the repository's exercises/).",
)


@click.group("exercises")
def exercises() -> None:
    """Authoring: generate the learner stubs in exercises/ from solutions/, and self-test."""


@exercises.command()
@_SOLUTIONS
@_EXERCISES
@click.option(
    "--force", is_flag=True, help="Overwrite files that hold work too (each kept as a backup)."
)
def sync(solutions: Path | None, exercises_path: Path | None, force: bool) -> None:
    """Authoring: regenerate exercises/ from solutions/ (solution blocks become
    NotImplementedError), each stub as NN_name.py and as the notebook NN_name.ipynb, and the
    copy that ships with the grader for `grade --reset` (grader/exercise_stubs.json; from the
    repository's solutions/ only). A file holding a learner's work is not overwritten
    (--force: overwritten after a backup)."""
    target = exercises_path or exercises_dir()
    if solutions is not None and not solutions.is_dir():
        raise click.UsageError(f"{solutions} is not a folder")
    try:
        if solutions is None and write_shipped(solutions_dir(), STUBS_FILE):
            click.echo(f"wrote {STUBS_FILE}")
        synced = write_stubs(solutions or solutions_dir(), target, force=force)
    except StubError as error:
        raise click.ClickException(str(error)) from None
    for path in synced.written:
        kept = synced.backups.get(path)
        click.echo(f"wrote {path}" + (f" (your version is kept as {kept.name})" if kept else ""))
    for path, why in synced.refused.items():
        click.echo(f"not overwritten: {path}: {why}", err=True)
    click.echo(f"{len(synced.written)} stub(s) written")
    if synced.refused:
        click.echo(
            f"{len(synced.refused)} file(s) hold work and were left as they are; run "
            "`gdkit exercises sync --force` to overwrite them (each is kept as a backup first)",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"{target} is up to date")


@exercises.command("check")
@_SOLUTIONS
@_EXERCISES
def check_command(solutions: Path | None, exercises_path: Path | None) -> None:
    """Exit 1 if exercises/ (or the stubs that ship with the grader) is not what `sync` would
    write."""
    own = solutions is None
    solutions = solutions or solutions_dir()
    target = exercises_path or exercises_dir()
    try:
        problems = out_of_date(solutions, target)
        if own and _read(STUBS_FILE) != shipped(solutions):
            problems.append(f"{STUBS_FILE}: differs from the stubs generated from {solutions}")
    except StubError as error:
        raise click.ClickException(str(error)) from None
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo("run `gdkit exercises sync` to regenerate the stubs", err=True)
        raise SystemExit(1)
    click.echo(f"{target} is up to date with {solutions}")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


@exercises.command()
@click.argument("names", nargs=-1)
@click.option(
    "--notebooks", is_flag=True, help="Grade each mutant in notebook form (NN_name.ipynb)."
)
def mutants(names: tuple[str, ...], notebooks: bool) -> None:
    """Grade every catalogued mistake's mutant; exit 1 if one is not caught and diagnosed."""
    from grader.authoring.mutants import MutantError, run_mutants

    try:
        outcomes = run_mutants(list(names) or None, notebooks=notebooks)
    except MutantError as error:
        raise click.ClickException(str(error)) from None
    bad = 0
    click.echo(f"{'exercise':<20} {'mistake':<28} {'score':>7}  verdict")
    for o in outcomes:
        wrong = sorted({d for d in o.diagnoses if d != o.mistake})
        ok = o.caught and o.diagnosed and not wrong and not o.broken
        bad += not ok
        verdict = (
            "caught and diagnosed"
            if ok
            else (
                f"CHECK IN ERROR: {', '.join(o.broken)}"
                if o.broken
                else "NOT CAUGHT"
                if not o.caught
                else "NOT DIAGNOSED"
                if not o.diagnosed
                else f"ALSO DIAGNOSED AS {', '.join(wrong)}"
            )
        )
        click.echo(f"{o.exercise:<20} {o.mistake:<28} {o.score:>3}/{o.max_score:<3}  {verdict}")
    if bad:
        raise SystemExit(1)
