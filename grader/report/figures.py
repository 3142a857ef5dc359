"""The figure of a failed check's curves: the learner's against the reference's, step by step,
with the first step where they part marked — drawn by matplotlib as a PNG, for the HTML
report (``grade --html``) and the notebook's ``check()``.

matplotlib is imported only when a figure is drawn, through its object-oriented interface
(``Figure`` and the Agg canvas: no pyplot, so a notebook's own plotting backend is left as it
is). Without matplotlib, :func:`unavailable` says so in one sentence, and :func:`describe`
still says in words where the curves part.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from grader.report.curves import Curve, Series
from grader.report.results import CheckResult

UNAVAILABLE = (
    "The figures of your curves need matplotlib, which is not installed here "
    "(pip install matplotlib, then grade again)."
)
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
TITLE_LIMIT = 70  # characters of a figure's title (what was computed)
WIDE = 1_000  # a learner's values this many times wider than the reference's: symlog axis
REACH = 1e100  # values beyond ±REACH are drawn at it (matplotlib's axes overflow near 1e308)
NOT_DRAWN = "(The figure could not be drawn: {}.)"


def unavailable() -> str | None:
    """One sentence when figures cannot be drawn here (no matplotlib), else None."""
    try:
        import matplotlib  # noqa: F401 - imported to see that it can be
    except ImportError:
        return UNAVAILABLE
    return None


def _number(value: float | None) -> str:
    return "not a finite number" if value is None else f"{value:.6g}"


def describe(curve: Curve) -> str:
    """In words: where the learner's curve parts from the reference's (also the figure's
    alternative text)."""
    parted, label = curve.parted, curve.label
    common = min(curve.steps, curve.expected_steps)
    if parted is None:
        text = f"Your {label} and the reference's agree."
    elif parted < common and len(curve.series) == 1:
        (series,) = curve.series
        text = (
            f"Your {label} and the reference's part at step {parted}: {label}[{parted}] is "
            f"{_number(_at(series.got, parted))}, the reference's "
            f"{_number(_at(series.expected, parted))}."
        )
    elif parted < common:
        text = f"Your {label} and the reference's part at step {parted}."
    else:
        text = (
            f"Your {label} has {curve.steps} steps, the reference's {curve.expected_steps}; "
            f"they agree on the first {parted}."
        )
    gaps = [g for g in (s.first_gap() for s in curve.series) if g is not None]
    if gaps:
        text += f" From step {min(gaps)} on, yours is not a finite number (nan or inf)."
    if curve.steps > curve.shown_steps:
        text += f" The first {curve.shown_steps} of your {curve.steps} steps are drawn."
    return text


def _at(values: Sequence[float | None], step: int) -> float | None:
    return values[step] if step < len(values) else None


def to_draw(checks: Sequence[CheckResult]) -> list[CheckResult]:
    """The failed checks of one exercise whose curves get a figure: the first with curves for
    each mistake named (and the first with none named). A later check that shows the same
    mistake is said in words only: its figure would show the same thing again, and each figure
    costs ~0.1 s of CPU (benchmarks/bench_html.py)."""
    drawn, seen = [], set()
    for check in checks:
        if check.curves and not check.passed and check.diagnosis not in seen:
            seen.add(check.diagnosis)
            drawn.append(check)
    return drawn


def figure_or_words(curves: Sequence[Curve]) -> tuple[bytes | None, str]:
    """(the PNG of :func:`figure_png`, or None, and what says why there is none): a learner's
    values that matplotlib cannot draw cost that figure only, never the report."""
    try:
        return figure_png(curves), ""
    except Exception as error:  # noqa: BLE001 - matplotlib's failure on hostile values
        return None, NOT_DRAWN.format(f"{type(error).__name__}")


def figure_png(curves: Sequence[Curve]) -> bytes:
    """One PNG of a check's curves, side by side (ImportError without matplotlib); NumPy's
    and matplotlib's warnings about extreme values are not passed on."""
    import warnings

    import numpy as np

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _png(curves)


