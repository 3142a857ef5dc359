"""Obsidian_to_Anki's documented custom-regex styles, as named styles.

O2A lets a user paste a regular expression per note type; its wiki documents a few ready-made
ones. gdkit reads those as named styles, chosen in a file's front matter (``anki style: qa``,
or a list) or for every file with ``gdkit decks build --style qa``:

=================  ===========================================  ===============================
style              a note is                                    O2A wiki page
=================  ===========================================  ===============================
qa                 ``Q: question`` (may run over lines), then   Question answer style
                   ``A: answer`` (after blank lines too), up to
                   a blank line or an id comment
remnote            ``front::back`` on one line (split at the    RemNote single-line style
                   last ``::``; not inside code, math or
                   ``{{c1::…}}``)
cloze-paragraph    a paragraph holding a cloze (``{…}`` forms   Cloze paragraph style
                   or ``{{c1::…}}``)
header-paragraph   ``#…`` heading line, then the paragraph      Header paragraph style
                   below it
=================  ===========================================  ===============================

As in O2A, START/END blocks, inline notes and the file's directives still apply, a note may be
followed by its ``ID:`` line, and any other text is the author's own (not a card). Where O2A
would silently cut a note short, gdkit stops with the place and what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from decks.blocks import NoteId, note_id
from decks.dialect import ANKI_CLOZE, mask_code_and_math, short_clozes
from decks.errors import DeckError

_HEADER_LINE = re.compile(r"^#+(?P<title>.+)$")
_ANKI_MARKER = re.compile(r"\{\{c\d+::")


@dataclass(frozen=True)
class Found:
    """A note a style found: its kind, (text, line index) per field, id, and next line."""

    kind: str
    fields: tuple[tuple[str, int], tuple[str, int]]
    note_id: NoteId | None
    next: int


def _blank(lines: list[str], i: int) -> bool:
    return i >= len(lines) or not lines[i].strip()


def _with_id(lines: list[str], end: int) -> tuple[NoteId | None, int]:
    found = note_id(lines[end]) if end < len(lines) else None
    return (found, end + 1) if found else (None, end)


def qa_span(lines: list[str], i: int) -> tuple[int, int] | None:
    """A ``Q:`` question at ``i``: (the line after its last question line, its ``A:`` line),
    or None when no ``A:`` line follows (over its lines, then blank lines)."""
    if not lines[i].startswith("Q:"):
        return None
    end = i + 1
    while not _blank(lines, end) and not lines[end].startswith("A:"):
        end += 1
    answer = end
    while answer < len(lines) and not lines[answer].strip():
        answer += 1
    if answer < len(lines) and lines[answer].startswith("A:"):
        return end, answer
    return None


def _qa(lines: list[str], i: int, display: str) -> Found | None:
    if not lines[i].startswith("Q:"):
        return None
    span = qa_span(lines, i)
    if span is None:
        raise DeckError(
            display, i + 1, "Q: without an answer: write the answer on a line starting with 'A: '"
        )
    end, answer = span
    question = "\n".join([lines[i][2:].strip(), *lines[i + 1 : end]]).strip()
    last = answer + 1
    while not _blank(lines, last) and not lines[last].lstrip().startswith("<!--"):
        if note_id(lines[last]):
            break
        last += 1
    text = "\n".join([lines[answer][2:].strip(), *lines[answer + 1 : last]]).strip()
    found, after = _with_id(lines, last)
    return Found("basic", ((question, i), (text, answer)), found, after)


def _remnote_split(line: str) -> int | None:
    """Where ``front::back`` splits: the last ``::`` with no colon on either side, outside
    code, math and ``{{c1::`` markers; None when there is none."""
    masked = _ANKI_MARKER.sub(lambda m: " " * len(m.group()), mask_code_and_math(line))
    at = masked.rfind("::")
    while at > 0:
        before, after = masked[at - 1], masked[at + 2 : at + 3]
        if before != ":" and after and after != ":":
            return at
        at = masked.rfind("::", 0, at)
    return None


def _remnote(lines: list[str], i: int, display: str) -> Found | None:
    at = _remnote_split(lines[i])
    if at is None:
        return None
    front, back = lines[i][:at].strip(), lines[i][at + 2 :].strip()
    found, after = _with_id(lines, i + 1)
    return Found("basic", ((front, i), (back, i)), found, after)


def _cloze_paragraph(lines: list[str], i: int, display: str) -> Found | None:
    if i > 0 and lines[i - 1].strip():
        return None  # only at a paragraph's first line
    end = i
    while not _blank(lines, end):
        end += 1
    found = note_id(lines[end - 1]) if end - 1 > i else None
    text_end = end - 1 if found else end
    text = "\n".join(lines[i:text_end])
    if "{" not in text or not ANKI_CLOZE.search(short_clozes(text)):
        return None
    if found is None:
        found, end = _with_id(lines, end)
    return Found("cloze", ((text, i), ("", i)), found, end)


def _header_paragraph(lines: list[str], i: int, display: str) -> Found | None:
    match = _HEADER_LINE.match(lines[i])
    if match is None:
        return None
    answer = i + 1
    while answer < len(lines) and not lines[answer].strip():
        answer += 1
    if answer >= len(lines) or lines[answer].startswith("#"):
        return None  # a heading over another heading: no card, as in O2A
    end = answer
    while not _blank(lines, end) and not lines[end].startswith("#"):
        if "#" in lines[end]:
            raise DeckError(
                display,
                end + 1,
                "a '#' inside the answer of a header-paragraph card: Obsidian_to_Anki ends the "
                "answer there and drops the rest; write this note as a START … END block, or "
                "leave the '#' out",
            )
        end += 1
    found = note_id(lines[end - 1]) if end - 1 > answer else None
    text_end = end - 1 if found else end
    text = "\n".join(lines[answer:text_end])
    return Found("basic", ((match.group("title").strip(), i), (text, answer)), found, end)


Reader = Callable[[list[str], int, str], "Found | None"]
STYLES: dict[str, Reader] = {
    "qa": _qa,
    "remnote": _remnote,
    "cloze-paragraph": _cloze_paragraph,
    "header-paragraph": _header_paragraph,
}


def check_styles(names: tuple[str, ...], display: str, line: int) -> tuple[str, ...]:
    """The style names, each known (else a DeckError naming the known ones)."""
    for name in names:
        if name not in STYLES:
            raise DeckError(
                display,
                line,
                f"unknown anki style {name!r} (known: {', '.join(STYLES)})",
            )
    return names


def find(names: tuple[str, ...], lines: list[str], i: int, display: str) -> Found | None:
    """The note the first of the named styles finds at line ``i``, if any."""
    for name in names:
        found = STYLES[name](lines, i, display)
        if found is not None:
            return found
    return None
