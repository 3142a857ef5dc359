"""Peer syntax inside a note's text: Obsidian markup and Obsidian_to_Anki's short clozes.

Each function takes one field's Markdown and returns Markdown that the renderer understands.
Code (fenced blocks and inline code spans) and math (``$…$``, ``$$…$$``) are never touched, as
Obsidian_to_Anki leaves them alone too.

==========================  ==================================================================
Obsidian / O2A              becomes
==========================  ==================================================================
``![[figure.png]]``         ``![figure.png](<figure.png>)``: the picture travels as media
``![[figure.png|a plot]]``  the same, with "a plot" as its alt text (a size such as 300 is dropped)
``[[Note]]``, ``[[a|b]]``   their text: ``Note``, ``b`` (``[[a#h]]`` → ``a > h``)
``==highlight==``           ``<mark>highlight</mark>``
``> [!note] Title``         a quote whose first line is **Title** (or the callout kind)
``{x}``, ``{2:x}``          ``{{c1::x}}``, ``{{c2::x}}`` in Cloze notes (O2A's CurlyCloze rule)
``==x==`` in such notes     ``{{c1::x}}`` when they hold no other deletion
==========================  ==================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable

from decks.errors import DeckError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".tiff")
SOUND_SUFFIXES = (".mp3", ".wav", ".m4a", ".flac", ".ogg", ".aac", ".wma", ".webm")

# Pieces of text no conversion may touch: fenced code, inline code, display and inline math.
_UNTOUCHABLE = re.compile(
    r"(?P<fence>^[ ]{0,3}(?P<mark>`{3,}|~{3,})[^\n]*\n(?:.*?\n)??[ ]{0,3}(?P=mark)[^\n]*$)"
    r"|(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|(?P<display>\$\$.+?\$\$)"
    r"|(?P<inline>(?<![\\$])\$(?=\S)[^$\n]*?(?<=\S)\$(?!\d))",
    re.DOTALL | re.MULTILINE,
)
_EMBED = re.compile(r"!\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]*))?\]\]")
_WIKILINK = re.compile(r"(?<!!)\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]*))?\]\]")
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
_CALLOUT = re.compile(r"^(?P<quote>(?:>[ ]?)+)\[!(?P<kind>[A-Za-z-]+)\][+-]?[ ]*(?P<title>.*)$")
# O2A's curly cloze: {text}, {2:text}, {c2:text}, {2|text} (not {{…}}).
_CURLY = re.compile(r"(?<!\{)\{(?:c?(\d+)[:|])?(?!\{)((?:[^{}\n]\n?)+?)(?<!\})\}(?!\})")
ANKI_CLOZE = re.compile(r"\{\{c\d+::")


def outside_code_and_math(text: str, convert: Callable[[str], str]) -> str:
    """Apply ``convert`` to every stretch of ``text`` that is neither code nor math."""
    out, last = [], 0
    for match in _UNTOUCHABLE.finditer(text):
        out.append(convert(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(convert(text[last:]))
    return "".join(out)


def mask_code_and_math(text: str) -> str:
    """``text`` with its code and math blanked to spaces (line breaks and positions kept)."""
    return _UNTOUCHABLE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


_OBSIDIAN_TAG = re.compile(r"(?:^|[ \t])#(?P<tag>[\w/-]*[^\W\d][\w/-]*)", re.MULTILINE)


def obsidian_tags(text: str) -> tuple[str, list[str]]:
    """O2A's "Add Obsidian Tags": every ``#tag`` (Obsidian's tag syntax: after a space or at a
    line's start, at least one non-digit) leaves the text and becomes a tag; not in code or
    math. Returns the text and the tags, in order."""
    if "#" not in text:
        return text, []
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        found.append(match.group("tag"))
        return ""

    cleaned = outside_code_and_math(text, lambda part: _OBSIDIAN_TAG.sub(take, part))
    return "\n".join(line.rstrip() for line in cleaned.split("\n")).strip(), found


def _check_embeds(text: str, file: str, line: int) -> None:
    for match in _EMBED.finditer(text):
        target = match.group(1).strip()
        if any(char in target for char in "<>"):
            raise DeckError(
                file,
                line + text[: match.start()].count("\n"),
                f"![[{target}]]: a picture's file name cannot hold < or >; rename the file",
            )
        if target.lower().endswith(SOUND_SUFFIXES):
            raise DeckError(
                file,
                line + text[: match.start()].count("\n"),
                f"![[{target}]]: gdkit packages pictures, not sound files; leave the sound out "
                "of the card (or add it in Anki)",
            )
        if not target.split("#", 1)[0].lower().endswith(IMAGE_SUFFIXES):
            raise DeckError(
                file,
                line + text[: match.start()].count("\n"),
                f"![[{target}]] embeds a note, which a card cannot show: copy the text you need "
                f"into the card, or link it as [[{target}]]",
            )


def _embed(match: re.Match[str]) -> str:
    target, label = match.group(1).strip(), (match.group(2) or "").strip()
    name = target.split("#", 1)[0]
    # a size ("300", "300x200") is dropped: the cards size pictures for the screen
    alt = name if not label or label.replace("x", "").isdigit() else label
    return f"![{alt}](<{name}>)"


def _link_text(match: re.Match[str]) -> str:
    target, label = match.group(1).strip(), match.group(2)
    if label and label.strip():
        return label.strip()
    page, _, heading = target.partition("#")
    return f"{page} > {heading}" if page and heading else page or heading


def _callouts(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        match = _CALLOUT.match(line)
        if match:
            title = match.group("title").strip() or match.group("kind").capitalize()
            lines[i] = f"{match.group('quote')}**{title}**"
            if i + 1 < len(lines) and lines[i + 1].startswith(">"):
                lines[i] += "  "  # a hard break: the title stands on its own line
    return "\n".join(lines)


def obsidian_markup(text: str, *, file: str = "<string>", line: int = 1) -> str:
    """Embeds → images, wikilinks → their text, ``==x==`` → ``<mark>``, callouts → quotes."""
    if "[[" not in text and "==" not in text and "[!" not in text:
        return text
    _check_embeds(text, file, line)

    def convert(part: str) -> str:
        part = _EMBED.sub(_embed, part)
        part = _WIKILINK.sub(_link_text, part)
        part = _HIGHLIGHT.sub(r"<mark>\1</mark>", part)
        return _callouts(part)

    return outside_code_and_math(text, convert)


def _censored(text: str, convert: Callable[[str], str]) -> str:
    """Apply ``convert`` to ``text`` with its code and math replaced by placeholders (as O2A
    does), so a deletion may hold a formula: ``{2:$\\frac{1}{2}$}``."""
    kept: list[str] = []

    def hide(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\ue000{len(kept) - 1}\ue001"

    converted = convert(_UNTOUCHABLE.sub(hide, text))
    return re.sub("\ue000(\\d+)\ue001", lambda m: kept[int(m.group(1))], converted)


def short_clozes(text: str) -> str:
    """A Cloze note's ``{x}``, ``{2:x}``, ``{c2:x}``, ``{2|x}`` (or, when it holds no
    deletion at all, ``==x==``) as Anki clozes, by Obsidian_to_Anki's CurlyCloze rule.

    O2A's rule: the curly forms are converted beside any ``{{c3::…}}`` of the note's own; a
    numbered one keeps its number, and the unnumbered ones are numbered 1, 2, 3, … in order,
    whatever numbers the others use (``{1:a} {b}`` is one card, c1). Code and math are left
    alone, but a deletion may hold them.
    """
    if "{" not in text and "==" not in text:
        return text
    unset = [0]

    def number(match: re.Match[str]) -> str:
        if match.group(1):
            return f"{{{{c{int(match.group(1))}::{match.group(2)}}}}}"
        unset[0] += 1
        return f"{{{{c{unset[0]}::{match.group(2)}}}}}"

    curly = _censored(text, lambda part: _CURLY.sub(number, part))
    if ANKI_CLOZE.search(curly):
        return curly

    def highlight(match: re.Match[str]) -> str:
        unset[0] += 1
        return f"{{{{c{unset[0]}::{match.group(1)}}}}}"

    return _censored(text, lambda part: _HIGHLIGHT.sub(highlight, part))
