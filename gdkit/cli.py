"""``gdkit`` — one command for the instructor's tools.

    gdkit exercises sync     authoring: exercises/ from solutions/  (grader.authoring.exercises_cli)
    gdkit exercises check    fail when exercises/ is out of date
    gdkit decks build        build the Anki packages                    (decks.cli)
    gdkit decks diff         what an import of the next build would change
    gdkit release OUT        the student release: no solutions, no hidden checks (gdkit.release)
    gdkit autograder build   the Gradescope zip and the container files       (gdkit.autograder)

Each subcommand group is imported only when it is used, so ``gdkit exercises …`` never loads
the deck stack (genanki, matplotlib) and ``gdkit decks …`` never loads the grader. A
subcommand whose module is not installed is not listed: the student release leaves the
instructor's modules out, and with them their commands.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

SUBCOMMANDS = {
    "exercises": ("grader.authoring.exercises_cli", "exercises"),
    "decks": ("decks.cli", "decks"),
    "release": ("gdkit.release", "release"),
    "autograder": ("gdkit.autograder", "autograder"),
}


def _installed(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    """A click group whose subcommands live in modules imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (module, _) in SUBCOMMANDS.items() if _installed(module))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS or not _installed(SUBCOMMANDS[name][0]):
            return None
        module_name, attribute = SUBCOMMANDS[name]
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="gdkit")
def main() -> None:
    """gdkit: learn and teach gradient descent."""
