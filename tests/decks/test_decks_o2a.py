"""Obsidian_to_Anki's syntax, whole: each peer case built and imported into a real collection.

The notes are written from O2A's documentation (its wiki pages on clozes, inline notes, tags,
deleting notes and the custom-regex styles); none of O2A's files are copied (it is GPL-3.0).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from deck_helpers import FIXED_TIME, import_apkg, new_collection, tiny_png

from decks.build import build
from decks.cli import decks
from decks.errors import DeckError


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


def _parse(tmp_path: Path, text: str, **options):
    from decks.parser import ReadOptions, parse_text

    return parse_text(text, path=tmp_path / "n.md", options=ReadOptions(**options)).notes


def test_inline_notes_in_list_items(tmp_path):
    text = (
        "TARGET DECK: O2A\n\n"
        "- STARTI [Basic] What is η? Back: The learning rate. ENDI\n"
        "* [ ] STARTI [Basic] One? Back: 1. ENDI STARTI [Basic] Two? Back: 2. ENDI\n"
    )
    notes = _parse(tmp_path, text)
    assert [(n.fields[0].text, n.fields[1].text) for n in notes] == [
        ("What is η?", "The learning rate."),
        ("One?", "1."),
        ("Two?", "2."),
    ]
    with pytest.raises(DeckError, match="beside an inline note"):
        _parse(tmp_path, "TARGET DECK: O2A\n\n- see STARTI [Basic] a Back: b ENDI\n")


def test_obsidian_tags_by_flag_or_front_matter(tmp_path):
    body = "What is #ml/basics η?\nThe #rate, not `#code` nor $a#b$ or #1.\n"
    plain = _parse(tmp_path, "TARGET DECK: O2A\n\n" + body)[0]
    assert "#ml/basics" in plain.fields[0].text and "ml::basics" not in plain.tags
    tagged = _parse(tmp_path, "TARGET DECK: O2A\n\n" + body, obsidian_tags=True)[0]
    assert tagged.fields[0].text == "What is η?"
    assert tagged.fields[1].text == "The, not `#code` nor $a#b$ or #1."
    assert tagged.tags[-2:] == ("ml::basics", "rate")
    front = "---\nadd-obsidian-tags: true\ndeck: O2A\n---\n\n" + body
    assert _parse(tmp_path, front)[0].tags[-2:] == ("ml::basics", "rate")
    off = "---\nAdd Obsidian Tags: false\ndeck: O2A\n---\n\n" + body
    assert "rate" not in _parse(tmp_path, off, obsidian_tags=True)[0].tags


QA = (
    "Q: How do you use this style?\nA: Just like this.\n\n"
    "Q: Can the question\nrun over multiple lines?\nA: Yes, and\nSo can the answer\n\n"
    "Q: Does the answer need to be immediately after the question?\n\n\n"
    "A: No, and preceding whitespace will be ignored.\n<!--ID: 1566052191670-->\n"
)


@pytest.mark.parametrize("style", [(), ("qa",)])
def test_question_answer_style_as_o2a_documents_it(tmp_path, style):
    notes = _parse(tmp_path, "TARGET DECK: O2A\n\n" + QA, styles=style)
    assert [(n.fields[0].text, n.fields[1].text) for n in notes] == [
        ("How do you use this style?", "Just like this."),
        ("Can the question\nrun over multiple lines?", "Yes, and\nSo can the answer"),
        (
            "Does the answer need to be immediately after the question?",
            "No, and preceding whitespace will be ignored.",
        ),
    ]
    assert notes[2].anki_id == 1566052191670


def test_a_question_without_its_answer_line_is_refused_in_qa_style(tmp_path):
    with pytest.raises(DeckError, match=r"n.md:3: Q: without an answer: .*'A: '"):
        _parse(tmp_path, "TARGET DECK: O2A\n\nQ: Where is it?\nSomewhere.\n", styles=("qa",))


def test_remnote_single_line_style(tmp_path):
    text = (
        "TARGET DECK: O2A\n\nThis is how to use::Remnote single-line style\n"
        "The script won't see things outside of it.\n"
        "You can have::multiple notes in the same file\n"
        "A formula $a::b$ and a {{c1::cloze}} are not notes.\nterm :: definition\nID: 42\n"
    )
    notes = _parse(tmp_path, text, styles=("remnote",))
    assert [(n.fields[0].text, n.fields[1].text) for n in notes] == [
        ("This is how to use", "Remnote single-line style"),
        ("You can have", "multiple notes in the same file"),
        ("term", "definition"),
    ]
    assert notes[2].anki_id == 42


def test_cloze_paragraph_and_header_paragraph_styles(tmp_path):
    text = (
        "---\ndeck: O2A\nanki style: [header-paragraph, cloze-paragraph]\n---\n"
        "# Style\nThis style is suitable for having the header as the front\n"
        "# Overall heading\n## Subheading 1\nYou're allowed to nest headers\n"
        "## Subheading 3\n\n\nIt'll even\nSpan over lines\n\n"
        "The idea of {cloze paragraph style} is to find {cloze deletions}.\n\n"
        "Math like $\\frac{3}{4}$ alone is no cloze.\n"
    )
    notes = _parse(tmp_path, text)
    assert [(n.kind, n.fields[0].text, n.fields[1].text) for n in notes] == [
        ("basic", "Style", "This style is suitable for having the header as the front"),
        ("basic", "Subheading 1", "You're allowed to nest headers"),
        ("basic", "Subheading 3", "It'll even\nSpan over lines"),
        (
            "cloze",
            "The idea of {{c1::cloze paragraph style}} is to find {{c2::cloze deletions}}.",
            "",
        ),
    ]
    with pytest.raises(DeckError, match=r"n.md:3: a '#' inside the answer.*START"):
        _parse(tmp_path, "TARGET DECK: O2A\n## Lang\nC# is one\n", styles=("header-paragraph",))
    with pytest.raises(DeckError, match=r"unknown anki style 'ruled' \(known: qa, remnote"):
        _parse(tmp_path, "---\ndeck: O2A\nanki style: ruled\n---\n")


def _vault(tmp_path: Path) -> Path:
    """An Obsidian vault: settings, an attachments folder, two decks over three note files, an
    ordinary note, and a file that only deletes a note."""
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / ".obsidian" / "app.json").write_text('{"attachmentFolderPath": "attachments"}')
    (vault / ".obsidian" / "notes.md").write_text("STARTI [Basic] hidden Back: no ENDI\n")
    (vault / "attachments").mkdir()
    (vault / "attachments" / "loss curve.png").write_bytes(tiny_png(3, 3))
    (vault / "week2").mkdir()
    (vault / "week2" / "rate.md").write_text(
        "TARGET DECK: Vault::Optim\n\nSTART\nBasic\nFront: What does η scale?\n"
        "Back: Each step. ![[loss curve.png]]\nID: 1700000000000\nEND\n",
        encoding="utf-8",
    )
    (vault / "week2" / "momentum.md").write_text(
        "TARGET DECK: Vault::Optim\n\n- STARTI [Basic] Momentum keeps? Back: A mean. ENDI\n",
        encoding="utf-8",
    )
    (vault / "sigmoid.md").write_text(
        "---\ndeck: Vault::Sigmoid\nanki style: remnote\n---\nσ(0)::1/2\n", encoding="utf-8"
    )
    (vault / "diary.md").write_text("# Today\nSome thoughts, no cards.\n", encoding="utf-8")
    return vault


def test_a_whole_vault_builds_one_package_per_deck_in_anki(tmp_path):
    vault = _vault(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(decks, ["build", str(vault), "-o", str(out), "--no-figures"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.apkg")) == ["Vault-Optim.apkg", "Vault-Sigmoid.apkg"]
    assert "1 file(s) without TARGET DECK and without note blocks were skipped" in result.output
    assert "diary.md" in result.output
    col = new_collection(tmp_path / "anki")
    for package in sorted(out.glob("*.apkg")):
        import_apkg(col, package)
    fronts = {col.get_note(n)["Front"] for n in col.find_notes("")}
    assert fronts == {"<p>What does η scale?</p>", "<p>Momentum keeps?</p>", "<p>σ(0)</p>"}
    (rate,) = col.find_notes('"Front:*η*"')
    assert 'src="loss curve.png"' in col.get_note(rate)["Back"]
    assert col.media.have("loss curve.png")

    # the note is deleted in the O2A way: the package keeps it, tagged removed, and says so
    (vault / "week2" / "rate.md").write_text(
        "TARGET DECK: Vault::Optim\n\nSTART\nID: 1700000000000\nEND\n", encoding="utf-8"
    )
    again = CliRunner().invoke(decks, ["build", str(vault), "-o", str(out), "--no-figures"])
    assert "1 removed" in again.output and "rate.md" in again.output
    assert "nothing to tag" not in again.output
    import_apkg(col, out / "Vault-Optim.apkg")
    assert col.find_notes("tag:gdkit::removed") == [rate]


def test_a_delete_only_file_never_built_says_what_to_do(tmp_path):
    source = tmp_path / "gone.md"
    source.write_text("TARGET DECK: O2A\n\nDELETE\nID: 1566052191670\n", encoding="utf-8")
    result = CliRunner().invoke(decks, ["build", str(source), "-o", str(tmp_path / "o")])
    assert "no notes to package" in result.output
    assert "nothing to tag gdkit::removed; in Anki's browser search nid:1566052191670" in (
        result.output
    )


def test_pictures_are_found_as_obsidian_finds_them(tmp_path):
    vault = _vault(tmp_path)
    (vault / "week2" / "loss curve.png").write_bytes(tiny_png(4, 4))  # a second one: beside
    (result,) = build([vault / "week2" / "rate.md"], tmp_path / "o", dry_run=True)
    assert result.media["loss curve.png"] == tiny_png(4, 4)
    (vault / "week2" / "loss curve.png").unlink()
    (vault / "other").mkdir()
    (vault / "other" / "loss curve.png").write_bytes(tiny_png(5, 5))
    with pytest.raises(DeckError, match=r"rate.md:6: image 'loss curve.png': 2 files have"):
        build([vault / "week2" / "rate.md"], tmp_path / "o", dry_run=True)
    (vault / "other" / "loss curve.png").unlink()
    (vault / "attachments" / "loss curve.png").unlink()
    with pytest.raises(DeckError, match=r"image 'loss curve.png' not found"):
        build([vault / "week2" / "rate.md"], tmp_path / "o", dry_run=True)


def test_a_note_block_in_a_file_without_deck_is_refused_in_a_folder(tmp_path):
    vault = _vault(tmp_path)
    (vault / "loose.md").write_text("Intro.\n\nSTART\nBasic\nFront: a\nBack: b\nEND\n")
    with pytest.raises(DeckError, match=r"loose.md:3: a note block in a file without TARGET DECK"):
        build([vault], tmp_path / "o", dry_run=True)


def test_an_inline_note_emptied_to_its_id_is_deleted(tmp_path):
    from decks.parser import parse_text

    text = "TARGET DECK: O2A\n\n- STARTI <!--ID: 1566052191670--> ENDI\nSTARTI ID: 42 ENDI\n"
    source = parse_text(text, path=tmp_path / "n.md")
    assert source.deleted == (1566052191670, 42) and source.notes == ()


def test_named_styles_in_anki(tmp_path):
    text = (
        "---\ndeck: O2A\nanki style: [qa, remnote, header-paragraph]\n---\n"
        "Q: Can the question\nrun over lines?\nA: Yes.\n\n"
        "η::the learning rate\n\n"
        "### Momentum\nKeeps a running mean of the gradients.\n"
    )
    col, result = _import(tmp_path, text)
    assert result.note_count == 3
    cards = {q.split("</style>")[-1]: a for q, a in _cards(col)}
    assert any("Can the question\nrun over lines?" in q for q in cards)
    assert any("the learning rate" in a for a in cards.values())
    assert any("Keeps a running mean" in a for a in cards.values())


def test_the_command_line_offers_exactly_the_named_styles():
    from decks.cli import STYLE_NAMES
    from decks.styles import STYLES

    assert STYLE_NAMES == tuple(STYLES)
