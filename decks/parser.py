"""Read a deck source file (Markdown notes) into note specifications.

The format (see CONTRACT.md, compatible with Obsidian_to_Anki's conventions):

- ``TARGET DECK: Name``, ``TARGET DECK Name``, or ``TARGET DECK`` with the name on the next
  line (required, once per file). ``FILE TAGS: a b`` (or ``FILE TAGS a b``) adds tags to every
  note; a leading ``#`` is dropped and Obsidian's nested ``a/b`` becomes Anki's ``a::b``.
- ``## Section`` headings (any level, ATX or setext) open a section; its notes get the tag
  ``<prefix>::<section_slug>``, where the prefix is the first file tag (or, without file tags,
  the last part of the deck name with punctuation removed: ``Week-02`` → ``week02``).
- A question is a line at the left margin ending in ``?`` that is a plain paragraph line (not a
  list item, heading, code or math) and starts a paragraph (blank line or heading above it;
  in seed style, below, any line may). Its answer is everything up to the next question, section,
  note block or cloze paragraph. An optional ``<!-- id: slug -->`` line right after the question
  gives the note a stable identity of its own.
- A top-level paragraph containing ``{{c1::…}}`` is a cloze note (an id line may follow it).
- ``START`` / note type / fields / ``END`` blocks (exact lines, as in Obsidian_to_Anki): the
  first field's ``Name:`` prefix may be left out, fields continue over several lines, an
  optional ``Tags: a b`` line adds tags, and ``<!--ID: …-->`` / ``<!-- id: … -->`` sets the id.
- Seed style (a file without any heading): a short title-like line (no final punctuation, no
  math, at most 12 words) directly above a question line is a section title. Right after such a
  title, an imperative prompt ("Summarise the … ." — first word from PROMPT_VERBS) also counts
  as a question line, as in the learner's own Q&A file.

HTML comments outside notes are ignored; any other text outside a note is an error, so a
question that lost its ``?`` is reported instead of silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from decks.errors import DeckError
from decks.render import parser as markdown_parser

# Note kinds and the field names a START/END block may use for them (lower-case aliases).
NOTE_TYPES: dict[str, str] = {
    "basic": "basic",
    "basic (and reversed card)": "reversed",
    "basic (and reversed)": "reversed",
    "cloze": "cloze",
}
FIELD_ALIASES: dict[str, dict[str, int]] = {
    "basic": {"front": 0, "back": 1},
    "reversed": {"front": 0, "back": 1},
    "cloze": {"text": 0, "back extra": 1, "extra": 1},
}

# Anki's cloze marker and the id comment are Anki / HTML-comment syntax, not Markdown.
CLOZE_MARKER = re.compile(r"\{\{c(\d+)::")
ID_COMMENT = re.compile(r"^<!--\s*id:\s*(\S+?)\s*-->$", re.IGNORECASE)
# Seed style only: a section title may be followed by an imperative prompt instead of a question.
PROMPT_VERBS = frozenset(
    "summarise summarize explain describe define list compare contrast derive state name give "
    "outline sketch compute calculate show prove".split()
)
_TERMINAL_PUNCTUATION = tuple(".,;:!?)]…\"'`*")


@dataclass(frozen=True)
class FieldText:
    """One field's Markdown and the 1-based line where it starts."""

    text: str
    line: int


@dataclass(frozen=True)
class SourceNote:
    """A note as written in the source, before rendering.

    kind is "basic", "reversed" or "cloze"; fields are (front, back) or (text, extra).
    key is what the GUID is derived from: "id:<explicit id>" or the question / cloze text.
    """

    kind: str
    fields: tuple[FieldText, FieldText]
    section: str
    tags: tuple[str, ...]
    key: str
    file: str
    line: int
    base_dir: Path | None = None
    media: tuple[tuple[str, bytes], ...] = ()  # files the fields reference as <img src="name">


@dataclass(frozen=True)
class SourceFile:
    path: str
    deck: str
    file_tags: tuple[str, ...]
    tag_prefix: str
    notes: tuple[SourceNote, ...]


def section_tag(prefix: str, section: str) -> str:
    """The hierarchical tag of a section: ``week02::binary_cross_entropy``."""
    return f"{prefix}::{slugify(section)}"


