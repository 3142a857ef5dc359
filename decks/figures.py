"""Figures for the week-2 deck, drawn with matplotlib from numbers computed by gdref.

Every figure is rendered off-screen (the Agg canvas, no pyplot state) at a fixed size and dpi,
with PNG metadata stripped of the "Software" entry (which carries the matplotlib version), so the
same code and library versions give byte-identical files. A media file is named after its
content hash (``gdkit-<name>-<hash>.png``): a figure that changes gets a new name, so its note
counts as changed and Anki never confuses the old picture with the new one.

matplotlib is imported only when figures are drawn (``--no-figures`` never imports it).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np

import gdref
from gdref import datasets, optim

# Phone first: every figure is drawn WIDTH_IN inches wide, the width of a card on a phone, with
# its panels stacked vertically, so a 380 px screen (about 340 px for the picture) shows it at
# about half its pixel size and the smallest text (MIN_FONT_PT, the tick labels) still measures
# MIN_FONT_PT / 72 * DPI * 340 / (WIDTH_IN * DPI) ≈ 11.8 CSS px. The stylesheet caps its width on
# a desktop (decks/notetypes.py, figure_max_width). DPI 200 keeps it sharp on 2x and 3x screens.
DPI = 200
WIDTH_IN = 3.6
MIN_FONT_PT = 9.0
FONT_SIZES = {
    "font.size": 10.0,
    "axes.titlesize": 10.5,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
}
PANEL_HEIGHT_IN = 2.1  # one panel of a stacked figure, title and x label included

# Learning rates for the trace plots, on L(w) = (w − 2)² from w0 = 6. The distance to the
# minimum is multiplied by |1 − 2α| per step: 0.96 (crawls), 0.4 (fast), 1.1 (grows).
TRACE_W0 = 6.0
TRACE_STEPS = 25
TRACE_RATES = {"too small": 0.02, "about right": 0.3, "too large": 1.05}
# Panel order on the unlabelled front of the "which learning rate?" card.
TRACE_PANEL_ORDER = ("about right", "too large", "too small")


@dataclass(frozen=True)
class Figure:
    """A rendered figure: media file name, PNG bytes, and a short description (alt text)."""

    name: str
    data: bytes
    alt: str

    def html(self) -> str:
        """The ``<img>`` tag of a card (class ``gd-figure``: full width on a phone)."""
        return f'<img src="{self.name}" class="gd-figure" alt="{self.alt}">'


def parabola_trace(lr: float, steps: int, w0: float = TRACE_W0) -> gdref.Trace:
    """Plain gradient descent on the parabola, by gdref.descend (loss before each update)."""
    return gdref.descend(
        datasets.parabola_objective,
        np.array(w0),
        optim.sgd(lr),
        max_steps=steps,
        divergence_factor=1e12,
    )


def _pin_ticks(fig) -> None:
    """Fix every axis's ticks to those its automatic locator places inside the view, so that
    drawing makes no tick objects for the ones just outside it (a third of the drawing time)."""
    for ax in fig.axes:
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = min(low, high), max(low, high)
            axis.set_ticks([t for t in axis.get_majorticklocs() if low <= t <= high])


def _png(fig: object, stem: str, alt: str) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    _pin_ticks(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:10]
    return Figure(f"gdkit-{stem}-{digest}.png", data, alt)


# Margins and the gap between stacked panels, in inches (room for tick labels, axis labels and
# the next panel's title).
MARGIN_IN = {"left": 0.78, "right": 0.14, "bottom": 0.48, "top": 0.3}
PANEL_GAP_IN = 0.78


def _new_figure(panels: int, height_in: float | None = None):
    """A WIDTH_IN-wide figure for ``panels`` panels stacked vertically, with fixed margins
    (not a layout engine: cheaper, and the same picture whatever the fonts measure)."""
    import matplotlib

    matplotlib.rcParams.update({"font.family": "DejaVu Sans", **FONT_SIZES})
    from matplotlib.figure import Figure as MplFigure

    height = height_in if height_in is not None else PANEL_HEIGHT_IN * panels
    fig = MplFigure(figsize=(WIDTH_IN, height))
    axes_height = height - MARGIN_IN["bottom"] - MARGIN_IN["top"] - PANEL_GAP_IN * (panels - 1)
    fig.subplots_adjust(
        left=MARGIN_IN["left"] / WIDTH_IN,
        right=1 - MARGIN_IN["right"] / WIDTH_IN,
        bottom=MARGIN_IN["bottom"] / height,
        top=1 - MARGIN_IN["top"] / height,
        hspace=PANEL_GAP_IN / (axes_height / panels),
    )
    return fig


def learning_rate_traces(labelled: bool) -> Figure:
    """Loss per step for a learning rate that is too small, about right and too large."""
    fig = _new_figure(3)
    axes = fig.subplots(3, 1)
    for index, (ax, verdict) in enumerate(zip(axes, TRACE_PANEL_ORDER, strict=True)):
        lr = TRACE_RATES[verdict]
        losses = parabola_trace(lr, TRACE_STEPS).losses
        ax.plot(range(len(losses)), losses, marker="o", markersize=3, color="#1f77b4")
        panel = "ABC"[index]
        ax.set_title(f"{panel}: α = {lr:g} ({verdict})" if labelled else panel, y=1.0)
        ax.set_xlabel("step k")
        ax.set_ylabel("loss L(w_k)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    kind = "labelled" if labelled else "unlabelled"
    alt = "Loss traces of gradient descent on L(w) = (w-2)^2 for three learning rates"
    return _png(fig, f"lr-traces-{kind}", alt)


def sigmoid_and_derivative() -> Figure:
    """σ(z) and σ'(z) = σ(z)(1 − σ(z)) on one plot."""
    z = np.linspace(-8.0, 8.0, 401)
    fig = _new_figure(1, height_in=2.8)
    ax = fig.subplots()
    ax.plot(z, gdref.sigmoid(z), label="σ(z)", color="#1f77b4")
    ax.plot(z, gdref.sigmoid_grad(z), label="σ'(z) = σ(z)(1 − σ(z))", color="#d62728")
    ax.axhline(float(gdref.sigmoid_grad(np.array(0.0))), color="grey", lw=0.8, ls="--")
    ax.set_xlabel("z")
    ax.set_ylim(-0.05, 1.3)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _png(fig, "sigmoid", "The sigmoid function and its derivative")


