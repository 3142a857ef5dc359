"""``gdkit decks build --write-ids``: write an ``<!-- id: … -->`` line into the source for every
note that has none, so later rewording never changes the note's identity.

An id is made from the note's question (``what-does-the-learning-rate-scale``), made unique in
its deck. Each file is rewritten whole: the new text goes to a temporary file beside it that then
replaces the original (``os.replace``), so a file is either untouched or complete (a link is
followed, permissions are kept). Line endings
and a byte-order mark are kept. Inline STARTI notes and computed cards are left alone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

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


def planned_ids(files: list[SourceFile]) -> dict[str, list[tuple[int, str]]]:
    """File path → (line index to insert before, id) for every note without an id."""
    taken = {n.key.removeprefix("id:") for f in files for n in f.notes if n.has_id}
    out: dict[str, list[tuple[int, str]]] = {}
    for source in files:
        for note in source.notes:
            if note.has_id or note.id_slot < 0:
                continue
            base = _slug(note)
            value, n = base, 2
            while value in taken:
                value, n = f"{base}-{n}", n + 1
            taken.add(value)
            out.setdefault(source.path, []).append((note.id_slot, value))
    return out


def write_ids(path: Path, inserts: list[tuple[int, str]]) -> None:
    """Insert the id lines into the file at ``path``, atomically. A symbolic link is followed
    (the file it points to is rewritten, the link stays) and the file's permissions are kept.
    Raises :class:`decks.errors.OutputError` (the file unchanged) when it cannot be written."""
    path = Path(os.path.realpath(path))
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    for index, value in sorted(inserts, reverse=True):
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