def slugify(title: str) -> str:
    """``"Loss / activation pairings"`` → ``"loss_activation_pairings"`` (Unicode letters kept)."""
    out: list[str] = []
    for char in title.lower():
        if char.isalnum():
            out.append(char)
        elif out and out[-1] != "_":
            out.append("_")
    return "".join(out).strip("_")


def _normalise_tag(tag: str) -> str:
    return tag.lstrip("#").replace("/", "::")


@lru_cache(maxsize=4096)
def _is_paragraph_line(line: str) -> bool:
    """True when the line, on its own, is a plain Markdown paragraph at the left margin."""
    if not line.strip() or line[:1].isspace():
        return False
    tokens = markdown_parser().parse(line)
    return bool(tokens) and tokens[0].type == "paragraph_open"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _directive_value(line: str, keyword: str) -> str | None:
    """``KEYWORD: value`` / ``KEYWORD value`` / ``KEYWORD`` → the value ("" if on the next line)."""
    stripped = line.strip()
    if stripped == keyword:
        return ""
    for prefix in (keyword + ":", keyword + " "):
        if stripped.startswith(prefix):
            return stripped[len(prefix) :].strip()
    return None


class _Parser:
    def __init__(self, path: Path, text: str, display: str) -> None:
        self.path = path
        self.display = display
        self.lines = text.split("\n")
        self.deck: str | None = None
        self.deck_line = 0
        self.file_tags: list[str] = []
        self.blocks: dict[int, int] = {}  # START line index → END line index
        self.notes: list[SourceNote] = []

    def error(self, index: int, message: str) -> DeckError:
        return DeckError(self.display, index + 1, message)

    # -- pass 1: directives and START/END blocks ---------------------------------------------
    def _protected_lines(self, text: str) -> set[int]:
        protected: set[int] = set()
        for token in markdown_parser().parse(text):
            if token.type in ("fence", "code_block", "math_block") and token.map:
                protected.update(range(token.map[0], token.map[1]))
        return protected

    def scan_directives(self) -> None:
        protected = self._protected_lines("\n".join(self.lines))
        i = 0
        while i < len(self.lines):
            if i in protected:
                i += 1
                continue
            line = self.lines[i]
            deck = _directive_value(line, "TARGET DECK")
            tags = _directive_value(line, "FILE TAGS")
            if deck is not None:
                if self.deck is not None:
                    raise self.error(
                        i, f"second TARGET DECK (the first is on line {self.deck_line})"
                    )
                self.deck_line = i + 1
                self.lines[i] = ""
                if deck == "":
                    j = i + 1
                    while j < len(self.lines) and not self.lines[j].strip():
                        j += 1
                    if j == len(self.lines):
                        raise self.error(i, "TARGET DECK without a deck name")
                    deck = self.lines[j].strip()
                    self.lines[j] = ""
                    i = j
                self.deck = deck
            elif tags is not None:
                if tags == "" and i + 1 < len(self.lines):
                    tags = self.lines[i + 1].strip()
                    self.lines[i + 1] = ""
                self.file_tags.extend(_normalise_tag(t) for t in tags.split())
                self.lines[i] = ""
            elif line.strip() == "START":
                end = i + 1
                while end < len(self.lines) and self.lines[end].strip() != "END":
                    if self.lines[end].strip() == "START":
                        raise self.error(i, "START without END before the next START")
                    end += 1
                if end == len(self.lines):
                    raise self.error(i, "START without a matching END")
                self.blocks[i] = end
                i = end
            i += 1
        if self.deck is None:
            raise DeckError(
                self.display,
                1,
                "missing TARGET DECK (write e.g. 'TARGET DECK: NeuralComputation::Week-02' "
                "near the top of the file)",
            )
        if not self.deck.strip() or any(not part.strip() for part in self.deck.split("::")):
            raise self.error(self.deck_line - 1, f"bad deck name {self.deck!r}")

    # -- START/END blocks -----------------------------------------------------------------------
    def parse_block(self, start: int, end: int, section: str) -> SourceNote:
        body = list(range(start + 1, end))
        while body and not self.lines[body[0]].strip():
            body.pop(0)
        if not body:
            raise self.error(start, "START/END block without a note type")
        type_index = body.pop(0)
        type_name = self.lines[type_index].strip()
        kind = NOTE_TYPES.get(type_name.lower())
        if kind is None:
            known = ", ".join(["Basic", "Basic (and reversed card)", "Cloze"])
            raise self.error(type_index, f"unknown note type {type_name!r} (known: {known})")
        aliases = FIELD_ALIASES[kind]
        fields: list[list[tuple[int, str]]] = [[], []]  # (line index, text) per field
        explicit_id: str | None = None
        extra_tags: list[str] = []
        current = 0
        for index in body:
            line = self.lines[index]
            stripped = line.strip()
            id_match = ID_COMMENT.match(stripped)
            if id_match:
                explicit_id = id_match.group(1)
                continue
            if stripped.startswith("Tags:"):
                extra_tags.extend(_normalise_tag(t) for t in stripped[len("Tags:") :].split())
                continue
            name, sep, rest = line.partition(":")
            if sep and name.strip().lower() in aliases and not line.startswith((" ", "\t")):
                current = aliases[name.strip().lower()]
                if fields[current]:
                    raise self.error(index, f"field {name.strip()!r} given twice")
                fields[current].append((index, rest.lstrip()))
                continue
            fields[current].append((index, line))
        texts, field_lines = [], []
        for entries in fields:
            while entries and not entries[0][1].strip():
                entries.pop(0)  # the text starts on the first non-blank line
            texts.append("\n".join(text for _, text in entries).rstrip())
            field_lines.append(entries[0][0] + 1 if entries else start + 1)
        first_name = "Text" if kind == "cloze" else "Front"
        if not texts[0]:
            raise self.error(start, f"note block without a {first_name} field")
        if kind == "cloze":
            if not CLOZE_MARKER.search(texts[0]):
                raise self.error(start, "Cloze note without a {{c1::…}} deletion")
        elif not texts[1]:
            raise self.error(start, "question with no answer (the block has no Back field)")
        key = f"id:{explicit_id}" if explicit_id else _collapse(texts[0])
        return SourceNote(
            kind=kind,
            fields=(
                FieldText(texts[0], field_lines[0]),
                FieldText(texts[1], field_lines[1]),
            ),
            section=section,
            tags=tuple(extra_tags),
            key=key,
            file=self.display,
            line=start + 1,
            base_dir=self.path.parent,
        )

    # -- pass 2: questions, answers, sections and clozes ----------------------------------------
    def _is_question(self, index: int) -> bool:
        line = self.lines[index]
        return line.rstrip().endswith("?") and _is_paragraph_line(line)

    def _is_prompt(self, index: int) -> bool:
        """An imperative prompt ("Summarise …."): a question right after a seed-style title."""
        line = self.lines[index].strip()
        words = line.split()
        return (
            bool(words)
            and words[0].lower().strip(",:") in PROMPT_VERBS
            and _is_paragraph_line(self.lines[index])
        )

    def _is_seed_section(self, index: int) -> bool:
        line = self.lines[index].strip()
        return (
            index + 1 < len(self.lines)
            and (self._is_question(index + 1) or self._is_prompt(index + 1))
            and not line.endswith(_TERMINAL_PUNCTUATION)
            and "$" not in line
            and not line.startswith("|")
            and len(line.split()) <= 12
            and _is_paragraph_line(self.lines[index])
        )

    def parse_notes(self) -> None:
        visible = list(self.lines)
        for start, end in self.blocks.items():
            visible[start : end + 1] = [""] * (end + 1 - start)
        text = "\n".join(visible)
        headings: dict[int, tuple[int, str]] = {}
        protected: dict[int, int] = {}
        clozes: dict[int, int] = {}
        comments: dict[int, int] = {}  # HTML comment blocks: notes to self outside cards
        tokens = markdown_parser().parse(text)
        for k, token in enumerate(tokens):
            if token.level != 0 or not token.map:
                continue
            if token.type == "heading_open":
                headings[token.map[0]] = (token.map[1], tokens[k + 1].content)
            elif token.type in ("fence", "code_block", "math_block"):
                protected[token.map[0]] = token.map[1]
            elif token.type == "html_block" and token.content.lstrip().startswith("<!--"):
                comments[token.map[0]] = token.map[1]
            elif token.type == "paragraph_open":
                start, end = token.map
                if CLOZE_MARKER.search(tokens[k + 1].content) and not any(
                    self._is_question(i) for i in range(start, end)
                ):
                    clozes[start] = end
        seed_style = not headings
        heading_ends = {end - 1 for end, _ in headings.values()}

        section = ""
        question: int | None = None  # index of the current question line
        question_id: str | None = None
        answer_start = 0
        forced_question = -1  # seed style: the prompt line right after a section title

        def close(end: int) -> None:
            nonlocal question
            if question is None:
                return
            first = answer_start
            while first < end and not self.lines[first].strip():
                first += 1
            answer = "\n".join(self.lines[first:end]).rstrip()
            if not answer:
                raise self.error(question, "question with no answer")
            q_text = self.lines[question].strip()
            self.notes.append(
                SourceNote(
                    kind="basic",
                    fields=(FieldText(q_text, question + 1), FieldText(answer, first + 1)),
                    section=section,
                    tags=(),
                    key=f"id:{question_id}" if question_id else _collapse(q_text),
                    file=self.display,
                    line=question + 1,
                    base_dir=self.path.parent,
                )
            )
            question = None

        def next_id(index: int) -> tuple[str | None, int]:
            """An id comment on the line at ``index``: (id, index after it)."""
            if index < len(self.lines):
                match = ID_COMMENT.match(self.lines[index].strip())
                if match:
                    return match.group(1), index + 1
            return None, index

        i = 0
        n = len(self.lines)
        while i < n:
            line = self.lines[i]
            if i in self.blocks:
                close(i)
                end = self.blocks[i]
                self.notes.append(self.parse_block(i, end, section))
                i = end + 1
                continue
            if i in headings:
                close(i)
                end, title = headings[i]
                section = title.strip()
                i = end
                continue
            if i in protected:
                if question is None:
                    raise self.error(
                        i, "code or math block outside a card (it needs a question above)"
                    )
                i = protected[i]
                continue
            if not line.strip():
                i += 1
                continue
            if i in clozes:
                close(i)
                end = clozes[i]
                cloze_text = "\n".join(self.lines[i:end]).strip()
                cloze_id, after = next_id(end)
                self.notes.append(
                    SourceNote(
                        kind="cloze",
                        fields=(FieldText(cloze_text, i + 1), FieldText("", end + 1)),
                        section=section,
                        tags=(),
                        key=f"id:{cloze_id}" if cloze_id else _collapse(cloze_text),
                        file=self.display,
                        line=i + 1,
                        base_dir=self.path.parent,
                    )
                )
                i = after
                continue
            starts_paragraph = i == 0 or not visible[i - 1].strip() or (i - 1) in heading_ends
            if i == forced_question or (self._is_question(i) and (seed_style or starts_paragraph)):
                close(i)
                question = i
                question_id, answer_start = next_id(i + 1)
                i = answer_start
                continue
            if seed_style and self._is_seed_section(i):
                close(i)
                section = line.strip()
                forced_question = i + 1
                i += 1
                continue
            if ID_COMMENT.match(line.strip()) and question is None:
                raise self.error(i, "id comment without a question or cloze right above it")
            if i in comments and question is None:
                i = comments[i]
                continue
            if question is None:
                raise self.error(
                    i,
                    "text outside a card: a question line must end with '?' "
                    "(and a section title needs a '## ' heading)",
                )
            i += 1
        close(n)

    def result(self) -> SourceFile:
        assert self.deck is not None
        prefix = (
            self.file_tags[0]
            if self.file_tags
            else "".join(c for c in self.deck.split("::")[-1].lower() if c.isalnum())
        )
        notes = []
        for note in self.notes:
            tags = list(self.file_tags)
            if note.section:
                tags.append(section_tag(prefix, note.section))
            tags.extend(t for t in note.tags if t not in tags)
            notes.append(replace(note, tags=tuple(tags)))
        return SourceFile(
            path=self.display,
            deck=self.deck.strip(),
            file_tags=tuple(self.file_tags),
            tag_prefix=prefix,
            notes=tuple(notes),
        )


def parse_text(text: str, *, path: Path, display: str | None = None) -> SourceFile:
    """Parse source text (``path`` locates images; ``display`` names the file in errors)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    parser = _Parser(path, text, display or str(path))
    parser.scan_directives()
    parser.parse_notes()
    return parser.result()


def parse_file(path: str | Path) -> SourceFile:
    """Parse one deck source file; raises :class:`DeckError` with ``file:line`` on bad input."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DeckError(str(path), 1, f"cannot read the file: {reason}") from None
    return parse_text(text, path=path)
