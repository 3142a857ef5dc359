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
