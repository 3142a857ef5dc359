"""The report formats: one small module per format, each registering one renderer.

    from grader.renderers import RENDERERS
    text = RENDERERS["json"].render(report, colour=False)

A renderer receives a :class:`grader.results.Report` whose text is already safe to show
(grader.results sanitises learner text where it enters the model); it adds only its own
format's escaping. A new format is one module here with one ``@renderer(...)`` function,
imported at the bottom of this file; ``grade --format`` offers it from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grader.results import Report

RenderFunction = Callable[[Report, bool], str]


@dataclass(frozen=True)
class Renderer:
    name: str  # what `grade --format` takes
    description: str  # one line, for the documentation
    render: RenderFunction  # (report, colour) -> the whole document


RENDERERS: dict[str, Renderer] = {}


def renderer(name: str, description: str) -> Callable[[RenderFunction], RenderFunction]:
    """Register the decorated ``(report, colour) -> str`` function as the format ``name``."""

    def register(function: RenderFunction) -> RenderFunction:
        if name in RENDERERS:
            raise ValueError(f"two renderers for the format {name!r}")
        RENDERERS[name] = Renderer(name, description, function)
        return function

    return register


# the formats, in the order `grade --help` lists them
from grader.renderers import text, json_report, gradescope, junit  # noqa: E402, F401, I001
