"""The deck source format: directives, sections, questions, ids, clozes, START/END, seed style."""

from __future__ import annotations

from pathlib import Path

import pytest
from deck_helpers import FIXTURES

from decks.errors import DeckError
from decks.parser import parse_file, parse_text, slugify


def parse(tmp_path: Path, text: str):
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    return parse_file(path)


@pytest.mark.parametrize(
    "header",
    [
        "TARGET DECK: Course::Week-02",
        "TARGET DECK Course::Week-02",
        "TARGET DECK\nCourse::Week-02",
    ],
)
def test_target_deck_in_all_three_forms(tmp_path, header):
    source = parse(tmp_path, f"{header}\n\nWhat is it?\nAn answer.\n")
    assert source.deck == "Course::Week-02"
    assert len(source.notes) == 1


@pytest.mark.parametrize("line", ["FILE TAGS: a #b c/d", "FILE TAGS a #b c/d"])
def test_file_tags_both_forms(tmp_path, line):
    source = parse(tmp_path, f"TARGET DECK: D\n{line}\n\n## S one\n\nQ?\nA.\n")
    assert source.file_tags == ("a", "b", "c::d")
    assert source.notes[0].tags == ("a", "b", "c::d", "a::s_one")


def test_section_tag_prefix_falls_back_to_the_deck_name(tmp_path):
    text = "TARGET DECK: NeuralComputation::Week-02\n\n## Binary cross-entropy\n\nQ?\nA.\n"
    source = parse(tmp_path, text)
    assert source.notes[0].tags == ("week02::binary_cross_entropy",)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Gradient descent fundamentals", "gradient_descent_fundamentals"),
        ("Loss / activation pairings", "loss_activation_pairings"),
        ("$\\sigma$ and saturation", "sigma_and_saturation"),
        ("GD variants", "gd_variants"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_features_fixture_notes():
    source = parse_file(FIXTURES / "features.md")
    assert source.deck == "gdkit-test::Features"
    kinds = [n.kind for n in source.notes]
    assert kinds == ["basic"] * 4 + ["cloze", "cloze", "basic", "reversed", "cloze"]
    first = source.notes[0]
    assert first.key == "id:update-rule"
    assert first.fields[0].text == "What is the update rule?"
    assert first.fields[1].text.startswith("$$") and first.fields[1].line == 9
    assert first.tags == ("fixture", "course::week02", "fixture::basics")
    code_note = source.notes[3]
    assert "# is this a question?" in code_note.fields[1].text  # inside a fence: not a question
    assert code_note.fields[1].text.endswith("Short and simple.")
    assert source.notes[4].key == "id:sigmoid-cloze"
    block = source.notes[6]
    assert block.fields[0].text == "This front has no prefix.\nIt continues on a second line."
    assert block.fields[1].text == "The back has $x^2$."
    assert "extra-tag" in block.tags and "fixture::note_blocks" in block.tags
    assert source.notes[7].key == "id:reversed-gradient"
    assert source.notes[8].fields[1].text == "From Kingma & Ba."


def test_answer_may_hold_lists_whose_items_end_in_question_marks(tmp_path):
    text = (
        "TARGET DECK: D\n\n## S\n\nWhich are true?\n\n- is it convex?\n- is it smooth?\n\n"
        "Next one?\nYes.\n"
    )
    source = parse(tmp_path, text)
    assert [n.fields[0].text for n in source.notes] == ["Which are true?", "Next one?"]
    assert "- is it smooth?" in source.notes[0].fields[1].text


SEED_QUESTIONS = [
    "What two stopping criteria are used to terminate gradient descent?",
    "Why does gradient descent only find a local minimum, not necessarily the global one?",
    "Why does swapping the loss not fix the sign-activation gradient problem — why must the "
    "activation change?",
    "A sigmoid-activated perceptron trained with cross-entropy is also known by another name. "
    "What is it?",
    "Summarise the task / activation / loss / probability model correspondences for the two "
    "cases covered in week 2.",
    "What is the difference between batch, stochastic, and mini-batch gradient descent?",
    "What does Adam combine, and why is it the modern default?",
]


def test_seed_style_file_parses_as_is():
    source = parse_file(FIXTURES / "seed_style.txt")
    assert source.deck == "NeuralComputation::Week-02"
    assert [n.fields[0].text for n in source.notes] == SEED_QUESTIONS
    sections = [n.tags[-1] for n in source.notes]
    assert sections == [
        "week02::gradient_descent_fundamentals",
        "week02::gradient_descent_fundamentals",
        "week02::why_classification_breaks_vanilla_gradient_descent",
        "week02::binary_cross_entropy",
        "week02::loss_activation_pairings",
        "week02::gd_variants",
        "week02::gd_variants",
    ]
    adam = source.notes[-1].fields[1].text
    assert adam.startswith("Adam combines two ideas:")
    assert adam.endswith("deep-learning training loops.")
    # the section line is not swallowed into the previous answer
    assert "Binary cross-entropy" not in source.notes[2].fields[1].text


def test_the_learners_own_qa_file_gives_all_17_cards_in_6_sections():
    # shared/ (the course material) sits beside the checkout, as in CI; it is not part of it
    seeds = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    seed = next(seeds.glob("001_*.txt"), None) if seeds.is_dir() else None
    if seed is None:
        pytest.skip(f"the course material is not beside this checkout ({seeds})")
    source = parse_file(seed)
    assert len(source.notes) == 17
    assert len({n.tags[-1] for n in source.notes}) == 6


def test_guid_key_ignores_whitespace_but_not_words(tmp_path):
    a = parse_text("TARGET DECK: D\n\nWhat  is   it?\nA.\n", path=tmp_path / "a.md")
    b = parse_text("TARGET DECK: D\n\nWhat is it?\nB, edited.\n", path=tmp_path / "b.md")
    c = parse_text("TARGET DECK: D\n\nWhat is this?\nA.\n", path=tmp_path / "c.md")
    assert a.notes[0].key == b.notes[0].key != c.notes[0].key


def test_windows_line_endings_and_bom(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes("\ufeffTARGET DECK: D\r\n\r\nQ?\r\nA.\r\n".encode())
    source = parse_file(path)
    assert source.deck == "D" and source.notes[0].fields[1].text == "A."


def test_a_wrapped_answer_line_ending_in_a_question_mark_stays_in_the_answer(tmp_path):
    text = (
        "TARGET DECK: D\n\n## S\n\nWhat does the rate do?\nIt scales the step: what if it\n"
        "is too large?\nThen the loss grows.\n"
    )
    (note,) = parse(tmp_path, text).notes
    assert note.fields[1].text.endswith("is too large?\nThen the loss grows.")


def test_html_comments_outside_cards_are_notes_to_self(tmp_path):
    text = "TARGET DECK: D\n\n<!-- draft: add more cards -->\n\n## S\n\nQ?\nA.\n"
    assert [n.fields[0].text for n in parse(tmp_path, text).notes] == ["Q?"]


def test_indented_code_at_the_start_of_an_answer_keeps_its_indentation(tmp_path):
    text = "TARGET DECK: D\n\nHow is it written?\n\n    w = w - lr * g\n\nLike that.\n"
    (note,) = parse(tmp_path, text).notes
    assert note.fields[1].text.startswith("    w = w - lr * g")
    assert note.fields[1].line == 5


def test_block_field_starting_on_the_next_line_reports_the_right_line(tmp_path):
    text = "TARGET DECK: D\n\nSTART\nBasic\nFront: Q\nBack:\n\nthe $x answer\nEND\n"
    path = tmp_path / "n.md"
    path.write_text(text, encoding="utf-8")
    (note,) = parse_file(path).notes
    assert note.fields[1].text == "the $x answer" and note.fields[1].line == 8
    from decks.build import build
    from decks.errors import DeckError

    with pytest.raises(DeckError, match=rf"^{path}:8: unbalanced"):
        build([path], tmp_path / "out", figures=False)


def test_question_right_after_a_note_block(tmp_path):
    text = "TARGET DECK: D\n\nSTART\nBasic\nFront: a\nBack: b\nEND\nWhat follows?\nThis.\n"
    notes = parse(tmp_path, text).notes
    assert [n.fields[0].text for n in notes] == ["a", "What follows?"]


# -- peers' syntax: Obsidian and Obsidian_to_Anki (fixtures/obsidian_vault.md) -----------------


def _vault():
    return parse_file(FIXTURES / "obsidian_vault.md")


def test_vault_front_matter_gives_deck_and_tags_and_other_keys_are_skipped():
    source = _vault()
    assert source.deck == "Peers::Obsidian"
    # front matter tags first, then FILE TAGS written with commas
    assert source.file_tags == ("fixture", "obsidian::vault", "peers", "o2a")


def test_vault_notes_are_the_ones_obsidian_to_anki_would_make():
    notes = _vault().notes
    assert [n.kind for n in notes] == [
        "basic",
        "basic",
        "basic",
        "basic",
        "reversed",
        "basic",
        "typein",
        "cloze",
        "cloze",
        "basic",
        "cloze",
    ]


def test_o2a_id_lines_give_the_note_its_anki_id_and_leave_the_answer():
    first, _, _, block = _vault().notes[:4]
    assert first.anki_id == 1566052191670 and first.key == "id:1566052191670"
    assert "ID:" not in first.fields[1].text
    assert block.anki_id == 1566052191671 and "ID" not in block.fields[1].text
    assert {"sign", "direction"} <= set(block.tags)  # "Tags: sign, direction"


def test_delete_markers_and_empty_blocks_are_deletions_not_text():
    source = _vault()
    assert source.deleted == (1566052191600, 1566052191601)
    assert not any("DELETE" in f.text for n in source.notes for f in n.fields)


def test_obsidian_markup_becomes_markdown():
    first, qa, figure = _vault().notes[:3]
    answer = first.fields[1].text
    assert "see the GD note and Momentum." in answer and "[[" not in answer
    assert "costs $5 and a book $10" in answer  # prose, kept as it is
    assert qa.fields[0].text == "Name the step size in the update rule"  # Q: dropped
    assert qa.fields[1].text.startswith("The learning rate $\\eta$")  # A: dropped
    assert "<mark>key knob</mark>" in qa.fields[1].text
    assert "Gradient descent > Update rule" in qa.fields[1].text
    assert figure.fields[1].text.startswith("![figure.png](<figure.png>)")
    assert (
        "> **Reading the plot**" in figure.fields[1].text and "[!note]" not in figure.fields[1].text
    )


def test_obsidian_comments_vanish_but_line_numbers_stay():
    first = _vault().notes[0]
    assert first.line == 15  # as in the file, though a two-line %%comment%% sits above it


def test_optional_reversed_follows_add_reverse_and_frozen_fields_are_appended():
    notes = _vault().notes
    with_reverse, without = notes[4], notes[5]
    assert with_reverse.kind == "reversed" and with_reverse.fields[1].text == (
        "vector of partial derivatives"
    )
    assert without.kind == "basic"
    # FROZEN - Basic: appended to every Basic block and inline note (not to the optional type)
    assert notes[3].fields[1].text.endswith("*From the week-2 notes.*")
    assert notes[9].fields[1].text == "Counting passes over the data.\n\n*From the week-2 notes.*"
    assert "From the week-2" not in without.fields[1].text


def test_curly_and_highlight_clozes_in_cloze_notes():
    notes = _vault().notes
    assert notes[7].fields[0].text == (
        "Momentum keeps a {{c1::running mean}} of the {{c2::gradients}}."
    )
    assert notes[8].fields[0].text == (
        "Adam divides by the {{c1::root mean square}} of recent gradients."
    )
    assert notes[8].fields[1].text == "See Adam."


def test_inline_note_and_cloze_heading():
    notes = _vault().notes
    assert notes[9].fields[0].text == "What is an epoch for?"
    heading = notes[10]
    assert heading.fields[0].text == "The sigmoid derivative is {{c1::$\\sigma(1-\\sigma)$}}"
    assert heading.fields[1].text == "Its maximum is $\\frac{1}{4}$, at $z = 0$."
    assert heading.tags[-1] == "fixture::note_blocks"  # the heading is a note, not a section


def test_cloze_headings_only_file_is_not_empty(tmp_path):
    text = "TARGET DECK: D\n\n## The rate is {{c1::$\\eta$}}\n\n## Adam uses {{c1::two}} moments\n"
    notes = parse(tmp_path, text).notes
    assert [n.kind for n in notes] == ["cloze", "cloze"]


def test_id_line_glued_to_a_cloze_paragraph(tmp_path):
    text = "TARGET DECK: D\n\nThe rate is {{c1::small}}.\nID: 42\n"
    (note,) = parse(tmp_path, text).notes
    assert note.fields[0].text == "The rate is {{c1::small}}." and note.anki_id == 42


def test_front_matter_and_target_deck_must_agree(tmp_path):
    same = "---\ndeck: D\n---\nTARGET DECK: D\n\nQ?\nA.\n"
    assert parse(tmp_path, same).deck == "D"
    with pytest.raises(DeckError, match="second TARGET DECK"):
        parse(tmp_path, "---\ndeck: D\n---\nTARGET DECK: E\n\nQ?\nA.\n")


def test_a_thematic_break_at_the_top_is_not_front_matter(tmp_path):
    text = "---\nTARGET DECK: D\n\nQ?\nA.\n"
    assert parse(tmp_path, text).deck == "D"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("`==code==` and ==mark==", "`==code==` and <mark>mark</mark>"),
        ("$a == b$ stays", "$a == b$ stays"),
        ("```\n[[not a link]]\n```", "```\n[[not a link]]\n```"),
        ("[[#Heading]]", "Heading"),
    ],
)
def test_obsidian_markup_leaves_code_and_math_alone(markup, expected):
    from decks.dialect import obsidian_markup

    assert obsidian_markup(markup) == expected


