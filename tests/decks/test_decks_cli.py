"""The click group ``decks`` (mounted by the lead as ``gdkit decks``)."""

from __future__ import annotations

from click.testing import CliRunner

from decks.cli import decks


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_build_then_diff_reports_each_kind_of_change(tmp_path):
    source = _write(
        tmp_path / "n.md",
        "TARGET DECK: Cli::Deck\n\nKeep?\nYes.\n\nEdit?\nOld.\n\nDrop?\nNo.\n",
    )
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(decks, ["build", str(source), "-o", str(out), "--no-figures"])
    assert first.exit_code == 0, first.output
    assert "Cli::Deck" in first.output and "3 notes, 3 cards" in first.output
    assert (out / "Cli-Deck.apkg").is_file() and (out / "Cli-Deck.manifest.json").is_file()

    _write(source, "TARGET DECK: Cli::Deck\n\nKeep?\nYes.\n\nEdit?\nNew.\n\nAdded?\nHi.\n")
    before = (out / "Cli-Deck.apkg").read_bytes()
    result = runner.invoke(decks, ["diff", str(source), "-o", str(out), "--no-figures", "--all"])
    assert result.exit_code == 0, result.output
    assert "1 new, 1 changed, 1 unchanged, 1 removed" in result.output
    lines = result.output.splitlines()
    assert any(line.strip().startswith("+ new") and "Added?" in line for line in lines)
    assert any(line.strip().startswith("~ changed") and "Edit?" in line for line in lines)
    assert any(line.strip().startswith("= unchanged") and "Keep?" in line for line in lines)
    assert any(line.strip().startswith("- removed") and "Drop?" in line for line in lines)
    assert any("- removed   was n.md:9 " in line for line in lines)  # where it used to be
    assert (out / "Cli-Deck.apkg").read_bytes() == before

    dry = runner.invoke(decks, ["build", str(source), "-o", str(out), "--no-figures", "--dry-run"])
    assert dry.exit_code == 0 and "dry run: nothing was written" in dry.output
    assert (out / "Cli-Deck.apkg").read_bytes() == before

    real = runner.invoke(decks, ["build", str(source), "-o", str(out), "--no-figures"])
    assert real.exit_code == 0
    again = runner.invoke(decks, ["diff", str(source), "-o", str(out), "--no-figures"])
    assert "0 new, 0 changed, 3 unchanged, 0 removed" in again.output


def test_one_package_per_deck(tmp_path):
    a = _write(tmp_path / "a.md", "TARGET DECK: One\n\nQ?\nA.\n")
    b = _write(tmp_path / "b.md", "TARGET DECK: Two::Sub\n\nS?\nA.\n")
    c = _write(tmp_path / "c.md", "TARGET DECK: One\n\nR?\nB.\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        decks, ["build", str(a), str(b), str(c), "-o", str(out), "--no-figures"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.apkg")) == ["One.apkg", "Two-Sub.apkg"]
    assert "One  →" in result.output and "2 notes" in result.output


def test_group_has_build_and_diff():
    assert set(decks.commands) >= {"build", "diff", "mistakes"}
    help_text = CliRunner().invoke(decks, ["build", "--help"]).output
    for option in ("--out", "--no-figures", "--dry-run"):
        assert option in help_text


def test_gdkit_mounts_the_group():
    from gdkit.cli import main

    result = CliRunner().invoke(main, ["decks", "--help"])
    assert result.exit_code == 0
    assert "build" in result.output and "diff" in result.output
