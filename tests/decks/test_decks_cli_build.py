"""``gdkit decks build`` / ``diff``: similarity matches, removed notes, --write-ids, warnings,
and the message when the decks extra is not installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from decks.cli import decks
from decks.parser import parse_file
from decks.write_ids import planned_ids

SOURCE = "TARGET DECK: Cli::Ids\n\n## S\n\nWhat does the lerning rate scale?\nEach step.\n\n"
SOURCE += "Which optimiser keeps a running mean?\nMomentum.\n\nThe rate is {{c1::small}}.\n"


def _run(*args: str):
    result = CliRunner().invoke(decks, [*args, "--no-figures"])
    assert result.exit_code == 0, result.output
    return result.output


def test_diff_says_a_reworded_note_is_matched_by_similarity(tmp_path):
    source = tmp_path / "n.md"
    source.write_text(SOURCE, encoding="utf-8")
    out = str(tmp_path / "out")
    _run("build", str(source), "-o", out)
    source.write_text(SOURCE.replace("lerning", "learning"), encoding="utf-8")
    output = _run("diff", str(source), "-o", out)
    assert "0 new, 1 changed, 2 unchanged, 0 removed" in output
    assert "~ changed (matched by similarity 0.99)" in output


def test_removed_notes_are_explained(tmp_path):
    source = tmp_path / "n.md"
    source.write_text(SOURCE, encoding="utf-8")
    out = str(tmp_path / "out")
    _run("build", str(source), "-o", out)
    source.write_text(SOURCE.split("Which optimiser")[0], encoding="utf-8")
    output = _run("build", str(source), "-o", out)
    assert "1 note, 1 card, 0 media files (+ 2 removed notes kept, tagged gdkit::removed)" in (
        output
    )
    assert "tag:gdkit::removed" in output


def test_write_ids_adds_an_id_to_every_note_and_keeps_each_identity(tmp_path):
    source = tmp_path / "n.md"
    source.write_bytes(SOURCE.replace("\n", "\r\n").encode())
    out = str(tmp_path / "out")
    _run("build", str(source), "-o", out)
    dry = _run("build", str(source), "-o", out, "--write-ids", "--dry-run")
    assert "would write 3 ids" in dry and b"<!-- id:" not in source.read_bytes()
    output = _run("build", str(source), "-o", out, "--write-ids")
    assert "wrote 3 ids" in output
    assert "0 new, 0 changed, 3 unchanged, 0 removed" in output
    data = source.read_bytes()
    assert b"\r\n<!-- id: what-does-the-lerning-rate-scale -->\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")  # line endings kept
    notes = parse_file(source).notes
    assert [n.key for n in notes] == [
        "id:what-does-the-lerning-rate-scale",
        "id:which-optimiser-keeps-a-running-mean",
        "id:the-rate-is-small",
    ]
    # the ids hold: rewording the question is now an edit of the same note
    source.write_bytes(data.replace(b"the lerning rate scale?", b"the learning rate scale?"))
    output = _run("diff", str(source), "-o", out)
    assert "0 new, 1 changed, 2 unchanged, 0 removed" in output
    assert "similarity" not in output
    assert sorted(os.listdir(tmp_path)) == ["n.md", "out"]  # no temporary file left


def test_write_ids_never_touches_a_bad_source(tmp_path):
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text("TARGET DECK: G\n\nQ?\nA.\n", encoding="utf-8")
    bad.write_text("TARGET DECK: B\n\nQ?\n", encoding="utf-8")
    result = CliRunner().invoke(
        decks,
        ["build", str(good), str(bad), "--write-ids", "-o", str(tmp_path / "out"), "--no-figures"],
    )
    assert result.exit_code == 1
    assert good.read_text(encoding="utf-8") == "TARGET DECK: G\n\nQ?\nA.\n"


def test_o2a_ids_without_a_collection_are_warned_about_when_new(tmp_path):
    source = tmp_path / "n.md"
    source.write_text("TARGET DECK: O\n\nQ?\nA.\nID: 1566052191670\n", encoding="utf-8")
    args = ["build", str(source), "-o", str(tmp_path / "o"), "--no-figures"]
    result = CliRunner().invoke(decks, args)
    assert result.exit_code == 0
    assert "warning: 1 new note carries an Obsidian_to_Anki id: to update" in result.output
    assert "--anki-collection" in result.output
    # built and imported before: no news, nothing said
    again = CliRunner().invoke(decks, args)
    assert again.exit_code == 0 and "Obsidian_to_Anki" not in again.output
    with source.open("a", encoding="utf-8") as handle:
        handle.write("\nR?\nB.\nID: 1566052191671\n\nS?\nC.\nID: 1566052191672\n")
    more = CliRunner().invoke(decks, args)
    assert "warning: 2 new notes carry Obsidian_to_Anki ids: to update" in more.output


INLINE = (
    "TARGET DECK: Cli::Inline\n\n## S\n\n"
    "- STARTI [Basic] What is the rate? Back: A step size. ENDI\n"
    "* [ ] STARTI [Basic] One? Back: 1. ENDI STARTI [Basic] Two? Back: 2. <!-- id: two --> ENDI "
    "STARTI [Basic] Three? Back: 3. ENDI\n"
    "STARTI [Basic] Known? Back: Yes. ID: 1566052191670 ENDI\n\n"
    "What does momentum keep?\nA running mean.\n"
)


def test_write_ids_writes_inside_inline_notes(tmp_path):
    source = tmp_path / "n.md"
    source.write_bytes(INLINE.replace("\n", "\r\n").encode())
    out = str(tmp_path / "out")
    _run("build", str(source), "-o", out)
    output = _run("build", str(source), "-o", out, "--write-ids")
    assert "wrote 4 ids into the sources" in output
    assert "0 new, 0 changed, 6 unchanged, 0 removed" in output
    text = source.read_bytes().decode()
    rate = "Back: A step size. <!-- id: what-is-the-rate --> ENDI\r\n"
    assert f"- STARTI [Basic] What is the rate? {rate}" in text
    assert (
        "* [ ] STARTI [Basic] One? Back: 1. <!-- id: one --> ENDI STARTI [Basic] Two? Back: 2. "
        "<!-- id: two --> ENDI STARTI [Basic] Three? Back: 3. <!-- id: three --> ENDI\r\n"
    ) in text
    assert "Back: Yes. ID: 1566052191670 ENDI\r\n" in text  # an O2A id is an id: untouched
    assert "\n" not in text.replace("\r\n", "")
    notes = parse_file(source).notes
    assert sorted(n.key for n in notes) == sorted(
        [
            "id:what-is-the-rate",
            "id:one",
            "id:two",
            "id:three",
            "id:1566052191670",
            "id:what-does-momentum-keep",
        ]
    )
    assert all("<!--" not in n.fields[1].text for n in notes)  # the ids are not card text
    # nothing left to write, and it says so
    again = _run("build", str(source), "-o", out, "--write-ids")
    assert "--write-ids: no id to write; nothing written" in again


def test_write_ids_says_where_it_wrote_nothing_and_why(tmp_path):
    source = tmp_path / "n.md"
    source.write_text(INLINE, encoding="utf-8")
    parsed = parse_file(source)
    # the file changed after it was read: the inline line no longer holds the notes parsed
    source.write_text(INLINE.replace("Two? Back: 2. <!-- id: two --> ENDI ", ""), "utf-8")
    plan = planned_ids([parsed])
    assert plan.count == 2  # the lone inline note and the question
    assert len(plan.skipped) == 2
    assert plan.skipped[0].startswith(f"{source}:6: no id written:")
    assert "write <!-- id: a-name --> on the line after it" in plan.skipped[0]


MISSING_EXTRA = [
    ("genanki", False, "needs genanki"),
    ("markdown_it", False, "needs markdown-it-py"),
    ("rapidfuzz", False, "needs rapidfuzz"),
    ("matplotlib", True, "--no-figures"),
]


def _command_args(command: str, tmp_path: Path) -> list[str]:
    """The arguments of one ``gdkit decks`` command, with a valid input for it."""
    if command == "mistakes":
        report = tmp_path / "report.json"
        checks = [{"diagnosis": "sign_flipped"}]
        report.write_text(json.dumps({"exercises": [{"name": "parabola", "checks": checks}]}))
        return ["decks", "mistakes", str(report)]
    source = tmp_path / "n.md"
    source.write_text("TARGET DECK: NeuralComputation::Week-02\n\nQ?\nA.\n", encoding="utf-8")
    return ["decks", command, str(source)]


@pytest.mark.parametrize("command", ["build", "diff", "mistakes"])
@pytest.mark.parametrize(("module", "figures", "words"), MISSING_EXTRA)
def test_missing_decks_extra_names_the_extra(tmp_path, command, module, figures, words):
    """The module is hidden in a fresh interpreter (sys.modules[name] = None), as if the extra
    had never been installed: every decks command says which extra to install."""
    code = f"import sys; sys.modules[{module!r}] = None\nfrom gdkit.cli import main\nmain()\n"
    args = [*_command_args(command, tmp_path), "-o", str(tmp_path / "out")]
    if not figures:
        args.append("--no-figures")
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 1, done.stderr
    assert words in done.stderr
    assert "pip install -e '.[decks]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_o2a_delete_markers(tmp_path):
    source = tmp_path / "n.md"
    note = "START\nBasic\nFront: Old?\nBack: Yes.\nID: 1566052191670\nEND\n"
    source.write_text(f"TARGET DECK: Del\n\nKeep?\nYes.\n\n{note}", encoding="utf-8")
    out = str(tmp_path / "out")
    _run("build", str(source), "-o", out)
    # O2A's way to delete: the block emptied down to its id line
    source.write_text(
        "TARGET DECK: Del\n\nKeep?\nYes.\n\nSTART\nID: 1566052191670\nEND\n\n"
        "DELETE\nID: 1566052191999\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(decks, ["build", str(source), "-o", out, "--no-figures"])
    assert result.exit_code == 0, result.output
    assert "1 removed" in result.output and "tagged gdkit::removed" in result.output
    # the note gdkit never built cannot be deleted by an import: say how to do it in Anki
    assert "DELETE 1566052191999" in result.output and "nid:1566052191999" in result.output
    assert "nid:1566052191670" not in result.output


def test_delete_marker_for_a_note_still_in_the_file(tmp_path):
    source = tmp_path / "n.md"
    source.write_text(
        "TARGET DECK: Del\n\nQ?\nA.\nID: 1566052191670\n\nDELETE ID: 1566052191670\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        decks, ["build", str(source), "-o", str(tmp_path / "o"), "--no-figures"]
    )
    assert result.exit_code == 1
    assert f"{source}:3: note 1566052191670 is marked DELETE but is still in the file" in (
        result.output
    )


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links and modes are POSIX here")
def test_write_ids_follows_a_link_and_keeps_the_permissions(tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    target = vault / "notes.md"
    target.write_text(SOURCE, encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "n.md"
    link.symlink_to(target)
    _run("build", str(link), "-o", str(tmp_path / "out"), "--write-ids")
    assert link.is_symlink() and link.resolve() == target
    assert "<!-- id: the-rate-is-small -->" in target.read_text(encoding="utf-8")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(vault)) == ["notes.md"]


@pytest.mark.parametrize("value", ["abc", "-5", "1.5e9", "0", "99999999999999", "\u0661\u0662"])
def test_a_bad_source_date_epoch_is_an_error_not_a_traceback(tmp_path, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    source = tmp_path / "n.md"
    source.write_text("TARGET DECK: T\n\nQ?\nA.\n", encoding="utf-8")
    result = CliRunner().invoke(decks, ["build", str(source), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "error: SOURCE_DATE_EPOCH must be a whole number of seconds" in result.output
    assert not (tmp_path / "o").exists()


def test_a_file_without_a_note_is_reported_not_built_in_silence(tmp_path):
    source = tmp_path / "n.md"
    source.write_text("TARGET DECK: T\n\n## Gradient descent\n\n## Momentum\n", encoding="utf-8")
    output = _run("build", str(source), "-o", str(tmp_path / "o"))
    assert "0 notes, 0 cards" in output
    assert f"warning: {source}: no notes found" in output
    source.write_text("TARGET DECK: T\n\nQ?\nA.\n", encoding="utf-8")
    assert "no notes found" not in _run("build", str(source), "-o", str(tmp_path / "o"))


def test_write_ids_that_cannot_be_written_leave_the_file_as_it_was(tmp_path, monkeypatch):
    source = tmp_path / "n.md"
    source.write_text(SOURCE, encoding="utf-8")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr("decks.write_ids.os.replace", refuse)
    result = CliRunner().invoke(
        decks, ["build", str(source), "-o", str(tmp_path / "out"), "--write-ids", "--no-figures"]
    )
    assert result.exit_code == 1
    assert f"error: {source}: cannot write the id lines" in result.output
    assert "the file is unchanged" in result.output and "Traceback" not in result.output
    assert source.read_text(encoding="utf-8") == SOURCE
    assert sorted(os.listdir(tmp_path)) == ["n.md"]  # no temporary file, no package


def test_an_output_folder_that_is_a_file_is_an_error_not_a_traceback(tmp_path):
    source = tmp_path / "n.md"
    source.write_text(SOURCE, encoding="utf-8")
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    result = CliRunner().invoke(
        decks, ["build", str(source), "-o", str(tmp_path / "out" / "sub"), "--no-figures"]
    )
    assert result.exit_code == 1
    assert "error: cannot write" in result.output and "sub" in result.output
    assert (tmp_path / "out").read_text(encoding="utf-8") == "a file"
