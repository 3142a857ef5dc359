"""What gdkit's command lines share (all of them are click commands): subcommands imported on
first use, a command that is also a group (``grade PATH`` beside ``grade batch …``), and the
option type for a number of seconds.

Cheap to import (click and the standard library only), so ``gdkit decks …`` can use it without
loading the grader.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import Any

import click


def _installed(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


_WHOLE_SENTENCE = 1000  # characters: no first sentence of a command's help is cut


class LazyGroup(click.Group):
    """A click group whose subcommands live in modules imported on first use.

    ``subcommands`` maps a name to (module, attribute). A subcommand whose module is not
    installed is neither listed nor found: the student release leaves the instructor's modules
    out, and with them their commands.
    """

    def __init__(
        self, *args: Any, subcommands: Mapping[str, tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subcommands = dict(subcommands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (module, _) in self.subcommands.items() if _installed(module))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.subcommands or not _installed(self.subcommands[name][0]):
            return None
        module_name, attribute = self.subcommands[name]
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each subcommand with the whole first sentence of its help, wrapped (click would cut
        it to what fits on one line)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=_WHOLE_SENTENCE)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


_SUBCOMMAND_ARGS = "gdkit.subcommand_args"  # key in ctx.meta


class CommandWithSubcommands(LazyGroup):
    """A command with its own options and arguments (``grade [PATH] [OPTIONS]``) that is also
    the group of a few subcommands (``grade batch …``).

    Only a first word that names an installed subcommand dispatches; anything else is the
    command's own command line, so ``grade ./batch`` grades a folder named ``batch``. When a
    subcommand runs, the command's own callback does not.
    """

    # parsed as a command, not as a group: options after PATH are the command's, and a word
    # left over is an error (a group would stop at PATH and keep the rest for a subcommand)
    allow_interspersed_args = True
    allow_extra_args = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invoke_without_command", True)
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and self.get_command(ctx, args[0]) is not None:
            ctx.meta[_SUBCOMMAND_ARGS] = args
            args = []  # the command's own parameters keep their defaults
        return click.Command.parse_args(self, ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        args = ctx.meta.get(_SUBCOMMAND_ARGS)
        if args is None:
            return click.Command.invoke(self, ctx)
        name, command, rest = self.resolve_command(ctx, args)
        assert command is not None  # parse_args found it
        ctx.invoked_subcommand = name
        with command.make_context(name, rest, parent=ctx) as sub_ctx:
            return command.invoke(sub_ctx)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        if ctx.command is self:
            return params
        # a subcommand's context builds its path from these: `grade batch`, not
        # `grade [PATH] batch` (PATH is not given before a subcommand)
        return [param for param in params if not isinstance(param, click.Argument)]

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Usage: grade [OPTIONS] [PATH]`` and, below it, ``grade COMMAND [ARGS]...``."""
        own = " ".join(click.Command.collect_usage_pieces(self, ctx))
        formatter.write_usage(ctx.command_path, own)
        if self.list_commands(ctx):
            formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix=" " * 7)


class Seconds(click.ParamType):
    """A positive, finite number of seconds (a timeout, a time limit, a deadline). Anything
    else — a word, 0, a negative number, nan, inf — is a usage error whose sentence names the
    option: ``--timeout must be a positive number of seconds, not 'nan'``."""

    name = "seconds"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        from grader.sandbox.limits import positive_seconds

        try:
            return positive_seconds(value)
        except ValueError:
            option = param.opts[-1] if param is not None and param.opts else "the value"
            raise click.UsageError(
                f"{option} must be a positive number of seconds, not {value!r}", ctx
            ) from None


SECONDS = Seconds()


ISOLATIONS = ("auto", "bubblewrap", "process", "rlimits")
FORMER_NAMES = {"rlimits": "process"}  # accepted on the command line, passed on as the new one


def _current_name(ctx: click.Context, param: click.Parameter, isolation: str) -> str:
    return FORMER_NAMES.get(isolation, isolation)


def sandbox_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--timeout SECONDS`` and ``--isolation NAME``, the same on every command that grades
    (``grade``, ``grade batch``)."""
    timeout = click.option(
        "--timeout",
        type=SECONDS,
        default=None,
        help="Seconds allowed per function call (default 10, or $GDKIT_TIMEOUT).",
    )
    isolation = click.option(
        "--isolation",
        type=click.Choice(ISOLATIONS),
        default="auto",
        show_default=True,
        callback=_current_name,
        help="Sandbox backend: auto picks bubblewrap where it works, else process "
        "(rlimits: the former name of process).",
    )
    return timeout(isolation(command))
