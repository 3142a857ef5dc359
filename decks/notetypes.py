"""The four Anki note types of gdkit decks, with card templates and CSS from jinja2 templates.

Model ids are fixed constants: Anki recognises a note type by its id, so changing one would make
every re-import create a second copy of the note type. Each note type has a ``Section`` field
that the cards show as a small header. Deck ids are derived from the deck name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

import jinja2

BASIC_MODEL_ID = 1718203401
REVERSED_MODEL_ID = 1718203402
CLOZE_MODEL_ID = 1718203403
TYPEIN_MODEL_ID = 1718203404

# deck_id("NeuralComputation::Week-02"), pinned so that a change of the derivation is noticed.
WEEK02_DECK_ID = 2023076030

PALETTE = {
    "font_stack": '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "mono_stack": '"SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace',
    "font_size": 20,
    "font_size_phone": 18,
    "max_width": 40,
    "figure_max_width": 24,  # figures are drawn 3.6 in wide; 24em ≈ 480 px on a desktop
    "light": {
        "text": "#1d1d1f",
        "background": "#ffffff",
        "muted": "#6e6e73",
        "rule": "#d2d2d7",
        "header": "#f2f2f5",
        "accent": "#0057b8",
        "shadow": "rgba(0, 0, 0, 0.28)",
    },
    "dark": {
        "text": "#e8e8ed",
        "background": "#1e1e1e",
        "muted": "#a1a1a6",
        "rule": "#48484a",
        "header": "#2c2c2e",
        "accent": "#6cb4ff",
        "shadow": "rgba(255, 255, 255, 0.35)",
    },
}


@dataclass(frozen=True)
class NoteType:
    """What the builder needs to know about a note type."""

    kind: str  # "basic" | "reversed" | "cloze"
    model_id: int
    name: str
    fields: tuple[str, str, str]
    templates: tuple[dict[str, str], ...]
    css: str
    is_cloze: bool

    def content_hash(self) -> str:
        """Hash of everything Anki stores for the note type (names, fields, templates, CSS)."""
        payload = json.dumps(
            [self.name, self.fields, self.templates, self.css, self.is_cloze], sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def deck_id(name: str) -> int:
    """A fixed deck id derived from the deck name (31-bit, like genanki's suggested ids)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("decks", "templates"),
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _side(prompt: str, answer: str = "", extra: str = "", kind: str = "basic") -> str:
    return (
        _environment()
        .get_template("card.html.j2")
        .render(prompt=prompt, answer=answer, extra=extra, kind=kind)
    )


def css() -> str:
    return _environment().get_template("style.css.j2").render(**PALETTE)


@lru_cache(maxsize=1)
def note_types() -> dict[str, NoteType]:
    """The note types by kind."""
    style = css()
    basic_card = {
        "name": "Card 1",
        "qfmt": _side("{{Front}}"),
        "afmt": _side("{{Front}}", "{{Back}}"),
    }
    reverse_card = {
        "name": "Card 2",
        "qfmt": _side("{{Back}}"),
        "afmt": _side("{{Back}}", "{{Front}}"),
    }
    typein_card = {
        "name": "Card 1",
        "qfmt": _side("{{Front}}\n\n{{type:Back}}"),
        "afmt": _side("{{Front}}", "{{type:Back}}"),
    }
    cloze_card = {
        "name": "Cloze",
        "qfmt": _side("{{cloze:Text}}", kind="cloze"),
        "afmt": _side("{{cloze:Text}}", extra="Extra", kind="cloze"),
    }
    return {
        "basic": NoteType(
            "basic",
            BASIC_MODEL_ID,
            "gdkit Basic",
            ("Front", "Back", "Section"),
            (basic_card,),
            style,
            False,
        ),
        "reversed": NoteType(
            "reversed",
            REVERSED_MODEL_ID,
            "gdkit Basic (and reversed card)",
            ("Front", "Back", "Section"),
            (basic_card, reverse_card),
            style,
            False,
        ),
        "typein": NoteType(
            "typein",
            TYPEIN_MODEL_ID,
            "gdkit Basic (type in the answer)",
            ("Front", "Back", "Section"),
            (typein_card,),
            style,
            False,
        ),
        "cloze": NoteType(
            "cloze",
            CLOZE_MODEL_ID,
            "gdkit Cloze",
            ("Text", "Extra", "Section"),
            (cloze_card,),
            style,
            True,
        ),
    }
