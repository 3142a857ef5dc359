"""The learner's `grade` path must not pay for the deck stack (matplotlib, genanki)."""

from __future__ import annotations

import subprocess
import sys


def test_grade_path_does_not_import_matplotlib_or_genanki():
    code = (
        "import gdref, grader.cli; import sys; "
        "bad = [m for m in ('matplotlib', 'genanki', 'decks') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_deck_build_pays_only_for_what_it_uses(tmp_path):
    """A first build of a deck of one's own loads neither NumPy nor gdref (the week-2 computed
    cards) nor rapidfuzz (nothing to match)."""
    source = tmp_path / "n.md"
    source.write_text("TARGET DECK: Mine\n\nWhat is it?\nAn answer.\n", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from decks.build import build; "
        f"build([Path({str(source)!r})], Path({str(tmp_path / 'out')!r})); "
        "bad = [m for m in ('numpy', 'gdref', 'rapidfuzz') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
