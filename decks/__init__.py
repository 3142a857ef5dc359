"""decks — turn Markdown Q&A notes into Anki packages (``gdkit decks build``).

Pipeline: :mod:`decks.parser` (source format) → :mod:`decks.render` (Markdown and math to HTML)
→ :mod:`decks.build` (notes, GUIDs, manifest, diff via :mod:`decks.identity` and
:mod:`decks.similarity`) →
:mod:`decks.apkg` (reproducible .apkg). Worked examples and figures for the week-2 deck come from
gdref (:mod:`decks.computed`, :mod:`decks.figures`). The week-2 source is ``decks/week02.md``.
"""

from decks.errors import DeckError

__all__ = ["DeckError"]