def _png(curves: Sequence[Curve]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.6 * len(curves) + 1.4, 3.4), dpi=100)
    FigureCanvasAgg(figure)
    for index, curve in enumerate(curves):
        draw(figure.add_subplot(1, len(curves), index + 1), curve)
    figure.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.86, wspace=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def draw(axes, curve: Curve) -> None:
    """The curve on matplotlib ``axes``: the reference dashed, the learner's solid with
    markers (one colour per series), and the first step where they part marked (gid
    ``parted``)."""
    for index, series in enumerate(curve.series):
        colour = COLOURS[index % len(COLOURS)]
        _line(axes, series.expected, "--", colour, f"reference {series.name}", f"reference-{index}")
        _line(axes, series.got, "-", colour, f"yours {series.name}", f"yours-{index}", marker="o")
    if curve.parted is not None:
        _mark(axes, curve)
    scale = _scale(curve.series)
    if scale == "symlog":
        axes.set_yscale("symlog", linthresh=_reach([v for s in curve.series for v in s.expected]))
    elif scale:
        axes.set_yscale(scale)
    # few ticks, and the title where it is put: matplotlib's layout of tick labels (to place
    # an automatic title above them) is most of a figure's cost
    axes.xaxis.get_major_locator().set_params(integer=True, nbins=6)
    if scale is None:
        axes.yaxis.get_major_locator().set_params(nbins=5)
    axes.set_title(_plain(_shortened(curve.what)), fontsize=9, y=1.01)
    axes.set_xlabel(_plain(f"step (index in {curve.label})"), fontsize=9)
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=7, loc="best" if curve.shown_steps < 300 else "upper right")


def _line(axes, values, style, colour, label, gid, marker=None) -> None:
    ys = [math.nan if v is None else min(max(v, -REACH), REACH) for v in values]
    axes.plot(
        range(len(ys)),
        ys,
        linestyle=style,
        color=colour,
        marker=marker,
        markersize=3,
        linewidth=1.4,
        label=_plain(label),
        gid=gid,
    )


def _mark(axes, curve: Curve) -> None:
    """The first step where the curves part: a dotted line, a ring on each learner's value
    there, and the words (left of the line when it is in the right half)."""
    parted = curve.parted
    axes.axvline(parted, color="#444444", linewidth=1, linestyle=":", gid="parted")
    for index, series in enumerate(curve.series):
        value = _at(series.got, parted)
        if value is not None:
            value = min(max(value, -REACH), REACH)
            colour = COLOURS[index % len(COLOURS)]
            axes.plot([parted], [value], "o", markersize=9, markerfacecolor="none", color=colour)
    right_half = parted > 0.5 * max(curve.shown_steps, curve.expected_steps)
    axes.annotate(
        f"they part at step {parted}",
        xy=(parted, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-3 if right_half else 3, -12),
        textcoords="offset points",
        horizontalalignment="right" if right_half else "left",
        fontsize=8,
        color="#444444",
    )


def _reach(values: Sequence[float | None]) -> float:
    finite = [min(abs(v), REACH) for v in values if v is not None]
    return max(max(finite, default=1.0), 1e-12)


def _scale(series: Sequence[Series]) -> str | None:
    """A logarithmic axis when the learner's values reach far beyond the reference's (a
    diverging run): "log" when every value is positive, else "symlog"; None: linear."""
    reference = [v for s in series for v in s.expected if v is not None]
    learner = [v for s in series for v in s.got if v is not None]
    if not reference or not learner or _reach(learner) <= WIDE * _reach(reference):
        return None
    return "log" if min(reference + learner) > 0 else "symlog"


def _shortened(text: str) -> str:
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"


def _plain(text: str) -> str:
    """Text matplotlib shows as it is (a ``$`` would start its mathtext)."""
    return text.replace("$", r"\$")
