"""``report.html``: what a class's submissions show, for the instructor.

One self-contained page (figures are PNGs drawn by matplotlib and embedded as ``data:`` URIs;
no script, and a Content-Security-Policy that forbids fetching anything):

- the score distribution;
- per exercise: pass rate (students with every check passing) and median score;
- the most common diagnosed mistakes, with their message and hint;
- the checks that fail most often *without* a diagnosis: where a new catalogue entry would
  help the most students;
- the gradebook itself (the same rows as ``gradebook.csv``) and the submissions that could not
  be graded.

Every text that came from a student (folder names, messages) is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from collections.abc import Sequence
from html import escape

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } .wide { overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; } .muted { color: #666; }
"""


FIGURES_MISSING = (
    "The figures are left out: matplotlib is not installed (the instructor extra has it: "
    "pip install 'gdkit[instructor]'). The tables below hold the same numbers."
)


def figures_available() -> bool:
    """Can the figures be drawn (is matplotlib installed)? Else the page says so, once."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure_png(draw) -> str:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 3.2), dpi=100)
    draw(axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(png: str, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{png}">'


def exercise_stats(outcomes: Sequence, exercises: Sequence) -> list[dict]:
    """Per exercise: students graded, pass rate, median score, max score."""
    stats = []
    for exercise in exercises:
        scores, passed, maximum = [], 0, 0
        for outcome in outcomes:
            for entry in (outcome.report or {}).get("exercises", []):
                if entry["name"] == exercise.name:
                    scores.append(entry["score"])
                    passed += entry["status"] == "done"
                    maximum = entry["max_score"]
        graded = len(scores)
        stats.append(
            {
                "exercise": exercise.name,
                "graded": graded,
                "pass_rate": passed / graded if graded else 0.0,
                "median": statistics.median(scores) if scores else 0,
                "max": maximum,
            }
        )
    return stats


def undiagnosed_failures(outcomes: Sequence) -> list[dict]:
    """Checks that failed with no mistake named, most frequent first."""
    counts: Counter = Counter()
    failing: Counter = Counter()
    descriptions = {}
    for outcome in outcomes:
        for entry in (outcome.report or {}).get("exercises", []):
            for check in entry["checks"]:
                if check["status"] != "failed":
                    continue
                key = (entry["name"], check["name"])
                descriptions[key] = check["description"]
                failing[key] += 1
                if not check.get("diagnosis"):
                    counts[key] += 1
    rows = [
        {
            "exercise": key[0],
            "check": key[1],
            "description": descriptions[key],
            "undiagnosed": count,
            "failed": failing[key],
        }
        for key, count in counts.items()
    ]
    rows.sort(key=lambda r: (-r["undiagnosed"], r["exercise"], r["check"]))
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], table_id: str) -> str:
    def kind(value: object) -> str:
        return ' class="n"' if isinstance(value, int | float) else ""

    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{kind(v)}>{escape(str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="wide"><table id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _score_figure(totals: list[int], maximum: int) -> str:
    def draw(axes):
        bins = min(20, max(1, maximum)) if maximum else 10
        axes.hist(totals, bins=bins, range=(0, max(maximum, 1)), color="#4c72b0")
        axes.set_xlabel(f"total score (of {maximum})")
        axes.set_ylabel("students")
        axes.set_title("Score distribution")

    return _figure_png(draw)


def _exercise_figure(stats: list[dict]) -> str:
    def draw(axes):
        names = [s["exercise"] for s in stats]
        axes.bar(names, [100 * s["pass_rate"] for s in stats], color="#55a868")
        axes.set_ylabel("pass rate (%)")
        axes.set_ylim(0, 100)
        axes.set_title("Students passing every check, per exercise")
        axes.tick_params(axis="x", labelrotation=45)
        for label in axes.get_xticklabels():
            label.set_horizontalalignment("right")

    return _figure_png(draw)


def render_report(outcomes: Sequence, exercises: Sequence, gradebook: list[list[str]],
                  tally: list[dict]) -> str:  # fmt: skip
    """The whole page, as text."""
    stats = exercise_stats(outcomes, exercises)
    totals = [int(row[-3]) for row in gradebook[1:]]
    maximum = int(gradebook[1][-2]) if len(gradebook) > 1 else 0
    problems = [(o.shown, o.problem) for o in outcomes if o.problem]
    figures = figures_available()
    missing = f'<p class="muted" id="no-figures">{escape(FIGURES_MISSING)}</p>'
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Class report: {len(outcomes)} submissions</title><style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>Class report: {len(outcomes)} submissions</h1>",
        f'<p class="muted">Median total {statistics.median(totals) if totals else 0} of '
        f"{maximum}; {len(problems)} submission(s) could not be graded fully.</p>",
        "<h2>Score distribution</h2>",
        _img(_score_figure(totals, maximum), "histogram of total scores") if figures else missing,
        "<h2>Per exercise</h2>",
        _img(_exercise_figure(stats), "pass rate per exercise") if figures else "",
        _table(
            ["exercise", "graded", "pass rate (%)", "median score", "max score"],
            [
                [s["exercise"], s["graded"], round(100 * s["pass_rate"], 1), s["median"], s["max"]]
                for s in stats
            ],
            "exercises",
        ),
        "<h2>Most common diagnosed mistakes</h2>",
        _table(
            ["exercise", "mistake", "students", "message", "hint"],
            [[t["exercise"], t["mistake"], t["count"], t["message"], t["hint"]] for t in tally],
            "mistakes",
        ),
        "<h2>Checks failing most without a diagnosis</h2>",
        '<p class="muted">Where a new entry in the mistake catalogue would help most.</p>',
        _table(
            ["exercise", "check", "failed without a diagnosis", "failed in all", "description"],
            [
                [r["exercise"], r["check"], r["undiagnosed"], r["failed"], r["description"]]
                for r in undiagnosed_failures(outcomes)[:25]
            ],
            "undiagnosed",
        ),
        "<h2>Gradebook</h2>",
        _table(gradebook[0], [_numbers(row) for row in gradebook[1:]], "gradebook"),
    ]
    if problems:
        parts += ["<h2>Not graded fully</h2>", _table(["student", "why"], problems, "problems")]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _numbers(row: list[str]) -> list[object]:
    """student, id, key, the scores (numbers), reason."""
    return [*row[:3], *(int(v) for v in row[3:-1]), row[-1]]