def parabola_trajectories() -> Figure:
    """The iterates of α = 0.3 (converging) and α = 1.2 (diverging) drawn on L(w) = (w − 2)²."""
    fig = _new_figure(2)
    axes = fig.subplots(2, 1)
    for ax, lr, span in zip(axes, (0.3, 1.2), ((-1.0, 7.0), (-22.0, 20.0)), strict=True):
        trace = parabola_trace(lr, 5)
        ws = np.array([float(w) for w in trace.params_history])
        grid = np.linspace(*span, 400)
        ax.plot(grid, datasets.parabola_loss(grid), color="grey", lw=1)
        ax.plot(ws, datasets.parabola_loss(ws), marker="o", color="#d62728", lw=1)
        last_labelled = None
        for k, w in enumerate(ws):
            if last_labelled is not None and abs(w - last_labelled) < 0.6:
                continue  # too close to the previous label to be readable
            last_labelled = w
            ax.annotate(
                f"w{k}",
                (w, float(datasets.parabola_loss(w))),
                fontsize=MIN_FONT_PT,
                textcoords="offset points",
                xytext=(4, 4),
            )
        ax.set_title(f"α = {lr:g}, w0 = 6", y=1.0)
        ax.set_xlabel("w")
        ax.set_ylabel("L(w) = (w − 2)²")
        ax.grid(alpha=0.3)
    return _png(fig, "parabola-trajectories", "Gradient-descent iterates on the parabola")


def all_figures() -> dict[str, Figure]:
    """Every figure of the week-2 deck, by role."""
    return {
        "lr_unlabelled": learning_rate_traces(labelled=False),
        "lr_labelled": learning_rate_traces(labelled=True),
        "sigmoid": sigmoid_and_derivative(),
        "parabola": parabola_trajectories(),
    }