def test_short_clozes_follow_o2a_numbering_beside_anki_clozes():
    from decks.dialect import short_clozes

    # O2A: unnumbered deletions count 1, 2, … whatever the numbered ones use
    assert short_clozes("{{c1::a}} and {b}") == "{{c1::a}} and {{c1::b}}"
    assert short_clozes("{a}, {3:b}, {c}") == "{{c1::a}}, {{c3::b}}, {{c2::c}}"
    assert short_clozes("{1:a} {b}") == "{{c1::a}} {{c1::b}}"
    assert short_clozes("==a== and {b}") == "==a== and {{c1::b}}"
    assert short_clozes("{2:$\\frac{1}{2}$}") == "{{c2::$\\frac{1}{2}$}}"
    assert short_clozes("$\\frac{1}{2}$ is {half}") == "$\\frac{1}{2}$ is {{c1::half}}"


# -- inka's card sections (fixtures/inka_cards.md) ---------------------------------------------


def test_inka_sections_are_read_as_inka_reads_them():
    source = parse_file(FIXTURES / "inka_cards.md")
    assert source.deck == "Peers::Inka" and source.file_tags == ("fixture", "inka")
    basic, curly, anki = source.notes
    assert basic.kind == "basic" and basic.anki_id == 1566052191700
    assert basic.fields[0].text == "What does the learning rate scale?"
    assert basic.fields[1].text == (
        "Each step along the negative gradient.\nIt is usually between $10^{-4}$ and $10^{-1}$."
    )
    assert curly.fields[0].text == "Momentum keeps a {{c1::running mean}} of the {{c2::gradients}}."
    assert anki.fields[0].text == "Adam's defaults are {{c1::0.9}} and {{c2::0.999}}."


