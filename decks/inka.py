"""inka's card sections, read as gdkit notes.

inka (and inka2) keep cards between two ``---`` lines::

    ---
    Deck: Life Questions
    Tags: learning life-questions
    <!--ID:1566052191670-->
    1. What is the answer to everything?
    > 42
    2. If it {looks like a duck}, then it is a {duck}.
    ---

A numbered item followed by ``>`` lines is a question and its answer; a numbered item without
them is a cloze (``{…}`` or ``{{c1::…}}``). The id comment inka writes above a note is its Anki
note id. :func:`rewrite` turns such sections into gdkit's own syntax line for line (``Deck:`` →
``TARGET DECK:``, ``Tags:`` → ``FILE TAGS:``, ``1. question`` → ``Q: question``, ``> answer`` →
``answer``), so line numbers in messages stay those of the file. As in inka, a file with card
sections is read only inside them. gdkit builds one deck per file: sections naming different
decks are refused; the tags of every section apply to the whole file.
"""

from __future__ import annotations

import re

from decks.dialect import short_clozes
from decks.errors import DeckError

_ITEM = re.compile(r"^\d+\.\s+(?P<text>.*)$")
_ID = re.compile(r"^<!--\s*ID:\s*\d+\s*-->$")


def _sections(lines: list[str]) -> list[tuple[int, int]]:
    """(opening ---, closing ---) of every inka section: a --- with a Deck: line after it."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "---":
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and lines[j].startswith("Deck:"):
                end = next((k for k in range(j, len(lines)) if lines[k].strip() == "---"), None)
                if end is not None and any(_ITEM.match(lines[k]) for k in range(j, end)):
                    out.append((i, end))
                    i = end
        i += 1
    return out


def _rewrite_items(lines: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        item = _ITEM.match(lines[i])
        if item is None:
            if lines[i].startswith(">"):
                lines[i] = lines[i][1:].removeprefix(" ")
            continue
        at = i
        if i > start and _ID.match(lines[i - 1].strip()):
            lines[i - 1], lines[i] = lines[i], lines[i - 1]  # gdkit reads the id after the note
            at = i - 1
        following = [k for k in range(i + 1, end) if lines[k].strip()][:1]
        answer_follows = bool(following) and lines[following[0]].startswith(">")
        text = item.group("text")
        lines[at] = f"Q: {text}" if answer_follows else short_clozes(text)


def rewrite(lines: list[str], display: str) -> None:
    """Rewrite inka sections in ``lines`` (in place) into gdkit syntax."""
    sections = _sections(lines)
    inside = {i for start, end in sections for i in range(start, end + 1)}
    for i in range(len(lines) if sections else 0):
        if i not in inside:
            lines[i] = ""  # as inka does, text outside the card sections is the author's own
    decks: dict[str, int] = {}
    for start, end in sections:
        lines[start] = lines[end] = ""
        for i in range(start + 1, end):
            if lines[i].startswith("Deck:"):
                deck = lines[i][len("Deck:") :].strip()
                if decks and deck not in decks:
                    first = next(iter(decks))
                    raise DeckError(
                        display,
                        i + 1,
                        f"a second deck {deck!r} (the first, {first!r}, is on line "
                        f"{decks[first]}): gdkit builds one deck per file, so put this "
                        "section in a file of its own",
                    )
                decks.setdefault(deck, i + 1)
                lines[i] = f"TARGET DECK: {deck}"
            elif lines[i].startswith("Tags:"):
                lines[i] = "FILE TAGS: " + lines[i][len("Tags:") :].strip()
        _rewrite_items(lines, start + 1, end)
