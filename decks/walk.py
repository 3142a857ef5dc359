"""The parser's second pass: questions, answers, sections, cloze paragraphs and headings.

The Markdown parser's top-level tokens say where headings, code and math blocks, HTML comments
and cloze paragraphs are (:class:`Layout`); :class:`Walk` then reads the lines once, telling
what each is, and :class:`_Notes` makes the notes: it opens a note at each question (or cloze
heading) and closes it at the next note or section.
"""

from __future__ import annotations

from decks import styles
from decks.blocks import InlineNote, NoteId, note_id
from decks.source import CLOZE_MARKER
from decks.structure import is_paragraph_line, is_question

__all__ = ["Walk", "is_prompt", "is_question", "is_seed_section"]

# Seed style only: a section title may be followed by an imperative prompt instead of a question.
PROMPT_VERBS = frozenset(
    "summarise summarize explain describe define list compare contrast derive state name give "
    "outline sketch compute calculate show prove".split()
)
_TERMINAL_PUNCTUATION = tuple(".,;:!?)]…\"'`*")


def _strip_answer_prefix(lines: list[str], first: int) -> None:
    if lines[first].startswith("A:"):
        lines[first] = lines[first][2:].lstrip()


def is_prompt(lines: list[str], index: int) -> bool:
    """An imperative prompt ("Summarise …."): a question right after a seed-style title."""
    words = lines[index].strip().split()
    return (
        bool(words)
        and words[0].lower().strip(",:") in PROMPT_VERBS
        and is_paragraph_line(lines[index])
    )


def is_seed_section(lines: list[str], index: int) -> bool:
    """Seed style: a short title-like line right above a question or prompt."""
    line = lines[index].strip()
    return (
        index + 1 < len(lines)
        and (is_question(lines, index + 1) or is_prompt(lines, index + 1))
        and not line.endswith(_TERMINAL_PUNCTUATION)
        and "$" not in line
        and not line.startswith("|")
        and len(line.split()) <= 12
        and is_paragraph_line(lines[index])
    )


class _Notes:
    """The notes the walk makes, in the section it is in: the open question (or cloze heading),
    closed when its answer ends, and the notes of cloze paragraphs, styles and note blocks."""

    def __init__(self, parser) -> None:
        self.p = parser
        self.lines = parser.lines
        self.section = ""
        self.question: int | None = None  # index of the open question line (or cloze heading)
        self.question_kind = "basic"
        self.question_text = ""
        self.question_id: NoteId | None = None
        self.id_slot = -1
        self.answer_start = 0

    def next_id(self, index: int) -> tuple[NoteId | None, int]:
        """An id line at ``index``: (id, index after it)."""
        if index < len(self.lines):
            found = note_id(self.lines[index])
            if found:
                return found, index + 1
        return None, index

    def close(self, end: int) -> None:
        if self.question is None:
            return
        first = self.answer_start
        while first < end and not self.lines[first].strip():
            first += 1
        last = end
        while last > first and not self.lines[last - 1].strip():
            last -= 1
        if last > first and note_id(self.lines[last - 1]) and self.question_id is None:
            self.question_id = note_id(self.lines[last - 1])  # O2A writes the id after the note
            last -= 1
        if first < last:
            _strip_answer_prefix(self.lines, first)
        answer = "\n".join(self.lines[first:last]).rstrip()
        if not answer and self.question_kind != "cloze":
            raise self.p.error(self.question, "question with no answer")
        self.p.notes.append(
            self.p.maker.note(
                self.question_kind,
                (self.question_text, answer),
                (self.question, first),
                section=self.section,
                tags=(),
                line=self.question + 1,
                note_id=self.question_id,
                id_slot=self.id_slot,
                spans=((self.question, self.question + 1), (first, last)),
            )
        )
        self.question = None

    def open_question(self, index: int, text: str, kind: str, after: int) -> int:
        self.close(index)
        self.question, self.question_text, self.question_kind = index, text, kind
        self.id_slot = after
        self.question_id, self.answer_start = self.next_id(after)
        return self.answer_start

    def cloze_paragraph(self, i: int, end: int) -> int:
        """The cloze paragraph of lines [i, end); return the line after it (and its id line)."""
        self.close(i)
        text_lines = self.lines[i:end]
        found = note_id(text_lines[-1]) if len(text_lines) > 1 else None
        slot = end
        if found:
            text_lines = text_lines[:-1]  # an O2A id line glued to the paragraph
        else:
            found, end = self.next_id(end)
        self.p.notes.append(
            self.p.maker.note(
                "cloze",
                ("\n".join(text_lines).strip(), ""),
                (i, end),
                spans=((i, i + len(text_lines)), None),
                section=self.section,
                tags=(),
                line=i + 1,
                note_id=found,
                id_slot=slot,
            )
        )
        return end

    def block(self, i: int, end: int) -> int:
        """The note of the START … END block on lines [i, end]; return the line after it."""
        self.close(i)
        self.p.notes.append(self.p.maker.block_note(i, end, self.section))
        return end + 1

    def inline(self, i: int, notes: list[InlineNote]) -> int:
        """The inline notes (STARTI … ENDI) of line ``i``; return the line after it."""
        self.close(i)
        self.p.notes.extend(self.p.maker.inline_note(i, note, self.section) for note in notes)
        return i + 1

    def styled(self, i: int, found: styles.Found) -> int:
        """The note a named style found at line ``i``; return the line after it."""
        texts = (found.fields[0][0], found.fields[1][0])
        self.p.notes.append(
            self.p.maker.note(
                found.kind,
                texts,
                (found.fields[0][1], found.fields[1][1]),
                section=self.section,
                tags=(),
                line=i + 1,
                note_id=found.note_id,
                id_slot=-1 if found.note_id else found.next,
            )
        )
        return found.next


