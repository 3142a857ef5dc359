"""Obsidian_to_Anki's syntax, whole: each peer case built and imported into a real collection.

The notes are written from O2A's documentation (its wiki pages on clozes, inline notes, tags,
deleting notes and the custom-regex styles); none of O2A's files are copied (it is GPL-3.0).
"""

from __future__ import annotations

from pathlib import Path

from deck_helpers import FIXED_TIME, import_apkg, new_collection

from decks.build import build


def _import(tmp_path: Path, text: str, name: str = "notes.md", **options):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    (result,) = build([source], tmp_path / "out", now=FIXED_TIME, **options)
    col = new_collection(tmp_path / "anki")
    import_apkg(col, result.package_path)
    return col, result


def _cards(col) -> list[tuple[str, str]]:
    """(question, answer) HTML of every card, in card order."""
    out = []
    for cid in sorted(col.find_cards("")):
        card = col.get_card(cid)
        out.append((card.question(), card.answer()))
    return out


def test_a_cloze_inside_a_formula_hides_its_part_of_the_formula(tmp_path):
    text = (
        "TARGET DECK: O2A\n\n"
        "The derivative is $\\sigma'(z) = {{c1::\\sigma(z)(1-\\sigma(z))}}$ and "
        "$x = {{c2::\\frac{a}{b^{2}}}}$.\n"
    )
    col, result = _import(tmp_path, text)
    assert result.card_count == 2
    (q1, a1), (q2, a2) = _cards(col)
    assert "\\sigma(z)(1-\\sigma(z))" not in q1 and "\\sigma(z)(1-\\sigma(z))" in a1
    assert "\\frac{a}{b^{2} }" in q1  # the other deletion shows, its braces intact
    assert "\\frac{a}{b^{2} }" not in q2 and "\\frac{a}{b^{2} }" in a2
    assert "{{" not in q1 + a1 + q2 + a2 and ": :" not in q1 + a1


def test_o2a_mixed_curly_forms_make_one_card_each(tmp_path):
    # O2A's cloze-paragraph example: {2:…}, {c1|…} and {{c3::…}} in one note
    text = (
        "TARGET DECK: O2A\n\n"
        "With {2:CurlyCloze} enabled, you can also use the {c1|easier cloze formatting},\n"
        "but of course {{c3::Anki}}'s formatting is always an option.\n\n"
        "START\nCloze\nText: {1:a} and {b}\nEND\n"
    )
    col, result = _import(tmp_path, text)
    assert result.card_count == 4  # three cards, then one: O2A numbers {b} c1 too
    questions = [q for q, _ in _cards(col)]
    assert not any("CurlyCloze}" in q or "{c1|" in q for q in questions)
    assert sum("[...]" in q for q in questions) == 4
