"""``gdkit decks build --write-ids``: write an ``<!-- id: … -->`` line into the source for every
note that has none, so later rewording never changes the note's identity.

An id is made from the note's question (``what-does-the-learning-rate-scale``), made unique in
its deck. A note of its own lines gets an id line after its question (or cloze paragraph, or
before its block's ``END``); an inline note (``STARTI [Basic] … ENDI``, one line, perhaps a list
item holding several) gets the id comment inside it, right before its ``ENDI``
(``STARTI [Basic] front Back: back <!-- id: front --> ENDI``), where the parser reads it as it
reads O2A's ``ID:``. A note with no place gdkit can write an id to is listed with its
``file:line`` and why (:attr:`IdPlan.skipped`); computed cards have ids in the code.

Each file is rewritten whole: the new text goes to a temporary file beside it that then
replaces the original (``os.replace``), so a file is either untouched or complete (a link is
followed, permissions are kept). Line endings and a byte-order mark are kept.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from decks.blocks import INLINE_NOTE
from decks.errors import OutputError
from decks.parser import SourceFile, SourceNote, slugify
from decks.render import plain_text

MAX_WORDS = 6
MAX_LENGTH = 48


_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}")


def _slug(note: SourceNote) -> str:
    text = _CLOZE.sub(r"\1", note.fields[0].text)
    words = slugify(plain_text(text)).split("_")
    return "-".join(w for w in words[:MAX_WORDS] if w)[:MAX_LENGTH].strip("-") or "note"


@dataclass(frozen=True)
class Insert:
    """One id to write: a line of its own before ``line`` (0-based), or, for ``inline`` ≥ 0,
    inside the ``inline``-th inline note of ``line``, right before its ``ENDI``."""

    line: int
    value: str
    inline: int = -1


@dataclass
class IdPlan:
    inserts: dict[str, list[Insert]] = field(default_factory=dict)  # by file path
    skipped: list[str] = field(default_factory=list)  # "file:line: why no id was written"

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.inserts.values())


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read().replace("\r\n", "\n").split("\n")
    except (OSError, UnicodeDecodeError):
        return []  # the build read it a moment ago; write_ids reports a file that went away


def _inline_positions(source: SourceFile) -> dict[int, int]:
    """id(note) → its place among the inline notes of its line, for the notes of inline lines
    (the parser makes them in the order they stand on the line)."""
    lines = _read_lines(source.path)
    out: dict[int, int] = {}
    seen: dict[int, int] = {}
    for note in source.notes:
        index = note.line - 1
        if note.id_slot < 0 and 0 <= index < len(lines) and INLINE_NOTE.search(lines[index]):
            out[id(note)] = seen.get(index, 0)
            seen[index] = seen.get(index, 0) + 1
    for note in source.notes:
        index = note.line - 1
        if id(note) in out and len(INLINE_NOTE.findall(lines[index])) != seen[index]:
            del out[id(note)]  # the line no longer holds what was parsed: never guess
    return out


def planned_ids(files: list[SourceFile]) -> IdPlan:
    """Where an id goes for every note without one (and why not, where it cannot)."""
    taken = {n.key.removeprefix("id:") for f in files for n in f.notes if n.has_id}
    plan = IdPlan()
    for source in files:
        inline = _inline_positions(source)
        for note in source.notes:
            if note.has_id:
                continue
            if note.id_slot < 0 and id(note) not in inline:
                plan.skipped.append(
                    f"{source.path}:{note.line}: no id written: gdkit knows no place in this "
                    "note's syntax for one; write <!-- id: a-name --> on the line after it"
                )
                continue
            base = _slug(note)
            value, n = base, 2
            while value in taken:
                value, n = f"{base}-{n}", n + 1
            taken.add(value)
            where = (
                Insert(note.line - 1, value, inline[id(note)])
                if note.id_slot < 0
                else Insert(note.id_slot, value)
            )
            plan.inserts.setdefault(source.path, []).append(where)
    return plan


def _into_inline(line: str, inserts: list[Insert]) -> str:
    """``line`` with each id comment written before the ``ENDI`` of its inline note."""
    matches = list(INLINE_NOTE.finditer(line))
    for insert in sorted(inserts, key=lambda i: i.inline, reverse=True):
        end = matches[insert.inline].end() - len("ENDI")
        before = line[:end].rstrip(" ")
        line = f"{before} <!-- id: {insert.value} --> {line[end:]}"
    return line


def write_ids(path: Path, inserts: list[Insert]) -> None:
    """Insert the id lines into the file at ``path``, atomically. A symbolic link is followed
    (the file it points to is rewritten, the link stays) and the file's permissions are kept.
    Raises :class:`decks.errors.OutputError` (the file unchanged) when it cannot be written."""
    path = Path(os.path.realpath(path))
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    by_line: dict[int, list[Insert]] = {}
    for insert in inserts:
        if insert.inline >= 0:
            by_line.setdefault(insert.line, []).append(insert)
    for index, inline in by_line.items():
        lines[index] = _into_inline(lines[index], inline)
    own = sorted((i.line, i.value) for i in inserts if i.inline < 0)
    for index, value in reversed(own):
        lines.insert(min(index, len(lines)), f"<!-- id: {value} -->")
    tmp: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            newline="",
            dir=path.parent,
            prefix=f".{path.name}.",
            delete=False,
        ) as handle:
            tmp = Path(handle.name)
            handle.write(newline.join(lines))
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write the id lines ({exc}); the file is unchanged"
        ) from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
