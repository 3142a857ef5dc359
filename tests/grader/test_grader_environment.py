"""Environment variables: every GDKIT_ variable the grader sets is one that something reads
(a variable set and never read promises a setting that does nothing)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SET = re.compile(r"""environ\[\s*["'](GDKIT_\w+)["']\s*\]\s*=(?!=)""")
NAME = re.compile(r"GDKIT_\w+")


def unread(texts: list[str]) -> list[str]:
    """The GDKIT_ names that occur only where they are set."""
    joined = "\n".join(texts)
    sets: dict[str, int] = {}
    for name in SET.findall(joined):
        sets[name] = sets.get(name, 0) + 1
    mentioned = NAME.findall(joined)
    return sorted(name for name, count in sets.items() if mentioned.count(name) <= count)


def test_every_variable_the_grader_sets_is_read():
    sources = [p.read_text(encoding="utf-8") for p in (REPO / "grader").rglob("*.py")]
    sources += [p.read_text(encoding="utf-8") for p in (REPO / "gdkit").rglob("*.py")]
    assert unread(sources) == []


def test_a_variable_set_and_never_read_is_found():
    assert unread(['os.environ["GDKIT_JOBS"] = "1"']) == ["GDKIT_JOBS"]
    assert unread(['os.environ["GDKIT_A"] = "1"', 'os.environ.get("GDKIT_A")']) == []
    assert unread(["if os.environ['GDKIT_B'] == '1': pass"]) == []
