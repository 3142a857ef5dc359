"""The one error type of the deck builder: ``file:line: what is wrong``."""

from __future__ import annotations


class DeckError(Exception):
    """A problem in a deck source, reported as ``file:line: message``.

    The build stops at the first DeckError and writes no package.
    """

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(f"{file}:{line}: {message}")


class MissingDeck(DeckError):
    """A file names no TARGET DECK (a folder build skips such files when they hold no notes)."""


class SettingError(Exception):
    """A bad setting from the environment (``SOURCE_DATE_EPOCH``); the message says the fix."""


class OutputError(Exception):
    """An output file (package, manifest, a source rewritten by --write-ids) cannot be written;
    the file it would have replaced is unchanged."""


# Modules of the ``decks`` extra → the distribution that provides each.
DECK_DISTRIBUTIONS = {
    "genanki": "genanki",
    "jinja2": "jinja2",
    "markdown_it": "markdown-it-py",
    "mdit_py_plugins": "mdit-py-plugins",
    "yaml": "pyyaml",
    "rapidfuzz": "rapidfuzz",
    "matplotlib": "matplotlib",
    "numpy": "numpy",
}


def require_extra(*, figures: bool) -> None:
    """Raise ModuleNotFoundError for the first deck dependency that is not installed, before
    any work: some are imported only when a build needs them (PyYAML for front matter,
    rapidfuzz for matching), yet a missing one should be named up front, not halfway."""
    import importlib.util

    for name in DECK_DISTRIBUTIONS:
        if name == "matplotlib" and not figures:
            continue
        try:
            found = importlib.util.find_spec(name) is not None
        except ValueError:  # hidden (sys.modules[name] = None), or half-imported
            found = False
        if not found:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def missing_extra_message(exc: ModuleNotFoundError, *, figures: bool = True) -> str:
    """What to install when a deck dependency cannot be imported (re-raises anything else)."""
    top = (exc.name or "").split(".")[0]
    if top not in DECK_DISTRIBUTIONS:
        raise exc
    message = (
        f"gdkit decks needs {DECK_DISTRIBUTIONS[top]}, which is not installed: it comes with "
        "the 'decks' extra. Install it with  pip install -e '.[decks]'  in a clone of gdkit, "
        "or  pip install 'gdkit[decks]'"
    )
    if top == "matplotlib" and figures:
        message += ", or build without the figure cards: --no-figures"
    return message
