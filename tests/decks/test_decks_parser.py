"""The deck source format: directives, sections, questions, ids, clozes, START/END, seed style."""

from __future__ import annotations

from pathlib import Path

import pytest
from deck_helpers import FIXTURES

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