def test_inka_sections_with_two_decks_are_refused(tmp_path):
    text = "---\nDeck: A\n1. Q?\n> a\n---\n\n---\nDeck: B\n1. R?\n> b\n---\n"
    with pytest.raises(DeckError, match=r"notes.md:8: a second deck 'B'.*file of its own"):
        parse(tmp_path, text)


def test_front_matter_is_not_taken_for_an_inka_section(tmp_path):
    text = "---\nDeck: D\naliases: [x]\n---\n\nQ?\nA.\n"
    assert parse(tmp_path, text).deck == "D"


def test_headings_that_ask_are_questions_as_in_markdown_anki_decks():
    source = parse_file(FIXTURES / "heading_cards.md")
    assert source.deck == "Peers::Headings" and source.file_tags == ("fixture", "headings")
    assert [(n.kind, n.fields[0].text) for n in source.notes] == [
        ("basic", "What does the learning rate scale?"),
        ("basic", "Why can a large rate diverge?"),
        ("cloze", "The sigmoid's slope peaks at {{c1::$\\frac{1}{4}$}}"),
    ]
    assert source.notes[1].fields[1].text.endswith("$|1 - \\eta \\lambda| > 1$.")
    assert {n.tags[-1] for n in source.notes} == {"fixture::gradient_descent"}


