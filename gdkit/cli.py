"""``gdkit`` — one command for the instructor's tools.

    gdkit exercises sync     regenerate exercises/ from solutions/      (grader.exercises_cli)
    gdkit exercises check    fail when exercises/ is out of date
    gdkit decks build        build the Anki packages                    (decks.cli)
    gdkit decks diff         what an import of the next build would change

Each subcommand group is imported only when it is used, so ``gdkit exercises …`` never loads
the deck stack (genanki, matplotlib) and ``gdkit decks …`` never loads the grader.
"""

from __future__ import annotations

import importlib

import click

SUBCOMMANDS = {
    "exercises": ("grader.exercises_cli", "exercises"),
    "decks": ("decks.cli", "decks"),
}


class LazyGroup(click.Group):
    """A click group whose subcommands live in modules imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        module_name, attribute = SUBCOMMANDS[name]
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="gdkit")
def main() -> None:
    """gdkit: learn and teach gradient descent."""
