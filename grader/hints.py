"""``grade --hint NAME``: an exercise's hints one at a time, the next one not yet shown.

How many hints of each exercise a learner has seen is remembered in the learner's cache
(``hints.json`` in platformdirs' user cache folder for gdkit, or in ``$GDKIT_CACHE_DIR``), so
that each ``grade --hint NAME`` gives one more; ``--all`` gives them all. A cache that cannot be
read starts over from the first hint, and one that cannot be written still shows the hint;
both say so.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.checking.framework import Exercise
from grader.paths import cache_dir
from grader.report.write import write_whole

CACHE_FILE = "hints.json"
CACHE_LIMIT = 64_000  # bytes: far more than every exercise's count needs


def cache_file() -> Path:
    return cache_dir() / CACHE_FILE


def _seen(path: Path) -> tuple[dict[str, int], str]:
    """(hints seen per exercise, a note when the cache could not be read)."""
    try:
        if not path.is_file():
            return {}, ""
        if path.stat().st_size > CACHE_LIMIT:
            raise ValueError("too large")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {}, f"(could not read {path}: {error}; starting from the first hint)"
    if not isinstance(data, dict):
        return {}, f"(could not read {path}: not a JSON object; starting from the first hint)"
    return {k: v for k, v in data.items() if isinstance(k, str) and type(v) is int}, ""


def next_hint(exercise: Exercise) -> tuple[int, str]:
    """The number of ``exercise``'s hint to show now: the first not yet shown, counted in the
    cache (which this call updates), or 0 when every hint has been shown; and a note when the
    cache could not be read or written."""
    path = cache_file()
    seen, note = _seen(path)
    already = min(max(seen.get(exercise.name, 0), 0), len(exercise.hints))
    if already == len(exercise.hints):
        return 0, note
    seen[exercise.name] = number = already + 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, json.dumps(seen, indent=1, sort_keys=True) + "\n")
    except OSError as error:
        note = f"(could not remember it in {path}: {error.strerror or error})"
    return number, note


def hint_lines(
    exercise: Exercise, again: str, all_of_them: str, *, every: bool = False
) -> list[str]:
    """What ``grade --hint`` says about ``exercise``: the next hint not yet shown (counted in
    the cache, which this call updates: :func:`next_hint`), or every hint when ``every`` or all
    have been seen. ``again`` and ``all_of_them``: how the learner asks for the next hint, and
    for all of them, where the hint is shown (a command, a notebook call)."""
    hints = list(exercise.hints)
    lines = [f"{exercise.order}. {exercise.title} ({exercise.file})", f"   {exercise.summary}"]
    if not hints:
        return [*lines, "   This exercise has no hints."]
    number, note = (0, _seen(cache_file())[1]) if every else next_hint(exercise)
    if number == 0:
        lines += [f"   Hint {n} of {len(hints)}: {hint}" for n, hint in enumerate(hints, 1)]
    else:
        lines.append(f"   Hint {number} of {len(hints)}: {hints[number - 1]}")
        if number < len(hints):
            lines.append(f"   ({again} again for hint {number + 1}; {all_of_them} for every hint)")
        else:
            lines.append(f"   (the last one; {again} again shows them all)")
    return [*lines, note] if note else lines