@pytest.mark.parametrize("marker", ["DELETE\nID: 1566052191600\n", "DELETE ID: 1566052191600\n"])
def test_a_delete_marker_glued_to_a_note_is_refused(tmp_path, marker):
    """Taken as a deletion, it would leave the question and answer above as a new note (a
    copy of the deleted one); as answer text, it would keep the note: neither is what was meant."""
    with pytest.raises(DeckError) as info:
        parse(tmp_path, f"TARGET DECK: D\n\nQ?\nThe answer.\nID: 1566052191600\n{marker}")
    assert info.value.line == 6
    assert "leave only the DELETE and ID lines in its place" in info.value.message


def test_a_delete_marker_in_place_of_the_note_deletes_it(tmp_path):
    source = parse(tmp_path, "TARGET DECK: D\n\nKeep?\nYes.\n\nDELETE\nID: 1566052191600\n")
    assert [n.fields[0].text for n in source.notes] == ["Keep?"]
    assert source.deleted == (1566052191600,)


def test_peer_markers_inside_code_are_left_alone(tmp_path):
    text = "TARGET DECK: D\n\nHow is a deletion written?\n\n```\nDELETE\nID: 15\n%%x%%\n```\n"
    (note,) = parse(tmp_path, text).notes
    assert "DELETE\nID: 15\n%%x%%" in note.fields[1].text
    assert parse(tmp_path, text).deleted == ()


@pytest.mark.parametrize(
    "marker", ["DELETE\nID: 1566052191671\n", "DELETE\n<!--ID: 1566052191671-->\n"]
)
def test_a_delete_marker_inside_a_note_block_deletes_that_note(tmp_path, marker):
    block = f"START\nBasic\nFront: Gone?\nBack: no\n{marker}END\n"
    source = parse(tmp_path, f"TARGET DECK: D\n\nKeep?\nYes.\n\n{block}")
    assert [n.fields[0].text for n in source.notes] == ["Keep?"]
    assert source.deleted == (1566052191671,)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Q?\nThe answer.\nDELETE\n", 5),  # glued to an answer, no id
        ("Q?\nThe answer.\n\nDELETE\n", 6),  # a paragraph of its own
        ("START\nBasic\nFront: Q?\nBack: A.\nDELETE\nEND\n", 7),  # inside a block
    ],
)
def test_a_delete_line_without_an_id_is_refused_not_kept_as_text(tmp_path, text, line):
    with pytest.raises(DeckError) as info:
        parse(tmp_path, "TARGET DECK: D\n\n" + text)
    assert info.value.line == line
    assert "DELETE without the note's id" in info.value.message
    assert "ID: N" in info.value.message
