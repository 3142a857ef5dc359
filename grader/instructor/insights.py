"""``report.html``: what a class's submissions show, for the instructor.

One self-contained page (figures are PNGs drawn by matplotlib and embedded as ``data:`` URIs;
no script, and a Content-Security-Policy that forbids fetching anything), problems first:

- the submissions that need attention, each with its reason (:mod:`grader.instructor.attention`:
  not graded — the grader failed, the time limit, nothing found —, a score of 0, an exercise
  file that could not be graded or timed out);
- the score distribution;
- per exercise: pass rate (students with every check passing) and median score;
- the most common diagnosed mistakes, with their message and hint;
- the checks that fail most often *without* a diagnosis: where a new catalogue entry would
  help the most students;
- the gradebook (the rows of ``gradebook.csv``, the total first after the names).

It fits a 1280 px wide window without scrolling sideways: text wraps anywhere it must, and the
gradebook's exercise names are set upright. No temporary path is shown. Every text that came
from a student (folder names, messages) is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from html import escape

from grader.instructor.attention import Attention, needs_attention, without_temporary_paths

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; padding: 0 1em;
       max-width: 76em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; max-width: 100%; } .wide { overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
th.up { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
        padding: 0.5em 0.2em; vertical-align: bottom; text-align: left; }
#attention td:nth-child(3) { white-space: nowrap; } tr.fault td { background: #fdecea; }
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


_LONG_WORD = re.compile(r"\S{20,}")


def breakable(text: str) -> str:
    """``text`` escaped, with a line-break opportunity (``<wbr>``) in each long word, after
    ``_ / . -`` and at least every 16 characters: a long name, path or number wraps in its
    column instead of widening the page; the text itself is unchanged."""
    parts, at = [], 0
    for match in _LONG_WORD.finditer(text):
        parts.append(escape(text[at : match.start()]))
        pieces = _pieces(match.group(0))
        parts.append("<wbr>".join(escape(piece) for piece in pieces))
        at = match.end()
    parts.append(escape(text[at:]))
    return "".join(parts)


def _pieces(word: str, most: int = 16) -> list[str]:
    pieces = []
    for piece in re.split(r"(?<=[_/.\\-])", word):
        pieces += [piece[i : i + most] for i in range(0, len(piece), most)] or [""]
    return [p for p in pieces if p]


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], table_id: str,
           upright: Sequence[str] = ()) -> str:  # fmt: skip
    """A table; the header cells named in ``upright`` are set upright (narrow columns)."""

    def kind(value: object) -> str:
        return ' class="n"' if isinstance(value, int | float) else ""

    def th(name: str) -> str:
        return (
            f'<th class="up">{escape(name)}</th>' if name in upright else f"<th>{escape(name)}</th>"
        )

    head = "".join(th(h) for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{kind(v)}>{breakable(str(v))}</td>" for v in row) + "</tr>"
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
    """The whole page, as text. ``gradebook``: the rows of gradebook.csv (student, id, key, one
    column per exercise, total, max_total, reason)."""
    header, rows = gradebook[0], gradebook[1:]
    totals = {row[2]: int(row[-3]) for row in rows}  # by key
    maximum = int(rows[0][-2]) if rows else 0
    names = {e.name for e in exercises}  # the assignment's
    attention = needs_attention(outcomes, lambda o: totals.get(o.student, 0), names)
    median = statistics.median(totals.values()) if totals else 0
    title = f"Class report: {len(outcomes)} submissions"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>{title}</h1>",
        f'<p class="muted">Median total {median} of {maximum}; '
        f"{len({a.student for a in attention})} submission(s) need attention.</p>",
        *_attention_section(attention),
        *_distribution_section(list(totals.values()), maximum),
        *_exercise_section(exercise_stats(outcomes, exercises)),
        *_mistakes_section(tally),
        *_undiagnosed_section(outcomes),
        "<h2>Gradebook</h2>",
        _table(*_gradebook_view(header, rows), "gradebook", upright=[e.name for e in exercises]),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _attention_section(attention: list[Attention]) -> list[str]:
    rows = [[a.student, a.total, a.kind, a.reason] for a in attention]
    if not rows:
        return ['<h2 id="needs-attention">Needs attention</h2>',
                "<p>None: every submission was graded, none scored 0, and every exercise file "
                "could be graded.</p>"]  # fmt: skip
    return [
        f'<h2 id="needs-attention">Needs attention ({len(rows)})</h2>',
        '<p class="muted">Not graded, scored 0, or an exercise file that could not be graded '
        "(every check failed for one reason), the most serious first.</p>",
        _table(["student", "total", "what", "why"], rows, "attention"),
    ]


def _distribution_section(totals: list[int], maximum: int) -> list[str]:
    if not figures_available():
        return ["<h2>Score distribution</h2>",
                f'<p class="muted" id="no-figures">{escape(FIGURES_MISSING)}</p>']  # fmt: skip
    figure = _img(_score_figure(totals, maximum), "histogram of total scores")
    return ["<h2>Score distribution</h2>", figure]


def _exercise_section(stats: list[dict]) -> list[str]:
    figure = (
        [_img(_exercise_figure(stats), "pass rate per exercise")] if figures_available() else []
    )
    rows = [[s["exercise"], s["graded"], round(100 * s["pass_rate"], 1), s["median"], s["max"]]
            for s in stats]  # fmt: skip
    header = ["exercise", "graded", "pass rate (%)", "median score", "max score"]
    return ["<h2>Per exercise</h2>", *figure, _table(header, rows, "exercises")]


def _mistakes_section(tally: list[dict]) -> list[str]:
    rows = [[t["exercise"], t["mistake"], t["count"], t["message"], t["hint"]] for t in tally]
    header = ["exercise", "mistake", "students", "message", "hint"]
    return ["<h2>Most common diagnosed mistakes</h2>", _table(header, rows, "mistakes")]


def _undiagnosed_section(outcomes: Sequence) -> list[str]:
    rows = [[r["exercise"], r["check"], r["undiagnosed"], r["failed"], r["description"]]
            for r in undiagnosed_failures(outcomes)[:25]]  # fmt: skip
    header = ["exercise", "check", "failed without a diagnosis", "failed in all", "description"]
    return [
        "<h2>Checks failing most without a diagnosis</h2>",
        '<p class="muted">Where a new entry in the mistake catalogue would help most.</p>',
        _table(header, rows, "undiagnosed"),
    ]


def _gradebook_view(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list]]:
    """gradebook.csv's columns in the page's order: the names, the total, then the exercises
    and the reason (max_total goes in the total's heading)."""
    maximum = rows[0][-2] if rows else "0"
    shown = [*header[:3], f"total (of {maximum})", *header[3:-3], header[-1]]
    return shown, [
        [*row[:3], int(row[-3]), *(int(v) for v in row[3:-3]), without_temporary_paths(row[-1])]
        for row in rows
    ]
