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
- Cost: every pair is scored while there are at most :data:`EXACT_PAIRS` (new × old) pairs,
  e.g. 500 edited notes against 500 removed ones, in well under a second. Beyond that (every
  question of a big deck edited at once) the pairs are blocked: a new note is compared only
  with the old notes that share one of its :data:`RARE_WORDS` rarest words, so the cost grows
  with the number of notes, not with its square. A note whose rarest words all changed is then
  missed and stays new (never wrongly matched).
- Only notes of the same kind are compared (Anki cannot change a note's type on import).
- Not guessed: when a new note has two old notes within :data:`MARGIN` of its best score, or
  its best old note is as close to another new note, nothing is matched and the build says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

THRESHOLD = 0.8
MARGIN = 0.02
EXACT_PAIRS = 250_000  # up to this many (new, old) pairs, every pair is scored
RARE_WORDS = 8  # beyond it, a pair is scored only if it shares one of these rarest words
_WORD = re.compile(r"\w{3,}")


@dataclass(frozen=True)
class Match:
    new: int  # index into the new notes
    old: int  # index into the old notes (-1 when ambiguous)
    score: float
    ambiguous: tuple[tuple[int, float], ...] = ()  # the old notes it could be, when not matched


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _blocked_scores(new: list[str], old: list[str]) -> np.ndarray:
    """Scores of the pairs that share one of the new note's rarest words (present in the old
    notes); every other pair is left at 0."""
    import numpy as np
    from rapidfuzz import fuzz

    postings: dict[str, list[int]] = {}
    for j, text in enumerate(old):
        for token in _tokens(text):
            postings.setdefault(token, []).append(j)
    matrix = np.zeros((len(new), len(old)), dtype=np.float32)
    for i, text in enumerate(new):
        shared = sorted((len(postings[t]), t) for t in _tokens(text) if t in postings)
        candidates = {j for _, token in shared[:RARE_WORDS] for j in postings[token]}
        for j in candidates:
            matrix[i, j] = fuzz.ratio(text, old[j], score_cutoff=THRESHOLD * 100)
    return matrix


def _scores(new: list[tuple[str, str]], old: list[tuple[str, str]]) -> np.ndarray:
    """Similarity matrix (new × old), 0 below the threshold or across kinds."""
    import numpy as np
    from rapidfuzz import fuzz, process

    new_texts, old_texts = [t for _, t in new], [t for _, t in old]
    if len(new) * len(old) <= EXACT_PAIRS:
        matrix = process.cdist(
            new_texts,
            old_texts,
            scorer=fuzz.ratio,
            score_cutoff=THRESHOLD * 100,
            dtype=np.float32,
        )
    else:
        matrix = _blocked_scores(new_texts, old_texts)
    matrix /= 100.0
    kinds_new = np.array([k for k, _ in new])
    kinds_old = np.array([k for k, _ in old])
    matrix[kinds_new[:, None] != kinds_old[None, :]] = 0.0
    return matrix


def match_notes(new: list[tuple[str, str]], old: list[tuple[str, str]]) -> list[Match]:
    """Pair new (kind, text) notes with old ones; each pair is the clear best both ways."""
    if not new or not old:
        return []
    import numpy as np  # here, not at the top: a build with nothing to match never needs it

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
