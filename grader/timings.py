"""Remember how long each exercise's checks took, to split the next run evenly over two
grading processes. Stored in $XDG_CACHE_HOME/gdkit/check-times.json (default ~/.cache); a
missing or unreadable file only means an even split by count."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_SECONDS = 0.05  # an exercise never timed


def cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gdkit" / "check-times.json"


def load() -> dict[str, float]:
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float) and v >= 0}


def save(seconds: dict[str, float]) -> None:
    """Merge the new measurements into the cache (best effort)."""
    merged = {**load(), **seconds}
    path = cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass


def split_in_two(names: list[str], seconds: dict[str, float]) -> tuple[list[str], list[str]]:
    """Two groups of about equal total time (longest first into the lighter group); each
    group keeps course order."""
    groups: tuple[list[str], list[str]] = ([], [])
    totals = [0.0, 0.0]
    for name in sorted(names, key=lambda n: -seconds.get(n, DEFAULT_SECONDS)):
        lighter = 0 if totals[0] <= totals[1] else 1
        groups[lighter].append(name)
        totals[lighter] += seconds.get(name, DEFAULT_SECONDS)
    order = {name: index for index, name in enumerate(names)}
    return sorted(groups[0], key=order.get), sorted(groups[1], key=order.get)
