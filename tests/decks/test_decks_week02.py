"""The shipped week-2 deck (decks/week02.md + computed cards), built and imported into Anki."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from deck_helpers import balanced_math, import_apkg, new_collection

import gdref
from decks.build import build, default_source
from decks.computed import COMPUTED_DECK, UPDATE_STEPS, fmt, parabola_table, sgd_step
from decks.parser import parse_file
from decks.render import parser as markdown_parser

# The 17 questions of the learner's Q&A (001_aa4169f6f97e64ca.txt of the course material, kept
# outside the repository), as extracted there: "|" marks where a formula was lost, so those
# parts are matched in order around it.
SEED_QUESTIONS = [
    "What is the gradient descent update rule?",
    "Why do we step in the direction of|instead of|?",
    "What does the learning rate control, and what happens at extreme values?",
    "What two stopping criteria are used to terminate gradient descent?",
    "Why does gradient descent only find a local minimum, not necessarily the global one?",
    "Why does gradient descent fail when training a sign-activated perceptron with squared-error "
    "loss?",
    "Why does swapping the loss not fix the sign-activation gradient problem — why must the "
    "activation change?",
    "What is the sigmoid function, and what is its derivative?",
    "What does it mean for sigmoid to saturate, and why is it a problem?",
    "What is the binary cross-entropy loss?",
    "From which probabilistic assumption does binary cross-entropy fall out of MLE?",
    "A sigmoid-activated perceptron trained with cross-entropy is also known by another name. "
    "What is it?",
    "Summarise the task / activation / loss / probability model correspondences for the two "
    "cases covered in week 2.",
    "What is the difference between batch, stochastic, and mini-batch gradient descent?",
    "Why does the noise in stochastic / mini-batch GD sometimes help training?",
    "What does momentum add to gradient descent, and what is its update rule?",
    "What does Adam combine, and why is it the modern default?",
]
SEED_SECTIONS = [
    "week02::gradient_descent_fundamentals",
    "week02::why_classification_breaks_vanilla_gradient_descent",
    "week02::sigmoid",
    "week02::binary_cross_entropy",
    "week02::loss_activation_pairings",
    "week02::gd_variants",
]


@pytest.fixture(scope="module")
def week02(tmp_path_factory):
    folder = tmp_path_factory.mktemp("week02")
    (result,) = build([], folder / "out", figures=True)
    col = new_collection(folder / "anki")
    log = import_apkg(col, result.package_path)
    yield result, col, log
    col.close()


def _matches(seed: str, question: str) -> bool:
    position = 0
    for part in seed.split("|"):
        found = question.find(part.strip(), position)
        if found < 0:
            return False
        position = found + len(part.strip())
    return True


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_deck_name_and_counts(week02):
    result, col, log = week02
    assert result.deck == COMPUTED_DECK
    names = [d.name for d in col.decks.all_names_and_ids()]
    assert "NeuralComputation::Week-02" in names
    assert len(log.new) == result.note_count
    assert len(col.find_notes('"deck:NeuralComputation::Week-02"')) == result.note_count
    assert len(col.find_cards('"deck:NeuralComputation::Week-02"')) == result.card_count
    source = parse_file(default_source())
    assert result.note_count > len(source.notes) >= 40


def test_all_17_seed_questions_are_cards_in_the_seed_sections(week02):
    _, col, _ = week02
    fronts = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        if "Front" in note.keys():
            fronts[_plain(note["Front"]).strip()] = set(note.tags)
    for seed, section in zip(SEED_QUESTIONS, _seed_sections(), strict=True):
        hits = [tags for front, tags in fronts.items() if _matches(seed, front)]
        assert hits, f"seed question missing: {seed}"
        assert section in hits[0], f"{seed!r} is not in section {section}"


def _seed_sections() -> list[str]:
    counts = [5, 2, 2, 3, 1, 4]  # questions per seed section, in order
    return [s for s, n in zip(SEED_SECTIONS, counts, strict=True) for _ in range(n)]


def test_six_seed_sections_are_tags(week02):
    _, col, _ = week02
    assert set(SEED_SECTIONS) <= set(col.tags.all())


def test_every_card_renders_with_balanced_math(week02):
    _, col, _ = week02
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        question, answer = card.question(), card.answer()
        assert _plain(question).strip(), f"card {cid} has an empty question"
        assert len(_plain(answer)) > len(_plain(question)) or card.note_type()["type"] == 1
        assert balanced_math(question) and balanced_math(answer), card.note().fields[0][:80]
        for empty in (r"\\\(\s*\\\)", r"\\\[\s*\\\]"):
            assert not re.search(empty, answer), f"empty formula in {card.note().fields[0][:80]}"


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """Text outside math and code, per source line (for hole detection)."""
    out = []
    for block in markdown_parser().parse(text):
        if block.type != "inline" or block.map is None:
            continue
        prose = "".join(
            c.content if c.type in ("text", "text_special") else "X"
            for c in block.children or []
            if c.type not in ("softbreak",)
        )
        out.append((block.map[0] + 1, prose))
    return out


def test_no_holes_where_formulas_were_lost():
    text = default_source().read_text(encoding="utf-8")
    for token in markdown_parser().parse(text):
        if token.type.startswith("math_block"):
            assert token.content.strip(), f"week02.md:{token.map[0] + 1}: empty $$ $$ block"
        for child in token.children or []:
            if child.type.startswith("math_inline"):
                assert child.content.strip(), f"week02.md:{token.map[0] + 1}: empty $ $"
    for line, prose in _prose_lines(text):
        for hole in (" .", " ,", " ;", " ?", "( )", "()"):
            assert hole not in prose, f"week02.md:{line}: {hole!r} in {prose[:100]!r}"


def test_update_step_cards_show_gdref_results(week02):
    _, col, _ = week02
    worked = col.find_notes("tag:week02::worked_examples")
    answers = " ".join(col.get_note(n)["Back"] for n in worked)
    # the new w ends the working, on its own line
    for w, grad, lr in UPDATE_STEPS:
        assert f"\\\\ &amp;= {fmt(sgd_step(w, grad, lr))} \\end{{aligned}}\\]" in answers
    # the lesson's own numbers
    assert "&amp;= 2.75 \\end{aligned}\\]" in answers and "&amp;= 5.6 \\end{aligned}" in answers


def test_parabola_tables_match_gdref(week02):
    _, col, _ = week02
    notes = [col.get_note(n) for n in col.find_notes("tag:week02::worked_examples")]
    for lr, needle in ((0.3, "\\(\\alpha = 0.3\\)"), (1.2, "\\(\\alpha = 1.2\\)")):
        (note,) = [n for n in notes if needle in n["Front"] and "L(w_k)" in n["Front"]]
        ws, losses, _ = parabola_table(lr)
        cell = r"\s*<td[^>]*>([^<]+)</td>"
        rows = re.findall(r"<tr>" + cell * 3, note["Back"])
        assert [(int(k), float(w), float(loss)) for k, w, loss in rows] == [
            (k, pytest.approx(w, rel=1e-7), pytest.approx(loss, rel=1e-7))
            for k, (w, loss) in enumerate(zip(ws, losses, strict=True))
        ]
    # the seed's worked trajectory, independently of the card text
    assert [round(w, 6) for w in parabola_table(0.3)[0][:4]] == [6.0, 3.6, 2.64, 2.256]


def test_momentum_and_adam_cards(week02):
    _, col, _ = week02
    backs = {
        col.get_note(n)["Front"][:40]: col.get_note(n)["Back"]
        for n in col.find_notes("tag:week02::worked_examples")
    }
    momentum = next(b for f, b in backs.items() if f.startswith("<p>Momentum"))
    opt = gdref.optim.momentum(0.1, beta=0.9)
    w, state = 6.0, opt.init(6.0)
    for _ in range(2):
        w, state = opt.step(w, gdref.datasets.parabola_grad(w), state)
    assert f"w_2 = 5.2 - 0.1 \\times 13.6 = {fmt(float(w))}" in momentum
    adam = next(b for f, b in backs.items() if f.startswith("<p>One Adam step"))
    opt = gdref.optim.adam(0.1)
    w1, _ = opt.step(6.0, gdref.datasets.parabola_grad(6.0), opt.init(6.0))
    assert f"= {fmt(float(w1))}\\)" in adam
    assert "\\hat m_1" in adam and "= 8\\)" in adam and "= 64\\)" in adam


def test_figure_cards_carry_their_media(week02):
    result, col, _ = week02
    media_dir = Path(col.media.dir())
    cards = col.find_cards("tag:week02::figures")
    assert len(cards) == 3
    for cid in cards:
        card = col.get_card(cid)
        sources = re.findall(r'<img src="([^"]+)"', card.question() + card.answer())
        assert sources
        for name in sources:
            data = (media_dir / name).read_bytes()
            assert data.startswith(b"\x89PNG") and data == result.media[name]


def test_cloze_cards_of_the_deck_render(week02):
    _, col, _ = week02
    cloze_cards = [col.get_card(c) for c in col.find_cards("note:gdkit*Cloze")]
    assert cloze_cards, "the week-2 deck has cloze notes"
    for card in cloze_cards:
        assert 'class="cloze"' in card.question()
        assert balanced_math(card.question()) and balanced_math(card.answer())


def test_no_figures_build_leaves_out_the_figure_cards(tmp_path, week02):
    result, _, _ = week02
    (plain,) = build([], tmp_path / "out", figures=False)
    assert plain.note_count == result.note_count - 3
    assert plain.media == {}


def test_fixing_a_typo_in_week02_updates_one_note_and_duplicates_nothing(tmp_path):
    text = default_source().read_text(encoding="utf-8")
    copy = tmp_path / "week02.md"
    copy.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    col = new_collection(tmp_path / "anki")
    try:
        (first,) = build([copy], out, figures=False, now=1_800_000_000)
        import_apkg(col, first.package_path)
        notes_before = len(col.find_notes(""))
        cards_before = len(col.find_cards(""))
        # change one word in the first answer only
        first_answer = next(n for n in parse_file(copy).notes if n.kind == "basic").fields[1]
        lines = text.split("\n")
        index = (
            first_answer.line
            - 1
            + first_answer.text.split("\n").index(
                next(line for line in first_answer.text.split("\n") if " the " in line)
            )
        )
        lines[index] = lines[index].replace(" the ", " the zqxedit ", 1)
        copy.write_text("\n".join(lines), encoding="utf-8")
        (second,) = build([copy], out, figures=False, now=1_800_000_000)
        assert len(second.diff.changed) == 1 and not second.diff.new and not second.diff.removed
        log = import_apkg(col, second.package_path)
        assert len(log.updated) == 1 and len(log.new) == 0
        assert len(col.find_notes("")) == notes_before
        assert len(col.find_cards("")) == cards_before
        assert len(col.find_notes("zqxedit")) == 1
    finally:
        col.close()


def test_every_shipped_note_has_an_id_of_its_own():
    """So rewording a shipped note (a cloze above all) never depends on similarity matching."""
    notes = parse_file(default_source()).notes
    assert [n.fields[0].text[:60] for n in notes if not n.key.startswith("id:")] == []
