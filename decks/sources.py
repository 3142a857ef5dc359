"""Which files a build reads: the sources named, every note file of a folder named (a vault,
:mod:`decks.vault`), or the shipped week-2 deck; each parsed once."""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import resources
from pathlib import Path

from decks import vault
from decks.errors import DeckError, MissingDeck
from decks.parser import AS_WRITTEN, ReadOptions, SourceFile, parse_file


def default_source() -> Path:
    """The week-2 deck source shipped inside the package (decks/week02.md)."""
    return Path(str(resources.files("decks").joinpath("week02.md")))


_NOTE_BLOCK = re.compile(r"^(?:START|STARTI\b.*)$", re.MULTILINE)


def in_folder(path: Path, folder: Path, options: ReadOptions) -> SourceFile | None:
    """A note file found under ``folder``: parsed, or None when it names no TARGET DECK and
    holds no note block (an ordinary note of the vault)."""
    try:
        source = parse_file(path, options)
    except MissingDeck:
        text = path.read_text(encoding="utf-8", errors="replace")
        block = _NOTE_BLOCK.search(text)
        if block is None:
            return None
        raise DeckError(
            str(path),
            text.count("\n", 0, block.start()) + 1,
            "a note block in a file without TARGET DECK: write 'TARGET DECK: Name' near the "
            "top of the file (Obsidian_to_Anki would use its default deck)",
        ) from None
    notes = tuple(replace(n, media_root=folder) for n in source.notes)
    return replace(source, notes=notes)


def read_sources(
    sources: list[Path], options: ReadOptions = AS_WRITTEN
) -> tuple[list[SourceFile], list[str]]:
    """Parse every source file, and every note file under a source folder; also the files of
    those folders that were skipped (no TARGET DECK, no note block)."""
    parsed: list[SourceFile] = []
    skipped: list[str] = []
    vault.forget()
    for path in sources or [default_source()]:
        if not path.is_dir():
            parsed.append(parse_file(path, options))
            continue
        for file in vault.note_files(path):
            source = in_folder(file, path, options)
            if source is None:
                skipped.append(str(file))
            else:
                parsed.append(source)
        if not parsed:
            raise DeckError(
                str(path),
                1,
                f"no note file with a TARGET DECK in this folder ({len(skipped)} skipped): "
                "write 'TARGET DECK: Name' at the top of each file of flashcards",
            )
    return parsed, skipped


def skipped_warning(skipped: list[str]) -> list[str]:
    if not skipped:
        return []
    shown = ", ".join(skipped[:3]) + (", …" if len(skipped) > 3 else "")
    return [
        f"{len(skipped)} file(s) without TARGET DECK and without note blocks were skipped as "
        f"ordinary notes: {shown}"
    ]
