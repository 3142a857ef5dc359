"""YAML front matter (Obsidian's file properties) at the top of a deck source.

A file that starts with a ``---`` line and has a closing ``---`` (or ``...``) line holds YAML
front matter. Two keys matter to a deck: ``deck`` (or ``target deck``) is the TARGET DECK, and
``tags`` (a list, or a string of space- or comma-separated tags) become FILE TAGS. Every other
key (``aliases``, ``created``, …) is skipped. The front matter lines are blanked, so line numbers
in messages stay those of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from decks.errors import DeckError

MAX_LINES = 500  # front matter longer than this is not front matter but a mistake
MAX_CHARS = 64 * 1024
DECK_KEYS = ("deck", "target deck")  # keys compare in lower case, "-" and "_" read as spaces
STYLE_KEY = "anki style"  # O2A's custom-regex styles by name (decks.styles)
TAGS_KEY = "add obsidian tags"  # O2A's "Add Obsidian Tags": #tags in the text become tags


@dataclass
class FrontMatter:
    deck: str | None = None
    line: int = 0  # 1-based line of the deck key (for "given twice" messages)
    tags: list[str] = field(default_factory=list)
    styles: tuple[str, ...] | None = None  # None: as the command line says
    obsidian_tags: bool | None = None


SCALARS = (str, int, float, bool)


def split_tags(value: object) -> list[str]:
    """``"a, b c"`` or ``["a", "b"]`` → ``["a", "b", "c"]`` (comma- and space-separated).

    Only words count: a nested list or mapping is ignored (never expanded, so YAML aliases
    that would multiply into a huge structure cost nothing)."""
    items = value if isinstance(value, list) else [value]
    tags: list[str] = []
    for item in items:
        if isinstance(item, SCALARS):
            tags.extend(t for t in str(item).replace(",", " ").split() if t)
    return tags


def _closing_line(lines: list[str]) -> int | None:
    for index in range(1, min(len(lines), MAX_LINES)):
        if lines[index].rstrip() in ("---", "..."):
            return index
    return None


def _key(key: object) -> str:
    return str(key).lower().replace("-", " ").replace("_", " ")


def _read_options(front: FrontMatter, data: dict, display: str) -> None:
    """``anki style`` (a name or a list of names) and ``add obsidian tags`` (true / false)."""
    if data.get(STYLE_KEY) is not None:
        front.styles = tuple(split_tags(data[STYLE_KEY]))
    value = data.get(TAGS_KEY)
    if value is not None:
        if not isinstance(value, bool):
            raise DeckError(
                display, 2, f"front matter: {TAGS_KEY!r} must be true or false, not {value!r}"
            )
        front.obsidian_tags = value


def read_front_matter(lines: list[str], display: str) -> FrontMatter:
    """Read and blank the front matter at the top of ``lines`` (changed in place)."""
    if not lines or lines[0].rstrip() != "---":
        return FrontMatter()
    end = _closing_line(lines)
    if end is None:
        return FrontMatter()  # a thematic break, not front matter
    text = "\n".join(lines[1:end])
    if len(text) > MAX_CHARS:
        raise DeckError(display, 1, f"front matter longer than {MAX_CHARS} characters")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise DeckError(
            display,
            line,
            f"front matter: {problem} (fix the YAML between the --- lines, or delete them)",
        ) from None
    if data is not None and not isinstance(data, dict):
        raise DeckError(display, 2, "front matter must be 'key: value' lines")
    data = {_key(k): v for k, v in (data or {}).items() if isinstance(k, SCALARS)}
    front = FrontMatter(tags=split_tags(data.get("tags")))
    _read_options(front, data, display)
    for key in DECK_KEYS:
        if data.get(key) is not None and not isinstance(data[key], SCALARS):
            raise DeckError(display, 2, f"front matter: {key!r} must be a deck name")
        if data.get(key) is not None:
            front.deck = str(data[key]).strip()
            front.line = 1 + next(
                (i for i in range(1, end) if _key(lines[i]).lstrip().startswith(key)), 0
            )
    lines[: end + 1] = [""] * (end + 1)
    return front
