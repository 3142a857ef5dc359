"""Render a :class:`grader.report.results.Report` in one of the registered formats.

    text = render(report, "junit")

The formats live in grader/report/renderers/, one module each:

- ``text``        one line per exercise (a failing one with its reason), every failing check
                  of the current exercise (the first few in full, with diagnosis and hint),
                  progress and the next step.
- ``json``        everything, for tools.
- ``gradescope``  Gradescope's results.json (grader/report/schemas/gradescope-results.schema.json).
                  Hidden checks get visibility "after_due_date".
- ``junit``       JUnit XML, one <testsuite> per exercise (grader/report/schemas/junit-10.xsd).
- ``prairielearn`` PrairieLearn's external-grader results.json (``gradable``, ``score`` 0..1,
                  ``message``, ``tests`` with ``points`` / ``max_points``).
- ``html``        one self-contained page for a browser, with a figure of each failed check's
                  curves (the learner's against the reference's; ``grade --html FILE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.report.actions import Actions
from grader.report.renderers import RENDERERS
from grader.report.renderers.gradescope import to_gradescope
from grader.report.renderers.json_report import to_json
from grader.report.renderers.text import describe_failure, render_text
from grader.report.results import Report

FORMATS = tuple(RENDERERS)

__all__ = ["FORMATS", "describe_failure", "render", "render_text", "schema_path"]
__all__ += ["to_gradescope", "to_json"]


def render(
    report: Report,
    fmt: str,
    colour: bool = False,
    *,
    verbose: bool = False,
    actions: Actions | None = None,
    focus: str | None = None,
    rows: int | None = None,
    details: Sequence[str] | None = None,
) -> str:
    """The whole report in the format ``fmt`` (one of FORMATS); colour and ``verbose`` (the
    isolation's note and the hidden checks not run, which every other format always carries)
    apply to text only, as do ``actions`` (what the next step says to do: grader.report.actions;
    default the command line, as ``grade`` was run), ``focus`` (the exercise whose details are
    shown), ``rows`` (the rows to fit) and ``details`` (lines in place of those details): see
    render_text."""
    if fmt == "text":
        return render_text(
            report,
            colour,
            verbose=verbose,
            actions=actions,
            focus=focus,
            rows=rows,
            details=details,
        )
    try:
        chosen = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    return chosen.render(report, colour)


def schema_path(name: str) -> Path:
    return Path(__file__).resolve().parent / "schemas" / name
