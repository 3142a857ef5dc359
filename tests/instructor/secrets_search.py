"""The secrecy test's parts (issue 18): a submission that hunts for the hidden checks, and what
students must never see of them (tests/instructor/test_autograder.py, test_container.py)."""

from __future__ import annotations

import json

from grader.exercises import REPO_ROOT, load_exercises
from grader.instructor.gradebook import check_list

SOLUTIONS = REPO_ROOT / "solutions"

# a submission that hunts for the hidden checks: it reads every Python file it can find (sys.path
# first, then the whole file system, for a few seconds) and shows each line that declares a
# hidden check, with the lines after it (the check's name and docstring), in a visible test
SEARCHER = r"""
import os
import sys
import time


def _search():
    found, seen, end = [], 0, time.monotonic() + 4
    skip = {"/proc", "/sys", "/dev", "/usr/share", "/usr/include"}
    for root in [p for p in sys.path if p] + ["/autograder", "/opt", "/grade", "/tmp", "/"]:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip]
            for name in files:
                if time.monotonic() > end:
                    return found, seen
                if name.endswith(".py"):
                    seen += 1
                    try:
                        with open(os.path.join(folder, name), errors="replace") as handle:
                            text = handle.read(1_000_000)
                    except OSError:
                        continue
                    if "@check(" not in text or "_search()" in text:  # checks, not this file
                        continue
                    lines = text.splitlines()
                    for at, line in enumerate(lines):
                        if "hidden=True" in line:
                            shown = lines[max(0, at - 3) : at + 6]
                            found.append("\n".join([os.path.join(folder, name), *shown]))
    return found, seen


FOUND, SEEN = _search()
SAID = f"searched {SEEN} files, found {len(FOUND)} hidden checks\n" + "\n".join(FOUND)
print(SAID[:3000])


def gd_step(w, grad, lr):
    raise RuntimeError(SAID[:3000])
"""


def searching_submission() -> str:
    """The solved parabola exercise whose gd_step fails, saying what the search found."""
    return (SOLUTIONS / "01_parabola.py").read_text() + SEARCHER


def hidden_texts() -> set[str]:
    """What students must not see before the due date: each hidden check's name and title."""
    return {
        text
        for exercise in load_exercises()
        for check in check_list(exercise)
        if check["visibility"] == "hidden"
        for text in (check["name"], check["description"])
    }


def student_visible(data: dict) -> str:
    """All that students see of results (Gradescope's before the due date; PrairieLearn's and
    the JSON all of it)."""
    if "output" not in data or "tests" not in data or "stdout_visibility" not in data:
        return json.dumps(data, ensure_ascii=False)
    tests = [t for t in data["tests"] if t.get("visibility", "visible") == "visible"]
    return json.dumps([data["output"], tests], ensure_ascii=False)


def assert_no_hidden_text(data: dict) -> str:
    seen = student_visible(data)
    assert "hidden=True" not in seen, seen[max(0, seen.find("hidden=True") - 2000) :][:3000]
    leaked = [text for text in hidden_texts() if text in seen]
    assert leaked == [], leaked[:3]
    return seen
