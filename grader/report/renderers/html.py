"""The HTML report (``grade --html REPORT.html``, ``--format html``): one self-contained page
a learner opens in a browser, with the figure of every failed check about a trajectory or a
loss curve — the learner's curve against the reference's, the first step where they part
marked (grader/report/figures.py).

Self-contained: figures are PNGs embedded as ``data:`` URIs, there is no script, and a
Content-Security-Policy forbids fetching anything. Every text is HTML-escaped here (the report
model has already cleaned it of control characters). Without matplotlib the page is written
all the same, with one sentence where the figures would be, and each curve said in words.
"""

from __future__ import annotations

import base64
from html import escape

from grader.report import figures
from grader.report.results import CheckResult, ExerciseResult, ExerciseStatus, Report

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 62em;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin: 1.2em 0 0.3em; }
.status { font-weight: normal; font-size: 0.8em; padding: 0.1em 0.5em; border-radius: 0.3em; }
.done { background: #dff0d8; } .failing, .error { background: #f8d7da; }
.not-started, .missing { background: #fff3cd; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; white-space: pre-wrap; }
figure { margin: 0.6em 0; } img { max-width: 100%; height: auto; }
figcaption, .muted { color: #555; } ul.passed { color: #555; }
"""


def render_html(report: Report, colour: bool = False) -> str:
    """The whole page, as text (``colour`` is for terminals and is not used)."""
    missing = figures.unavailable() if _has_curves(report) else None
    title = f"gdkit report: {report.score}/{report.max_score} points"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>{escape(title)}</h1>",
        _summary(report),
    ]
    if missing:
        parts.append(f'<p class="muted" id="no-figures">{escape(missing)}</p>')
    parts += [_exercise(result, missing) for result in report.exercises]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _has_curves(report: Report) -> bool:
    return any(check.curves for e in report.exercises for check in e.checks)


def _summary(report: Report) -> str:
    hidden = ""
    if report.hidden_not_run:
        hidden = f"; {report.hidden_not_run} hidden checks not run"
    lines = [
        f"{escape(report.submission)}: {report.done} of {len(report.exercises)} exercises "
        f"done{hidden}.",
        f"Isolation: {escape(report.isolation)}. {escape(report.note)}",
        *(escape(note) for note in report.notes),
    ]
    return "".join(f'<p class="muted">{line}</p>' for line in lines)


def _exercise(result: ExerciseResult, missing: str | None) -> str:
    exercise, status = result.exercise, result.status
    css = str(status).replace(" ", "-")
    parts = [
        f'<section id="exercise-{escape(exercise.name)}">',
        f"<h2>{exercise.order}. {escape(exercise.title)} "
        f'<span class="status {css}">{escape(str(status))}</span></h2>',
        f'<p class="muted">{escape(result.file)} · {result.score}/{result.max_score} points</p>',
        *(f'<p class="muted">note: {escape(note)}</p>' for note in result.notes),
    ]
    if status not in (ExerciseStatus.NOT_STARTED, ExerciseStatus.MISSING):
        drawn = {check.name for check in figures.to_draw(result.failures)}
        parts += [_failure(check, missing, check.name in drawn) for check in result.failures]
    elif result.failures:
        parts.append(f"<p>{escape(result.failures[0].summary)}</p>")
    passed = [check for check in result.checks if check.passed]
    if passed:
        items = "".join(f"<li>{escape(check.description)}</li>" for check in passed)
        parts.append(f'<p>Passed:</p><ul class="passed">{items}</ul>')
    parts.append("</section>")
    return "\n".join(parts)


def _failure(check: CheckResult, missing: str | None, drawn: bool) -> str:
    """One failing check in full; its curves as a figure when ``drawn`` (the first check of
    its exercise that shows its mistake: figures.to_draw) and matplotlib is there."""
    parts = [
        f'<article class="check" id="check-{escape(check.exercise)}-{escape(check.name)}">',
        f"<h3>{escape(check.description)} ({check.points} points)</h3>",
        f"<p>{escape(check.message)}</p>" if check.message else "",
        f"<pre>{escape(check.details)}</pre>" if check.details else "",
    ]
    if check.diagnosis_message:
        parts.append(f"<p><strong>Likely mistake:</strong> {escape(check.diagnosis_message)}</p>")
    if check.hint:
        parts.append(f"<p><strong>Hint:</strong> {escape(check.hint)}</p>")
    if check.output.strip():
        parts.append(f"<p>Your code printed:</p><pre>{escape(check.output.strip())}</pre>")
    if check.curves:
        parts.append(_figure(check, drawn and not missing))
    parts.append("</article>")
    return "\n".join(part for part in parts if part)


def _figure(check: CheckResult, draw: bool) -> str:
    """The check's curves: a figure when ``draw``, and in words always."""
    words = " ".join(figures.describe(curve) for curve in check.curves)
    caption = f"<figcaption>{escape(words)}</figcaption>"
    png, why = figures.figure_or_words(check.curves) if draw else (None, "")
    if png is None:
        caption = f"<figcaption>{escape(' '.join(filter(None, (words, why))))}</figcaption>"
        return f'<figure class="curves">{caption}</figure>'
    data = base64.b64encode(png).decode("ascii")
    image = f'<img alt="{escape(words)}" src="data:image/png;base64,{data}">'
    return f'<figure class="curves">{image}{caption}</figure>'
