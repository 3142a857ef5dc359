"""The repository is ruff clean (rules and line length from pyproject.toml)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PATHS = ["gdref", "grader", "decks", "gdkit", "tests", "benchmarks", "scripts", "solutions"]


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_ruff_check_is_clean():
    present = [path for path in PATHS if (ROOT / path).exists()]
    assert "gdref" in present
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *present],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(
            f"ruff check {' '.join(present)} is not clean:\n{result.stdout}{result.stderr}",
            pytrace=False,
        )
