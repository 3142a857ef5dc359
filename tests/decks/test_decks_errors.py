"""Bad input stops the build with file:line and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from decks.build import build
from decks.cli import decks
from decks.errors import DeckError

HEAD = "TARGET DECK: Test::Errors\n\n## Section\n\n"

# (name, source text, line of the error, words the message must contain)
BAD_SOURCES = [
    ("no answer", HEAD + "What is it?\n\nAnd this?\nYes.\n", 5, "no answer"),
    ("no answer at end", HEAD + "Q?\nA.\n\nLast one?\n", 8, "no answer"),
    ("no answer before heading", HEAD + "Q?\n## Next\n\nR?\nB.\n", 5, "no answer"),
    ("unbalanced dollar", HEAD + "Q?\nfine\nthe rate $\\eta is open\n", 7, "unbalanced $"),
    ("unbalanced in question", HEAD + "Is $x big?\nYes.\n", 5, "unbalanced $"),
    ("unclosed display math", HEAD + "Q?\nA:\n\n$$\nx^2\n", 8, "unbalanced $"),
    ("unknown note type", HEAD + "START\nBasik\nFront: a\nBack: b\nEND\n", 6, "unknown note type"),
    ("duplicate question", HEAD + "Q?\nA.\n\nQ?\nB.\n", 8, "duplicate question"),
    (
        "duplicate id",
        HEAD + "Q?\n<!-- id: x -->\nA.\n\nR?\n<!-- id: x -->\nB.\n",
        9,
        "duplicate id",
    ),
    ("missing target deck", "## Section\n\nQ?\nA.\n", 1, "missing TARGET DECK"),
    ("text outside a card", HEAD + "What is the rule\nIt is this.\n", 5, "outside a card"),
    ("start without end", HEAD + "START\nBasic\nFront: a\nBack: b\n", 5, "without a matching END"),
    ("block without back", HEAD + "START\nBasic\nFront: a\nEND\n", 5, "no answer"),
    ("cloze without deletion", HEAD + "START\nCloze\nText: nothing hidden\nEND\n", 5, "{{c1::"),
    ("image not found", HEAD + "Q?\n![plot](missing.png)\n", 6, "not found"),
    # peers' syntax that cannot make a card says what to write instead
    ("embedded note", HEAD + "Q?\nSee:\n![[Other note]]\n", 7, "copy the text"),
    ("embedded image missing", HEAD + "Q?\n![[plot.png]]\n", 6, "not found"),
    ("embedded odd name", HEAD + "Q?\nA.\n![[a<b>.png]]\n", 7, "cannot hold < or >"),
    ("embedded sound", HEAD + "Q?\nA.\n![[hello.mp3]]\n", 7, "not sound files"),
    ("id line as note type", HEAD + "START\n<!--ID: 12-->\nBasic\nEND\n", 6, "comes first"),
    ("bad front matter", "---\ndeck: [oops\n---\nQ?\nA.\n", 2, "front matter"),
    ("front matter not a mapping", "---\n- a\n---\nQ?\nA.\n", 2, "key: value"),
    (
        "inline note inside text",
        HEAD + "Some text STARTI [Basic] a Back: b ENDI\n",
        5,
        "line of its own",
    ),
    ("inline note unknown type", HEAD + "STARTI [Fancy] a Back: b ENDI\n", 5, "unknown note type"),
    ("frozen unknown type", HEAD + "FROZEN - Fancy:\nBack: x\n", 5, "unknown note type"),
    ("cloze without any deletion", HEAD + "START\nCloze\nText: plain\nEND\n", 5, "{hidden}"),
    ("lone id line", HEAD + "ID: 1566052191670\n", 5, "id line without a question"),
]


def _assert_nothing_written(out: Path) -> None:
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "text", "line", "words"), BAD_SOURCES, ids=[b[0] for b in BAD_SOURCES]
)
def test_bad_source_is_reported_with_file_and_line(tmp_path, name, text, line, words):
    source = tmp_path / "bad.md"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(DeckError) as info:
        build([source], out, figures=False)
    assert str(info.value).startswith(f"{source}:{line}: "), str(info.value)
    assert words in info.value.message
    _assert_nothing_written(out)


def test_duplicate_across_two_files_of_one_deck(tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("TARGET DECK: Same\n\nQ?\nA.\n", encoding="utf-8")
    b.write_text("TARGET DECK: Same\n\nQ?\nOther.\n", encoding="utf-8")
    with pytest.raises(DeckError) as info:
        build([a, b], tmp_path / "out", figures=False)
    assert str(info.value).startswith(f"{b}:3: duplicate question")
    assert f"{a}:3" in info.value.message


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.md"
    with pytest.raises(DeckError) as info:
        build([missing], tmp_path / "out", figures=False)
    assert str(info.value).startswith(f"{missing}:1: cannot read the file")
    _assert_nothing_written(tmp_path / "out")


def test_file_that_is_not_utf8(tmp_path):
    bad = tmp_path / "latin1.md"
    bad.write_bytes("TARGET DECK: D\n\nWas ist \xfc?\nJa.\n".encode("latin-1"))
    with pytest.raises(DeckError) as info:
        build([bad], tmp_path / "out", figures=False)
    assert str(info.value).startswith(f"{bad}:1: cannot read the file")


def test_a_bad_file_keeps_the_previous_package_untouched(tmp_path):
    good = tmp_path / "good.md"
    good.write_text("TARGET DECK: Keep\n\nQ?\nA.\n", encoding="utf-8")
    out = tmp_path / "out"
    build([good], out, figures=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    good.write_text("TARGET DECK: Keep\n\nQ?\nA $\\eta broken.\n", encoding="utf-8")
    with pytest.raises(DeckError):
        build([good], out, figures=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_one_bad_deck_stops_every_deck(tmp_path):
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text("TARGET DECK: Good\n\nQ?\nA.\n", encoding="utf-8")
    bad.write_text("TARGET DECK: Bad\n\nQ?\n", encoding="utf-8")
    with pytest.raises(DeckError):
        build([good, bad], tmp_path / "out", figures=False)
    _assert_nothing_written(tmp_path / "out")


def test_cli_prints_the_error_and_exits_1(tmp_path):
    source = tmp_path / "bad.md"
    source.write_text(HEAD + "START\nFancy\nFront: a\nBack: b\nEND\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(decks, ["build", str(source), "-o", str(out), "--no-figures"])
    assert result.exit_code == 1
    assert f"{source}:6: unknown note type 'Fancy'" in result.output
    _assert_nothing_written(out)


def test_front_matter_aliases_cannot_blow_up(tmp_path):
    """A "billion laughs" front matter: aliases nest lists 9 deep; nothing expands them."""
    lines = ["---", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines += ["tags: [real, *a8]", "deck: D", "---", "", "Q?", "A."]
    source = tmp_path / "laughs.md"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (result,) = build([source], tmp_path / "out", figures=False, dry_run=True)
    assert result.notes[0].tags == ("real",)


@pytest.mark.parametrize(
    ("front", "words"),
    [("deck: [a, b]", "must be a deck name"), ("deck: D\nnote: " + "x" * 70_000, "longer than")],
)
def test_front_matter_bounds(tmp_path, front, words):
    source = tmp_path / "f.md"
    source.write_text(f"---\n{front}\n---\n\nQ?\nA.\n", encoding="utf-8")
    with pytest.raises(DeckError, match=words):
        build([source], tmp_path / "out", figures=False)


def test_a_huge_or_odd_source_is_refused(tmp_path):
    big = tmp_path / "big.md"
    big.write_bytes(b"TARGET DECK: D\n\nQ?\n" + b"a" * (9 * 2**20))
    with pytest.raises(DeckError, match=r"larger than 8 MiB: split it"):
        build([big], tmp_path / "out", figures=False)
    # a folder is built file by file, with the same bounds
    with pytest.raises(DeckError, match=r"big.md:1: .*larger than 8 MiB"):
        build([tmp_path], tmp_path / "out", figures=False)


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x07", "\x7f", "\x9b", "\x0c"])
def test_a_control_character_is_refused_at_its_place(tmp_path, char):
    path = tmp_path / "n.md"
    path.write_text(f"TARGET DECK: D\n\nWhat is {char}[31mred?\nA.\n", encoding="utf-8")
    with pytest.raises(DeckError) as info:
        build([path], tmp_path / "out", figures=False)
    assert str(info.value).startswith(f"{path}:3: a control character (U+{ord(char):04X})")
    assert "at column 9" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_tabs_and_line_endings_are_text(tmp_path):
    path = tmp_path / "n.md"
    path.write_bytes(b"TARGET DECK: D\r\n\r\nWhat is\ta tab?\r\nA.\r\n")
    (result,) = build([path], tmp_path / "out", figures=False)
    assert result.note_count == 1