class Walk:
    """The second pass: walk the lines once, telling what each is; the notes are made by
    :class:`_Notes`."""

    def __init__(self, parser, visible: list[str]) -> None:
        self.p = parser
        self.lines = parser.lines
        self.visible = visible
        self.layout = parser.maker.structure.layout(parser.lines, visible)
        self.seed_style = not self.layout.headings
        self.heading_ends = {end - 1 for end, _ in self.layout.headings.values()}
        self.notes = _Notes(parser)
        self.forced_question = -1  # seed style: the prompt line right after a section title

    def heading(self, i: int) -> int:
        end, title = self.layout.headings[i]
        if CLOZE_MARKER.search(title):
            return self.notes.open_question(i, title.strip(), "cloze", end)
        if title.rstrip().endswith("?"):  # markdown-anki-decks / md2apkg: the heading asks
            return self.notes.open_question(i, title.strip(), "basic", end)
        self.notes.close(i)
        self.notes.section = title.strip()
        return end

    def step(self, i: int) -> int:
        """Handle line ``i``; return the next line to look at."""
        p, line = self.p, self.lines[i]
        if i in p.blocks:
            return self.notes.block(i, p.blocks[i])
        if i in p.inline:
            return self.notes.inline(i, p.inline[i])
        if p.styles:
            return self.style_step(i)
        if i in self.layout.headings:
            return self.heading(i)
        if i in self.layout.protected:
            if self.notes.question is None:
                raise p.error(i, "code or math block outside a card (it needs a question above)")
            return self.layout.protected[i]
        if not line.strip():
            return i + 1
        if i in self.layout.clozes:
            return self.notes.cloze_paragraph(i, self.layout.clozes[i])
        starts_paragraph = i == 0 or not self.visible[i - 1].strip() or (i - 1) in self.heading_ends
        if i == self.forced_question or (
            is_question(self.lines, i) and (self.seed_style or starts_paragraph)
        ):
            return self.question(i)
        if self.seed_style and is_seed_section(self.lines, i):
            self.notes.close(i)
            self.notes.section = line.strip()
            self.forced_question = i + 1
            return i + 1
        return self.outside_text(i)

    def question(self, i: int) -> int:
        """A question at line ``i``: open its note; return the first line of its answer."""
        span = styles.qa_span(self.visible, i)
        if span is not None:  # "Q: …" over several lines, then its "A: …" line
            text = "\n".join(self.lines[i : span[0]]).strip()[2:].strip()
            self.notes.open_question(i, text, "basic", span[1])
            return span[1]
        text = self.lines[i].strip()
        text = text[2:].lstrip() if text.startswith("Q:") else text
        return self.notes.open_question(i, text, "basic", i + 1)

    def style_step(self, i: int) -> int:
        """Under O2A's named styles: the styles' notes; headings are sections, code and math
        blocks are skipped, and any other text is the author's own (as in O2A)."""
        if i in self.layout.protected:
            return self.layout.protected[i]
        if not self.visible[i].strip():
            return i + 1
        found = styles.find(self.p.styles, self.visible, i, self.p.display)
        if found is not None:
            return self.notes.styled(i, found)
        if i in self.layout.headings:
            end, title = self.layout.headings[i]
            self.notes.section = title.strip()
            return end
        return i + 1

    def outside_text(self, i: int) -> int:
        if self.notes.question is not None:
            return i + 1
        if note_id(self.lines[i]):
            raise self.p.error(i, "id line without a question or cloze right above it")
        if i in self.layout.comments:
            return self.layout.comments[i]
        raise self.p.error(
            i,
            "text outside a card: a question line must end with '?' (or start with 'Q:'), "
            "and a section title needs a '## ' heading",
        )

    def run(self) -> None:
        i = 0
        while i < len(self.lines):
            i = self.step(i)
        self.notes.close(len(self.lines))
