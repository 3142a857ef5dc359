"""``gdkit`` — one command for the instructor's tools.

    gdkit exercises sync     authoring: exercises/ from solutions/  (grader.authoring.exercises_cli)
    gdkit exercises check    fail when exercises/ is out of date
    gdkit decks build        build the Anki packages                    (decks.cli)
    gdkit decks diff         what an import of the next build would change
    gdkit release OUT        the student release: no solutions, no hidden checks (gdkit.release)
    gdkit autograder build   the Gradescope zip and the container files       (gdkit.autograder)

Each subcommand group is imported only when it is used (grader/commands.py: LazyGroup, as for
``grade batch``), so ``gdkit exercises …`` never loads the deck stack (genanki, matplotlib) and
``gdkit decks …`` loads nothing of the grader but that small module. A subcommand whose module
is not installed is not listed: the student release leaves the instructor's modules out, and
with them their commands.
"""

from __future__ import annotations

import click

from grader.commands import LazyGroup

SUBCOMMANDS = {
    "exercises": ("grader.authoring.exercises_cli", "exercises"),
    "decks": ("decks.cli", "decks"),
    "release": ("gdkit.release", "release"),
    "autograder": ("gdkit.autograder", "autograder"),
}


@click.group(
    "gdkit",
    cls=LazyGroup,
    subcommands=SUBCOMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},  # every subcommand's too
)
@click.version_option(package_name="gdkit")
def main() -> None:
    """gdkit: learn and teach gradient descent."""
