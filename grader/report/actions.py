"""What a report tells the learner to do next, in the form that works where it is shown: a
command in their shell (the way ``grade`` was run), a call in their notebook, or a save under
``grade --watch``. The text report fills these phrases in; each door passes its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actions:
    """Phrases with ``{name}`` for the exercise; "" where a door has no such action."""

    check_it: str  # after "Next: start FILE, then "
    check_again: str  # after "Next: fix FILE and "
    check_other: str  # grade another exercise, after "Next in the course: …: "
    check_all: str  # grade every exercise
    on_save: str  # re-grading on every save, offered beside check_it
    hint: str
    solution: str

    def fill(self, phrase: str, name: str) -> str:
        return getattr(self, phrase).format(name=name)


def command_line(command: str) -> Actions:
    """``command``: the words that run ``grade`` in the learner's shell."""
    return Actions(
        check_it=f"run `{command} -e {{name}}`",
        check_again=f"run `{command} -e {{name}}` again",
        check_other=f"`{command} -e {{name}}`",
        check_all=f"`{command}` grades them all",
        on_save=f"`{command} --watch`",
        hint=f"`{command} --hint {{name}}`",
        solution=f"`{command} --solution {{name}}`",
    )


def watching(command: str, keys: bool = False) -> Actions:
    """Under ``grade --watch``: a save grades the file again; with ``keys`` (watch reads the
    terminal's keys: grader/keys.py) a hint is a key press away, else the command's in another
    terminal; solutions are the command's (``command`` as for :func:`command_line`)."""
    return Actions(
        check_it="save it: it is graded again at once",
        check_again="save it: it is graded again at once",
        check_other="start it and save it",
        check_all="",
        on_save="",
        hint="press h" if keys else f"`{command} --hint {{name}}` in another terminal",
        solution=f"`{command} --solution {{name}}` in another terminal",
    )


NOTEBOOK = Actions(
    check_it='save the notebook and run `check("{name}")`',
    check_again='save the notebook and run `check("{name}")` again',
    check_other='`check("{name}")` in its notebook',
    check_all="",
    on_save="",
    hint='`from grader import hint; hint("{name}")`',
    solution="`grade --solution {name}` in a terminal",
)
