"""A learner's curve against the reference's: what a failed check about a trajectory or a loss
curve carries, for a figure (``grade --html``, the notebook's ``check()``).

Plain data only, bounded where it enters the report (the learner's series can be of any length
and hold anything a float can): at most :data:`POINTS` values per series and :data:`SERIES`
series per curve, each value a finite float or ``None`` (nan and ±inf, which JSON cannot carry;
a figure shows them as a gap and says from which step). Text is cleaned like every text field
of the report (grader/report/sanitize.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from grader.report.sanitize import clean_text

POINTS = 1_000  # values of one series kept (the week's longest reference run has 301)
SERIES = 4  # series of one curve kept (the coordinates of a path)
LABEL_LIMIT = 200  # characters of a curve's title or a series' name


def _plain(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def bounded(values: Iterable[object]) -> tuple[float | None, ...]:
    """At most :data:`POINTS` of ``values``, each a finite float or None."""
    kept = []
    for index, value in enumerate(values):
        if index == POINTS:
            break
        kept.append(_plain(value))
    return tuple(kept)


@dataclass(frozen=True)
class Series:
    """One line of a figure: the learner's values and the reference's, step by step."""

    name: str  # "losses", or "w[1]" for a coordinate of a path
    got: tuple[float | None, ...]
    expected: tuple[float | None, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_text(str(self.name), LABEL_LIMIT))
        object.__setattr__(self, "got", bounded(self.got))
        object.__setattr__(self, "expected", bounded(self.expected))

    def first_gap(self) -> int | None:
        """The first step of the learner's series that is not a finite number."""
        return next((step for step, value in enumerate(self.got) if value is None), None)


@dataclass(frozen=True)
class Curve:
    """What a check compared as a curve: ``what`` was computed, ``label`` names the member
    (``losses``), and ``parted`` is the first step where the learner's series leaves the
    reference's (None: they agree on every step both have)."""

    what: str
    label: str
    series: tuple[Series, ...]
    parted: int | None
    steps: int  # the learner's series' length, before it was cut to POINTS
    expected_steps: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "what", clean_text(str(self.what), LABEL_LIMIT))
        object.__setattr__(self, "label", clean_text(str(self.label), LABEL_LIMIT))
        object.__setattr__(self, "series", tuple(self.series)[:SERIES])

    @classmethod
    def from_data(cls, data: dict) -> Curve:
        """A curve from what :meth:`to_data` gave (a report read back from JSON), bounded
        again."""
        series = tuple(Series(s["name"], s["got"], s["expected"]) for s in data["series"])
        parted = data["parted"]
        return cls(
            data["what"],
            data["label"],
            series,
            None if parted is None else int(parted),
            int(data["steps"]),
            int(data["expected_steps"]),
        )

    @property
    def shown_steps(self) -> int:
        return min(self.steps, POINTS)

    def to_data(self) -> dict:
        """As JSON carries it (grader/report/renderers/json_report.py)."""
        return {
            "what": self.what,
            "label": self.label,
            "parted": self.parted,
            "steps": self.steps,
            "expected_steps": self.expected_steps,
            "series": [
                {"name": s.name, "got": list(s.got), "expected": list(s.expected)}
                for s in self.series
            ],
        }
