"""Worked-example cards whose numbers gdref computes at build time.

Nothing here is typed in by hand: every number on these cards comes out of gdref (the optimizers'
``step``, ``descend`` traces, the parabola of ``gdref.datasets``), so a card can never disagree
with the grader. The cards belong to the week-2 deck, however it is named (:func:`computed_home`),
section "Worked examples"; each has an explicit id, so rewording a card keeps its review history
(and, GUIDs coming from the id alone, so does renaming the deck).

Figure cards (section "Figures") show PNGs from :mod:`decks.figures`; they are left out of a
``--no-figures`` build (a card that points at a missing picture would be worse than none).
gdref and NumPy are imported by the functions that compute, so building any other deck does not
pay for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from pathlib import Path
from typing import TYPE_CHECKING

from decks.parser import FieldText, SourceNote

if TYPE_CHECKING:
    import gdref

COMPUTED_DECK = "NeuralComputation::Week-02"  # the shipped week-2 source's TARGET DECK
# The personal deck of ``gdkit decks mistakes``: copies of week-2 cards, with GUIDs of their own
# (derived in this name's space), so it is never taken for a renamed week-2 deck.
MISTAKES_DECK = "NeuralComputation::Week-02-Mistakes"
ANCHOR_KEY = "id:worked-update-step-1"  # a computed card in every build (figures or not)
WORKED_SECTION = "Worked examples"
FIGURE_SECTION = "Figures"
ORIGIN = "decks/computed.py"

# (w, dL/dw, α) for the single-step cards; the first two are the lesson's own examples.
UPDATE_STEPS: tuple[tuple[float, float, float], ...] = (
    (3.0, 2.5, 0.1),
    (5.0, -3.0, 0.2),
    (-1.0, 4.0, 0.05),
    (0.5, -0.8, 0.5),
    (10.0, 12.0, 0.25),
)
PARABOLA_W0 = 6.0
PARABOLA_STEPS = 5
PARABOLA_RATES = (0.3, 1.2)
MOMENTUM = {"lr": 0.1, "beta": 0.9, "w0": 6.0}
ADAM = {"lr": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "w0": 6.0}


def computed_home(files_by_deck: dict[str, list[str]], held: Set[str], shipped: Path) -> str | None:
    """The deck the computed cards attach to, whatever its name; ``files_by_deck`` maps each
    deck of the build to its source files. The rules, in order (the first that a deck meets):

    1. the deck of the shipped week-2 source itself (``shipped``, decks/week02.md);
    2. a deck in ``held``: its previous build held the computed cards (found by the deck's name
       or, after a TARGET DECK rename, through its manifest), so a renamed copy keeps them;
    3. the deck named :data:`COMPUTED_DECK`, the name the week-2 source ships with.

    None when no deck of the build is the week-2 deck."""
    shipped = shipped.resolve()
    rules = (
        lambda deck: any(Path(p).resolve() == shipped for p in files_by_deck[deck]),
        lambda deck: deck in held,
        lambda deck: deck == COMPUTED_DECK,
    )
    for rule in rules:
        for deck in files_by_deck:
            if rule(deck):
                return deck
    return None


def fmt(x: float) -> str:
    """A number as a learner would write it: up to 8 significant digits, no float noise."""
    text = format(float(x), ".8g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return "0" if text == "-0" else text


def given(x: float) -> str:
    """A number as stated in a question: whole numbers keep one decimal (``3.0``)."""
    return f"{float(x):.1f}" if float(x).is_integer() else fmt(x)


def paren(x: float) -> str:
    """A number for the middle of a formula: negative numbers in parentheses."""
    return f"({fmt(x)})" if x < 0 else fmt(x)


def _note(key: str, front: str, back: str, section: str, media: Iterable = ()) -> SourceNote:
    return SourceNote(
        kind="basic",
        fields=(FieldText(front, 1), FieldText(back, 1)),
        section=section,
        tags=(),
        key=f"id:{key}",
        file=ORIGIN,
        line=1,
        base_dir=None,
        media=tuple(media),
    )


def sgd_step(w: float, grad: float, lr: float) -> float:
    """One plain gradient-descent step by gdref.optim.sgd."""
    import numpy as np

    from gdref import optim

    opt = optim.sgd(lr)
    new_w, _ = opt.step(np.array(w), np.array(grad), opt.init(np.array(w)))
    return float(new_w)


def update_step_cards() -> list[SourceNote]:
    cards = []
    for number, (w, grad, lr) in enumerate(UPDATE_STEPS, start=1):
        new_w = sgd_step(w, grad, lr)
        direction = (
            "The slope is positive, so downhill is to the left: $w$ decreases."
            if grad > 0
            else "The slope is negative, so downhill is to the right: $w$ increases."
        )
        front = (
            f"One gradient-descent step from $w = {given(w)}$ with "
            f"$\\frac{{dL}}{{dw}} = {given(grad)}$ and learning rate $\\alpha = {given(lr)}$: "
            "what is the new $w$?"
        )
        grad_text = f"({given(grad)})" if grad < 0 else given(grad)
        # one step of the working per line, so that the new w fits a phone's width
        back = (
            f"$$\\begin{{aligned}} w &\\leftarrow w - \\alpha \\frac{{dL}}{{dw}} \\\\ "
            f"&= {given(w)} - {given(lr)} \\times {grad_text} \\\\ "
            f"&= {fmt(new_w)} \\end{{aligned}}$$\n\n{direction}"
        )
        cards.append(_note(f"worked-update-step-{number}", front, back, WORKED_SECTION))
    return cards


def parabola_table(lr: float) -> tuple[list[float], list[float], gdref.Trace]:
    """w_k and L(w_k) for k = 0…5 on L(w) = (w − 2)² from w0 = 6, by gdref.descend."""
    import numpy as np

    import gdref
    from gdref import datasets, optim

    trace = gdref.descend(
        datasets.parabola_objective,
        np.array(PARABOLA_W0),
        optim.sgd(lr),
        max_steps=PARABOLA_STEPS,
        divergence_factor=1e12,
    )
    if trace.steps != PARABOLA_STEPS:
        raise RuntimeError(f"parabola α={lr}: expected {PARABOLA_STEPS} steps, {trace.message}")
    ws = [float(w) for w in trace.params_history]
    losses = [float(datasets.parabola_loss(w)) for w in ws]
    return ws, losses, trace


def parabola_cards() -> list[SourceNote]:
    from gdref import datasets

    cards = []
    for lr in PARABOLA_RATES:
        ws, losses, _ = parabola_table(lr)
        factor = (ws[1] - datasets.PARABOLA_MIN) / (ws[0] - datasets.PARABOLA_MIN)
        pairs = enumerate(zip(ws, losses, strict=True))
        rows = "\n".join(f"| {k} | {fmt(w)} | {fmt(loss)} |" for k, (w, loss) in pairs)
        if abs(factor) < 1:
            verdict = (
                f"The distance to the minimum $w^* = 2$ is multiplied by "
                f"$1 - 2\\alpha = {fmt(factor)}$ every step, so $w$ converges to 2 "
                "and the loss falls towards 0."
            )
        else:
            verdict = (
                f"The distance to the minimum is multiplied by $1 - 2\\alpha = {fmt(factor)}$ "
                f"every step: $w$ jumps across the minimum and $|w - 2|$ grows "
                f"{fmt(abs(factor))}× per step, so the loss explodes. The learning rate is too "
                "large; on this parabola any $\\alpha > 1$ diverges."
            )
        front = (
            f"Gradient descent on $L(w) = (w-2)^2$ from $w_0 = {fmt(PARABOLA_W0)}$ with "
            f"$\\alpha = {fmt(lr)}$: what are $w_k$ and $L(w_k)$ for the first "
            f"{PARABOLA_STEPS} steps?"
        )
        back = (
            "$$w_{k+1} = w_k - \\alpha \\cdot 2(w_k - 2)$$\n\n"
            f"| $k$ | $w_k$ | $L(w_k)$ |\n|---:|---:|---:|\n{rows}\n\n{verdict}"
        )
        key = f"worked-parabola-alpha-{fmt(lr).replace('.', '_')}"
        cards.append(_note(key, front, back, WORKED_SECTION))
    return cards


def momentum_card() -> SourceNote:
    import numpy as np

    from gdref import datasets, optim

    lr, beta, w0 = MOMENTUM["lr"], MOMENTUM["beta"], MOMENTUM["w0"]
    opt = optim.momentum(lr, beta=beta)
    w = np.array(w0)
    state = opt.init(w)
    rows = []
    for _ in range(2):
        grad = datasets.parabola_grad(w)
        new_w, state = opt.step(w, np.array(grad), state)
        rows.append((float(w), float(grad), float(state.velocity), float(new_w)))
        w = new_w
    w1_plain = sgd_step(w0, datasets.parabola_grad(w0), lr)
    plain = sgd_step(w1_plain, datasets.parabola_grad(w1_plain), lr)
    (w_0, g_0, v_1, w_1), (_, g_1, v_2, w_2) = rows
    front = (
        f"Momentum ($v \\leftarrow \\beta v + g$, $w \\leftarrow w - \\eta v$, $v_0 = 0$) on "
        f"$L(w) = (w-2)^2$ from $w_0 = {fmt(w0)}$ with $\\eta = {fmt(lr)}$ and "
        f"$\\beta = {fmt(beta)}$: what are $w_1$ and $w_2$?"
    )
    back = (
        f"Step 1: $g_0 = 2(w_0 - 2) = {fmt(g_0)}$, $v_1 = {fmt(beta)} \\times 0 + {paren(g_0)} "
        f"= {fmt(v_1)}$, $w_1 = {fmt(w_0)} - {fmt(lr)} \\times {paren(v_1)} = {fmt(w_1)}$.\n\n"
        f"Step 2: $g_1 = {fmt(g_1)}$, $v_2 = {fmt(beta)} \\times {paren(v_1)} + {paren(g_1)} "
        f"= {fmt(v_2)}$, $w_2 = {fmt(w_1)} - {fmt(lr)} \\times {paren(v_2)} = {fmt(w_2)}$.\n\n"
        f"The velocity carries the first gradient into the second step; plain gradient descent "
        f"with the same $\\eta$ would only reach $w_2 = {fmt(plain)}$."
    )
    return _note("worked-momentum-two-steps", front, back, WORKED_SECTION)


def adam_card() -> SourceNote:
    import numpy as np

    from gdref import datasets, optim

    lr, b1, b2, eps, w0 = (ADAM[k] for k in ("lr", "b1", "b2", "eps", "w0"))
    opt = optim.adam(lr, b1=b1, b2=b2, eps=eps)
    w = np.array(w0)
    grad = float(datasets.parabola_grad(w))
    new_w, state = opt.step(w, np.array(grad), opt.init(w))
    m, v, t = float(state.m), float(state.v), state.count
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    w_uncorrected = w0 - lr * m / (np.sqrt(v) + eps)
    front = (
        f"One Adam step ($\\beta_1 = {fmt(b1)}$, $\\beta_2 = {fmt(b2)}$, "
        f"$\\epsilon = 10^{{-8}}$, $\\eta = {fmt(lr)}$, $m_0 = v_0 = 0$) on $L(w) = (w-2)^2$ "
        f"from $w_0 = {fmt(w0)}$: what are $m_1$, $v_1$, $\\hat m_1$, $\\hat v_1$ and $w_1$?"
    )
    back = (
        f"$g = 2(w_0 - 2) = {fmt(grad)}$\n\n"
        f"- $m_1 = (1 - \\beta_1) g = {fmt(m)}$, $v_1 = (1 - \\beta_2) g^2 = {fmt(v)}$\n"
        f"- bias correction ($t = {t}$): $\\hat m_1 = m_1 / (1 - \\beta_1^{t}) = {fmt(m_hat)}$, "
        f"$\\hat v_1 = v_1 / (1 - \\beta_2^{t}) = {fmt(v_hat)}$\n"
        "- the step: $w_1 = w_0 - \\eta \\, \\hat m_1 / (\\sqrt{\\hat v_1} + \\epsilon)$, "
        f"so $w_1 = {fmt(float(new_w))}$"
        f"\n\nThe first step has size $\\approx \\eta$ whatever the scale of $g$. Without the "
        f"bias correction, $m_1$ and $v_1$ are pulled towards their zero start and the step "
        f"would be $\\eta\\, m_1/(\\sqrt{{v_1}} + \\epsilon)$, giving $w_1 = {fmt(w_uncorrected)}$."
    )
    return _note("worked-adam-first-step", front, back, WORKED_SECTION)


def figure_cards() -> list[SourceNote]:
    """Cards that show the figures (rendering them needs matplotlib)."""
    import numpy as np

    import gdref
    from decks.figures import TRACE_PANEL_ORDER, TRACE_RATES, all_figures

    figs = all_figures()

    def img(role: str) -> str:
        return figs[role].html()

    panels = "\n".join(
        f"- **{'ABC'[i]}**: $\\alpha = {fmt(TRACE_RATES[v])}$ — {v}"
        for i, v in enumerate(TRACE_PANEL_ORDER)
    )
    sigma_prime_0 = float(gdref.sigmoid_grad(np.array(0.0)))
    traces = _note(
        "figure-learning-rate-traces",
        "Loss traces of gradient descent on $L(w) = (w-2)^2$: which learning rate is too small, "
        f"about right, too large?\n\n{img('lr_unlabelled')}",
        f"{panels}\n\nToo small: the loss falls, but slowly and steadily. About right: a fast "
        "drop, then flat. Too large: the loss grows (or oscillates) instead of falling.\n\n"
        f"{img('lr_labelled')}",
        FIGURE_SECTION,
        media=[(figs[r].name, figs[r].data) for r in ("lr_unlabelled", "lr_labelled")],
    )
    sigmoid = _note(
        "figure-sigmoid-and-derivative",
        "What do $\\sigma(z)$ and $\\sigma'(z)$ look like, and where is $\\sigma'$ largest?",
        f"{img('sigmoid')}\n\n$\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ peaks at $z = 0$ with "
        f"$\\sigma'(0) = {fmt(sigma_prime_0)}$ and vanishes in both tails, where $\\sigma$ "
        "saturates at 0 or 1.",
        FIGURE_SECTION,
        media=[(figs["sigmoid"].name, figs["sigmoid"].data)],
    )
    trajectory = _note(
        "figure-parabola-trajectories",
        "Where do the gradient-descent iterates go on $L(w) = (w-2)^2$ from $w_0 = 6$ with "
        "$\\alpha = 0.3$ and with $\\alpha = 1.2$?",
        f"{img('parabola')}\n\nWith $\\alpha = 0.3$ they walk down one side into the minimum; "
        "with $\\alpha = 1.2$ each step overshoots to the other side, further up each time.",
        FIGURE_SECTION,
        media=[(figs["parabola"].name, figs["parabola"].data)],
    )
    return [traces, sigmoid, trajectory]


def computed_notes(*, figures: bool = True) -> list[SourceNote]:
    """All computed cards of the week-2 deck, in deck order."""
    notes = update_step_cards() + parabola_cards() + [momentum_card(), adam_card()]
    if figures:
        notes += figure_cards()
    return notes
