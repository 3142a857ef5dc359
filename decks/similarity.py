"""Which new note continues which removed note: a similarity match between two builds.

A note whose question (or cloze text) was edited gets a new GUID from its new text. Before
calling it new, the build compares it with the notes of the previous build that left the
source: if one of them is close, the note keeps that note's GUID and id (Anki updates it and
its review history stays).

- Score: rapidfuzz's normalised Indel similarity (``fuzz.ratio / 100``, the measure of
  difflib's ``SequenceMatcher.ratio`` computed exactly) of the notes' plain text (question and
  answer, or cloze text and extra). rapidfuzz computes a whole matrix in C++ with a score
  cut-off, so a 2,000-note rebuild with a hundred edited notes costs milliseconds, not the
  minutes of a pure-Python quadratic loop.
- Threshold: :data:`THRESHOLD` = 0.8. A typo fix or a reworded question with the same answer
  scores 0.9–1.0; two different notes of one deck rarely pass 0.7.
- Only notes of the same kind are compared (Anki cannot change a note's type on import).
- Not guessed: when a new note has two old notes within :data:`MARGIN` of its best score, or
  its best old note is as close to another new note, nothing is matched and the build says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

THRESHOLD = 0.8
MARGIN = 0.02


@dataclass(frozen=True)
class Match:
    new: int  # index into the new notes
    old: int  # index into the old notes (-1 when ambiguous)
    score: float
    ambiguous: tuple[tuple[int, float], ...] = ()  # the old notes it could be, when not matched


def _scores(new: list[tuple[str, str]], old: list[tuple[str, str]]) -> np.ndarray:
    """Similarity matrix (new × old), 0 below the threshold or across kinds."""
    matrix = process.cdist(
        [t for _, t in new],
        [t for _, t in old],
        scorer=fuzz.ratio,
        score_cutoff=THRESHOLD * 100,
        dtype=np.float32,
    )
    matrix /= 100.0
    kinds_new = np.array([k for k, _ in new])
    kinds_old = np.array([k for k, _ in old])
    matrix[kinds_new[:, None] != kinds_old[None, :]] = 0.0
    return matrix


def match_notes(new: list[tuple[str, str]], old: list[tuple[str, str]]) -> list[Match]:
    """Pair new (kind, text) notes with old ones; each pair is the clear best both ways."""
    if not new or not old:
        return []
    scores = _scores(new, old)
    matches = []
    for i in np.flatnonzero(scores.max(axis=1) >= THRESHOLD):
        row = scores[i]
        best = int(row.argmax())
        rivals = [j for j in np.flatnonzero(row >= row[best] - MARGIN) if j != best]
        column = scores[:, best]
        other_new = [k for k in np.flatnonzero(column >= row[best] - MARGIN) if k != i]
        if rivals or other_new:
            close = [best, *rivals] if rivals else [best]
            matches.append(
                Match(int(i), -1, float(row[best]), tuple((int(j), float(row[j])) for j in close))
            )
        else:
            matches.append(Match(int(i), best, float(row[best])))
    return matches
