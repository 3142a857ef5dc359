"""``gdkit decks build``, ``diff`` and ``mistakes`` (the click group ``decks``).

    gdkit decks build [SOURCE…] -o DIR [--no-figures] [--dry-run] [--write-ids]
                      [--anki-collection FILE]
    gdkit decks diff  [SOURCE…] -o DIR [--no-figures] [--all] [--anki-collection FILE]
    gdkit decks mistakes REPORT.json -o DIR [--no-figures] [--dry-run]

Without SOURCE, the week-2 deck shipped with gdkit (decks/week02.md) is built. Each deck becomes
``DIR/<Deck-Name>.apkg`` with ``DIR/<Deck-Name>.manifest.json`` beside it; the manifest is what
the next ``diff`` / ``build`` compares against. Exit status: 0 on success, 1 when a source is
bad or the deck dependencies are not installed (nothing is written then), 2 on bad usage.

``mistakes`` reads the JSON report of ``grade --format json`` and builds a personal deck of the
cards about each mistake it diagnosed, and of the concept cards of each exercise that fails
without a named mistake (decks/mistakes.py); it lists what it did for each exercise; exit
status 1 when the report cannot be read. Every command stops the same way
(:func:`stops_cleanly`): one ``error:`` line, no traceback.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from decks.errors import (
    DeckError,
    OutputError,
    SettingError,
    missing_extra_message,
    require_extra,
)
from decks.report_input import ReportError

OUT_HELP = "Folder for the .apkg files and their manifests (default: ./out)."
COLLECTION_HELP = (
    "Your Anki collection.anki2, read only: notes with Obsidian_to_Anki ids update the notes "
    "O2A made instead of adding copies."
)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _record_lines(d, show_unchanged: bool) -> list[str]:
    """One line per note that the import will add, change or find removed."""
    lines = []
    groups = [("new", "+", d.new if d.previous_build else []), ("changed", "~", d.changed)]
    if show_unchanged:
        groups.append(("unchanged", "=", d.unchanged))
    groups.append(("removed", "-", d.removed))
    groups.append(("moved", ">", d.moved_out))
    for label, mark, records in groups:
        for r in records:
            why = label
            if r.guid in d.matched and label != "removed":
                why = f"{label} (matched by similarity {d.matched[r.guid]:.2f})"
            if r.guid in d.moved_in:
                why = f"{label} (moved here from {d.moved_in[r.guid]})"
            if label == "moved":
                why = "moved to another deck"
            gone = label in ("removed", "moved")
            where = f"was {r.origin}" if gone else r.origin  # gone from there
            lines.append(f"  {mark} {why:<9} {where:<24} {r.question[:90]}")
    return lines


def _report(builds: list, *, dry_run: bool, show_unchanged: bool, wrote: bool) -> None:
    for b in builds:
        where = b.package_path
        d = b.diff
        click.echo(f"{b.deck}  →  {where}" + ("" if wrote else "  (not written)"))
        kept = len(d.removed) + len(d.still_removed)
        extra = f" (+ {_count(kept, 'removed note')} kept, tagged gdkit::removed)" if kept else ""
        counts = [_count(b.note_count, "note"), _count(b.card_count, "card")]
        click.echo(f"  {', '.join(counts)}, {_count(len(b.media), 'media file')}{extra}")
        if not d.new and not d.previous_build:
            click.echo("  no notes to package: the sources hold none (see the warnings)")
        elif not d.previous_build:
            new = "the note is new" if len(d.new) == 1 else f"all {len(d.new)} notes are new"
            click.echo(f"  no previous build in {where.parent}: {new}")
        else:
            click.echo(
                f"  against the previous build: {len(d.new)} new, {len(d.changed)} changed, "
                f"{len(d.unchanged)} unchanged, {len(d.removed)} removed"
                + (f", {len(d.moved_out)} moved to another deck" if d.moved_out else "")
            )
        for line in _record_lines(d, show_unchanged):
            click.echo(line)
        if d.removed or d.still_removed:
            click.echo(
                "  removed notes stay in the package, tagged gdkit::removed (Anki never deletes "
                "on import): in Anki's browser search tag:gdkit::removed to suspend or delete "
                "them in one step."
            )
        if b.ids_written:
            verb = "would write" if dry_run else "wrote"
            click.echo(f"  --write-ids: {verb} {_count(b.ids_written, 'id')} into the sources")
        elif b.ids_written == 0:
            click.echo("  --write-ids: no id to write; nothing written")
        for warning in b.warnings:
            click.echo(f"warning: {warning}", err=True)
    if dry_run:
        click.echo("dry run: nothing was written")


@contextmanager
def stops_cleanly(*, figures: bool) -> Iterator[None]:
    """The one way every ``gdkit decks`` command stops on a problem the user can fix: a missing
    deck dependency (the extra to install), a bad source, a bad report, a bad setting, or an
    output that cannot be written. One ``error:`` line, exit status 1, and no traceback; no
    file is left half-written."""
    try:
        require_extra(figures=figures)
        yield
    except ModuleNotFoundError as exc:
        click.echo(f"error: {missing_extra_message(exc, figures=figures)}", err=True)
        sys.exit(1)
    except (DeckError, ReportError, SettingError) as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("nothing was written.", err=True)
        sys.exit(1)
    except OutputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one command, and run once at its end.

    A build allocates hundreds of thousands of small objects that stay alive until it ends
    (every note's Markdown tokens), and each of the collector's passes walks them again: a
    quarter of a 2,000-note build's CPU time, for nothing — reference counting frees them all,
    as a parse makes no reference cycles. The process's memory is what the build holds anyway.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(
    sources: tuple[Path, ...],
    out: Path,
    *,
    figures: bool,
    write: bool,
    show_all: bool,
    announce_dry_run: bool,
    write_ids: bool = False,
    collection: Path | None = None,
    styles: tuple[str, ...] = (),
    obsidian_tags: bool = False,
) -> None:
    with stops_cleanly(figures=figures), _collector_paused():
        from decks.build import build
        from decks.source import ReadOptions

        builds = build(
            list(sources),
            out,
            figures=figures,
            dry_run=not write,
            write_ids=write_ids,
            collection=collection,
            options=ReadOptions(styles, obsidian_tags),
        )
    _report(builds, dry_run=announce_dry_run, show_unchanged=show_all, wrote=write)


# O2A's named styles (decks.styles.STYLES; kept here so --help needs no deck dependency)
STYLE_NAMES = ("qa", "remnote", "cloze-paragraph", "header-paragraph")


def _reading_options(command):
    """``--style`` and ``--obsidian-tags``: how to read every file (front matter may differ)."""
    command = click.option(
        "--obsidian-tags",
        is_flag=True,
        help="O2A's 'Add Obsidian Tags': #tags in a note's text become its tags "
        "(a file's front matter 'add obsidian tags: true/false' decides for that file).",
    )(command)
    return click.option(
        "--style",
        "styles",
        multiple=True,
        type=click.Choice(STYLE_NAMES),
        help="Read notes in O2A's documented custom-regex style (repeat for more); a file's "
        "front matter 'anki style:' decides for that file.",
    )(command)


SOURCES = click.argument("sources", nargs=-1, type=click.Path(path_type=Path, exists=False))


@click.group()
def decks() -> None:
    """Build Anki decks from Markdown notes (week 2: gradient descent)."""


@decks.command()
@SOURCES
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
@_reading_options
@click.option(
    "--write-ids",
    is_flag=True,
    help="Write an <!-- id: … --> line into the sources for every note without one.",
)
@click.option(
    "--anki-collection",
    "collection",
    type=click.Path(path_type=Path, dir_okay=False),
    help=COLLECTION_HELP,
)
def build(
    sources: tuple[Path, ...],
    out: Path,
    no_figures: bool,
    dry_run: bool,
    write_ids: bool,
    collection: Path | None,
    styles: tuple[str, ...],
    obsidian_tags: bool,
) -> None:
    """Build one .apkg per deck from SOURCE files or folders (default: the week-2 deck).

    A folder is built whole: every note file under it (hidden folders such as .obsidian/
    skipped); files with the same TARGET DECK make one package."""
    _run(
        sources,
        out,
        figures=not no_figures,
        write=not dry_run,
        show_all=False,
        announce_dry_run=dry_run,
        write_ids=write_ids,
        collection=collection,
        styles=styles,
        obsidian_tags=obsidian_tags,
    )


@decks.command()
@SOURCES
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
@_reading_options
@click.option(
    "--anki-collection",
    "collection",
    type=click.Path(path_type=Path, dir_okay=False),
    help=COLLECTION_HELP,
)
def diff(
    sources: tuple[Path, ...],
    out: Path,
    no_figures: bool,
    show_all: bool,
    collection: Path | None,
    styles: tuple[str, ...],
    obsidian_tags: bool,
) -> None:
    """List new / changed / unchanged / removed notes against the last build in OUT."""
    _run(
        sources,
        out,
        figures=not no_figures,
        write=False,
        show_all=show_all,
        announce_dry_run=False,
        collection=collection,
        styles=styles,
        obsidian_tags=obsidian_tags,
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
    """Build a deck of the cards about each mistake a grade report diagnosed, and of the
    concepts of each exercise that fails without a named mistake.

    REPORT is the file `grade --format json -o REPORT.json` wrote. Build again after more
    grading, into the same folder: the notes are updated in place.
    """
    with stops_cleanly(figures=not no_figures):
        from decks.mistakes import plan_mistakes

        planned = plan_mistakes(report, out, figures=not no_figures)
    for key in planned.unknown:
        click.echo(f"note: no cards for the mistake {key} (not in decks/mistakes.json)", err=True)
    for action in planned.actions:
        cards = f" → {_count(action.cards, 'card')}" if action.cards else ""
        click.echo(f"  {action.exercise}: {action.what}{cards}")
    if planned.build is None:
        click.echo(f"{report}: no failing exercise to review; nothing was written.")
        return
    if planned.mistakes:
        click.echo(
            f"{_count(len(planned.mistakes), 'diagnosed mistake')}: {', '.join(planned.mistakes)}"
        )
    if not dry_run:
        with stops_cleanly(figures=not no_figures):
            planned.build.write()
    _report([planned.build], dry_run=dry_run, show_unchanged=False, wrote=not dry_run)
