"""``gdkit decks build`` and ``gdkit decks diff`` (the click group ``decks``).

    gdkit decks build [SOURCE…] -o DIR [--no-figures] [--dry-run]
    gdkit decks diff  [SOURCE…] -o DIR [--no-figures] [--all]
    gdkit decks mistakes REPORT.json -o DIR [--no-figures] [--dry-run]

Without SOURCE, the week-2 deck shipped with gdkit (decks/week02.md) is built. Each deck becomes
``DIR/<Deck-Name>.apkg`` with ``DIR/<Deck-Name>.manifest.json`` beside it; the manifest is what
the next ``diff`` / ``build`` compares against. Exit status: 0 on success, 1 when a source is
bad (nothing is written then), 2 on bad usage.

``mistakes`` reads the JSON report of ``grade --format json`` and builds a personal deck of the
cards about each mistake it diagnosed (decks/mistakes.py); exit status 1 when the report cannot
be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from decks.errors import DeckError

OUT_HELP = "Folder for the .apkg files and their manifests (default: ./out)."


def _report(builds: list, *, dry_run: bool, show_unchanged: bool, wrote: bool) -> None:
    for b in builds:
        where = b.package_path
        click.echo(f"{b.deck}  →  {where}" + ("" if wrote else "  (not written)"))
        click.echo(f"  {b.note_count} notes, {b.card_count} cards, {len(b.media)} media files")
        d = b.diff
        if not d.previous_build:
            click.echo(f"  no previous build in {where.parent}: all {len(d.new)} notes are new")
        else:
            click.echo(
                f"  against the previous build: {len(d.new)} new, {len(d.changed)} changed, "
                f"{len(d.unchanged)} unchanged, {len(d.removed)} removed"
            )
        groups = [("new", "+", d.new if d.previous_build else []), ("changed", "~", d.changed)]
        if show_unchanged:
            groups.append(("unchanged", "=", d.unchanged))
        groups.append(("removed", "-", d.removed))
        for label, mark, records in groups:
            for r in records:
                click.echo(f"  {mark} {label:<9} {r.origin:<24} {r.question[:90]}")
        if d.removed:
            click.echo(
                "  note: Anki keeps removed notes on import; delete them in Anki's browser "
                "if you no longer want them."
            )
    if dry_run:
        click.echo("dry run: nothing was written")


def _run(
    sources: tuple[Path, ...],
    out: Path,
    *,
    figures: bool,
    write: bool,
    show_all: bool,
    announce_dry_run: bool,
) -> None:
    from decks.build import build

    try:
        builds = build(list(sources), out, figures=figures, dry_run=not write)
    except DeckError as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("nothing was written.", err=True)
        sys.exit(1)
    _report(builds, dry_run=announce_dry_run, show_unchanged=show_all, wrote=write)


@click.group()
def decks() -> None:
    """Build Anki decks from Markdown notes (week 2: gradient descent)."""


@decks.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
    help=OUT_HELP,
)
@click.option("--no-figures", is_flag=True, help="Leave out the figure cards (no matplotlib).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def build(sources: tuple[Path, ...], out: Path, no_figures: bool, dry_run: bool) -> None:
    """Build one .apkg per deck from SOURCE files (default: the week-2 deck)."""
    _run(
        sources,
        out,
        figures=not no_figures,
        write=not dry_run,
        show_all=False,
        announce_dry_run=dry_run,
    )


@decks.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
    help=OUT_HELP,
)
@click.option("--no-figures", is_flag=True, help="Compare a build without figure cards.")
@click.option("--all", "show_all", is_flag=True, help="List unchanged notes too.")
def diff(sources: tuple[Path, ...], out: Path, no_figures: bool, show_all: bool) -> None:
    """List new / changed / unchanged / removed notes against the last build in OUT."""
    _run(
        sources, out, figures=not no_figures, write=False, show_all=show_all, announce_dry_run=False
    )


@decks.command()
@click.argument("report", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
    help=OUT_HELP,
)
@click.option("--no-figures", is_flag=True, help="Leave out the figure cards (no matplotlib).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def mistakes(report: Path, out: Path, no_figures: bool, dry_run: bool) -> None:
    """Build a deck of the cards about each mistake a grade report diagnosed.

    REPORT is the file `grade --format json -o REPORT.json` wrote. Build again after more
    grading, into the same folder: the notes are updated in place.
    """
    from decks.mistakes import plan_mistakes
    from decks.report_input import ReportError

    try:
        planned = plan_mistakes(report, out, figures=not no_figures)
    except (ReportError, DeckError) as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("nothing was written.", err=True)
        sys.exit(1)
    for key in planned.unknown:
        click.echo(f"note: no cards for the mistake {key} (not in decks/mistakes.json)", err=True)
    if planned.build is None:
        click.echo(f"{report}: no diagnosed mistake to review; nothing was written.")
        return
    click.echo(f"{len(planned.mistakes)} diagnosed mistakes: {', '.join(planned.mistakes)}")
    if not dry_run:
        planned.build.write()
    _report([planned.build], dry_run=dry_run, show_unchanged=False, wrote=not dry_run)
