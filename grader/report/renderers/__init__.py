"""The report formats: one small module per format, each with one ``render_*`` function, and
the registry that names them.

    from grader.report.renderers import RENDERERS
    text = RENDERERS["json"].render(report, False)

A renderer receives a :class:`grader.report.results.Report` whose text is already safe to show
(grader.report.results sanitises learner text where it enters the model); it adds only its own
format's escaping. A new format is one module here and one line in ``RENDERERS``;
``grade --format`` offers it from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grader.report.renderers.gradescope import render_gradescope
from grader.report.renderers.json_report import render_json
from grader.report.renderers.prairielearn import render_prairielearn
from grader.report.renderers.text import render_text
from grader.report.results import Report


def _render_junit(report: Report, colour: bool) -> str:
    """JUnit XML, imported only when asked for (ElementTree and its character check cost
    ~5 ms of every run's start-up)."""
    from grader.report.renderers.junit import render_junit

    return render_junit(report, colour)


def _render_html(report: Report, colour: bool) -> str:
    """The HTML page, imported only when asked for (it draws figures with matplotlib)."""
    from grader.report.renderers.html import render_html

    return render_html(report, colour)


@dataclass(frozen=True)
class Renderer:
    name: str  # what `grade --format` takes
    description: str  # one line, for the documentation
    render: Callable[[Report, bool], str]  # (report, colour) -> the whole document


# in the order `grade --help` lists them
RENDERERS: dict[str, Renderer] = {
    renderer.name: renderer
    for renderer in (
        Renderer("text", "for a person at a terminal (the default)", render_text),
        Renderer("json", "everything, for tools", render_json),
        Renderer("gradescope", "Gradescope's results.json", render_gradescope),
        Renderer("junit", "JUnit XML, for CI systems", _render_junit),
        Renderer("prairielearn", "PrairieLearn's external-grader results", render_prairielearn),
        Renderer("html", "one page for a browser, with figures of the curves", _render_html),
    )
}
