"""Which new note continues which removed note: a similarity match between two builds.

A note whose question (or cloze text) was edited gets a new GUID from its new text. Before
calling it new, the build compares it with the notes of the previous build that left the
source: if one of them is close, the note keeps that note's GUID and id (Anki updates it and
its review history stays).

- Score: rapidfuzz's normalised Indel similarity (``fuzz.ratio / 100``, the measure of
  difflib's ``SequenceMatcher.ratio`` computed exactly) of the notes' plain text (question and
  answer, or cloze text and extra). rapidfuzz computes a whole matrix in C++ with a score
  cut-off, so a 2,000-note rebuild with a hundred edited notes costs milliseconds, not the
  minutes of a pure-Python quadratic loop. Only the scores above the threshold are kept (a
  row per new note), so no matrix and no NumPy (whose import alone is a tenth of a second);
  each score is rounded to float32, the precision the matching has always used, so the same
  notes match.
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
import struct
from dataclasses import dataclass

THRESHOLD = 0.8
MARGIN = 0.02
EXACT_PAIRS = 250_000  # up to this many (new, old) pairs, every pair is scored
RARE_WORDS = 8  # beyond it, a pair is scored only if it shares one of these rarest words
_WORD = re.compile(r"\w{3,}")
_FLOAT32 = struct.Struct("f")

Scores = list[dict[int, float]]  # per new note: old note index → score, the threshold passed


def _f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (what a float32 score or difference holds)."""
    return _FLOAT32.unpack(_FLOAT32.pack(x))[0]


_THRESHOLD32, _MARGIN32 = _f32(THRESHOLD), _f32(MARGIN)


@dataclass(frozen=True)
class Match:
    new: int  # index into the new notes
    old: int  # index into the old notes (-1 when ambiguous)
    score: float
    ambiguous: tuple[tuple[int, float], ...] = ()  # the old notes it could be, when not matched


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _candidates(new: list[str], old: list[str]) -> list[list[int] | None]:
    """Per new note, the old notes worth scoring: all of them (None) while there are at most
    EXACT_PAIRS pairs, else those that share one of the new note's rarest words."""
    if len(new) * len(old) <= EXACT_PAIRS:
        return [None] * len(new)
    postings: dict[str, list[int]] = {}
    for j, text in enumerate(old):
        for token in _tokens(text):
            postings.setdefault(token, []).append(j)
    found: list[list[int] | None] = []
    for text in new:
        shared = sorted((len(postings[t]), t) for t in _tokens(text) if t in postings)
        found.append(sorted({j for _, token in shared[:RARE_WORDS] for j in postings[token]}))
    return found


def _scores(new: list[tuple[str, str]], old: list[tuple[str, str]]) -> Scores:
    """Per new note, the old notes of its kind at or above the threshold, with their scores."""
    from rapidfuzz import fuzz, process

    old_texts = [t for _, t in old]
    rows: Scores = []
    for (kind, text), among in zip(new, _candidates([t for _, t in new], old_texts), strict=True):
        choices = old_texts if among is None else {j: old_texts[j] for j in among}
        found = process.extract(
            text, choices, scorer=fuzz.ratio, score_cutoff=THRESHOLD * 100, limit=None
        )
        row = {j: _f32(_f32(score) / 100.0) for _, score, j in found if old[j][0] == kind}
        rows.append({j: score for j, score in row.items() if score >= _THRESHOLD32})
    return rows


def match_notes(new: list[tuple[str, str]], old: list[tuple[str, str]]) -> list[Match]:
    """Pair new (kind, text) notes with old ones; each pair is the clear best both ways."""
    if not new or not old:
        return []
    rows = _scores(new, old)
    columns: Scores = [{} for _ in old]
    for i, row in enumerate(rows):
        for j, score in row.items():
            columns[j][i] = score
    matches = []
    for i, row in enumerate(rows):
        if not row:
            continue
        best = min(row, key=lambda j: (-row[j], j))  # the highest score, the first such note
        floor = _f32(row[best] - _MARGIN32)
        rivals = sorted(j for j, score in row.items() if score >= floor and j != best)
        other_new = [k for k, score in columns[best].items() if score >= floor and k != i]
        if rivals or other_new:
            close = [best, *rivals]
            matches.append(Match(i, -1, row[best], tuple((j, row[j]) for j in close)))
        else:
            matches.append(Match(i, best, row[best]))
    return matches
