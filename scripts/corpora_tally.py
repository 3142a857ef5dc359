"""Grade every independent corpus file (tests/grader/corpora) with all checks, in strict mode,
and print the tallies the README reports: correct variants at full marks, wrong variants
caught, misnamed diagnoses, and the catalogued mistakes named.

    .venv/bin/python scripts/corpora_tally.py
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GDKIT_STRICT_CHECKS", "1")

from grader.exercises import by_name, load_exercises  # noqa: E402
from grader.runner import grade  # noqa: E402

CORPORA = ROOT / "tests" / "grader" / "corpora"


def graded() -> list[tuple[str, dict, object]]:
    """(exercise, manifest entry, ExerciseResult) for every corpus file."""
    batches: dict[int, dict[str, dict]] = {}
    for exercise in load_exercises():
        entries = json.loads((CORPORA / exercise.name / "manifest.json").read_text("utf-8"))
        for index, entry in enumerate(entries):
            batches.setdefault(index, {})[exercise.name] = entry
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, members in batches.items():
            folder = Path(tmp) / f"batch{index}"
            folder.mkdir()
            for name, entry in members.items():
                shutil.copy(CORPORA / name / entry["file"], folder / by_name(name).file)
            report = grade(folder, list(members), include_hidden=True)
            rows += [(r.exercise.name, members[r.exercise.name], r) for r in report.exercises]
    return rows


def main() -> None:
    correct = full = wrong = caught = misnamed = catalogued = named = errors = 0
    for exercise, entry, result in graded():
        names = {c.diagnosis for c in result.checks if c.diagnosis}
        errors += sum(c.status == "error" for c in result.checks)
        if entry["kind"] == "correct" and not entry.get("xfail"):
            correct += 1
            full += result.score == result.max_score
            if result.score != result.max_score:
                print(f"NOT FULL MARKS: {exercise}/{entry['file']}")
            continue
        if entry["kind"] != "wrong":
            continue
        wrong += 1
        caught += result.score < result.max_score
        if result.score == result.max_score:
            print(f"NOT CAUGHT: {exercise}/{entry['file']}")
        expected = {entry["is_mistake"]} if entry.get("is_mistake") else set()
        if names - expected:
            misnamed += 1
            print(f"MISNAMED: {exercise}/{entry['file']}: {sorted(names - expected)}")
        if entry.get("is_mistake"):
            catalogued += 1
            named += names == expected
            if names != expected:
                print(f"NOT NAMED: {exercise}/{entry['file']}: {sorted(names)}")
    print(f"correct variants at full marks: {full} of {correct}")
    print(f"wrong variants caught: {caught} of {wrong} ({catalogued} catalogued mistakes)")
    print(f"misnamed: {misnamed}")
    print(f"catalogued mistakes named: {named} of {catalogued}")
    print(f"checks in error: {errors}")


if __name__ == "__main__":
    main()
