"""Every card of the week-2 deck in a real headless Chromium, as Anki's reviewer shows it.

(And the worked cards of the personal mistakes deck, ``gdkit decks mistakes``, and a learner's
deck of things too wide for a phone, ``LEARNER_NOTES``.)

The deck is built, imported into a real Anki collection, and each card's question and answer
(``card.question()`` / ``card.answer()``: the real templates and CSS) are put into a page built
like Anki's reviewer: Anki's own webview.css and reviewer.css, Anki's MathJax 3 configuration and
bundle (from the ``aqt`` wheel, see anki_web.py), the card in ``<div id="qa">`` and typeset the
way the reviewer does it (``MathJax.typesetClear(); MathJax.typesetPromise([qa])``), media served
from the same local server. Each side is measured at 380 px (a phone, mobile emulation) and
900 px, in day and night mode (Anki's body classes ``nightMode night_mode``).

Nothing of the week-2 deck may need a sideways scroll, at any width: every element whose
content is wider than its box (``scrollWidth`` > ``clientWidth``: a formula's box, a table's,
a code block, a paragraph with a formula sticking out) is found. What a learner writes too wide
for a phone must scroll in its own box, with the shadow cue that shows it scrolls.

Legibility of a figure is judged by its smallest text: figures are drawn ``WIDTH_IN`` inches
wide at ``DPI`` with tick labels of ``MIN_FONT_PT`` points, so on screen that text measures
``MIN_FONT_PT / 72 * DPI * shown_width / natural_width`` CSS px; it must be at least
``MIN_TEXT_PX``.

Screenshots of every computed card and of a few others are kept for a person to look at, in the
folder printed at the end of the run (``$GDKIT_TEST_ARTEFACTS`` if set, else tmp/artefacts/cards
at the top of the checkout).
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki_web import ROOT, assets_dir, is_complete
from browser import Browser, chromium_path
from deck_helpers import FIXED_TIME, import_apkg, new_collection

from decks import figures
from decks.build import build
from decks.computed import COMPUTED_DECK, computed_notes
from decks.identity import note_guid
from decks.mistake_examples import EXAMPLES
from decks.mistakes import MISTAKES_DECK, plan_mistakes
from decks.notetypes import css

pytestmark = pytest.mark.slow

MIN_TEXT_PX = 11.0
VIEWS = (
    ("phone-day", 380, False),
    ("phone-night", 380, True),
    ("desktop-day", 900, False),
    ("desktop-night", 900, True),
)

LEARNER_DECK = "Learner::Too-wide"
WIDE_TEX = " + ".join(f"a_{{{i}}} b_{{{i}}} c_{{{i}}}" for i in range(1, 13))  # ~700 px
# A learner's notes with what cannot fit a phone: each must scroll in its box, with the cue.
LEARNER_NOTES = f"""TARGET DECK: {LEARNER_DECK}

What does a formula too wide for a phone do?
<!-- id: wide-formula -->
$$
{WIDE_TEX}
$$

What does a table of numbers too wide for a phone do?
<!-- id: wide-numbers -->
| a | b | c | d | e | f |
|---|---|---|---|---|---|
| 0.12345678 | 1.2345678 | 12.345678 | 123.45678 | 1234.5678 | 12345.678 |

What does a formula too wide for a stacked table's row do?
<!-- id: wide-stacked-cell -->
| case | value |
|---|---|
| long | ${WIDE_TEX}$ |

What does a line of code too long for a phone do?
<!-- id: wide-code -->
```python
result = a_function_with_a_long_name(first_argument, second_argument, third_argument)
```
"""
# the boxes that scroll in the learner's deck (by class or tag): each kind must be seen
LEARNER_SCROLL_BOXES = {"math-display", "gd-scroll", "gd-stack", "pre"}

# (deck, note id, side, view) for the screenshots: every computed card, and a few others
SCREENSHOTS = (
    *((COMPUTED_DECK, n.key.removeprefix("id:"), "answer", "phone-day") for n in computed_notes()),
    (COMPUTED_DECK, "figure-learning-rate-traces", "answer", "phone-night"),
    (COMPUTED_DECK, "worked-adam-first-step", "answer", "phone-night"),
    (COMPUTED_DECK, "week02-summary-table", "answer", "phone-day"),
    (COMPUTED_DECK, "chain-rule-table-part-a", "answer", "phone-night"),
    (COMPUTED_DECK, "sigmoid-derivative-derivation", "answer", "phone-day"),
    (COMPUTED_DECK, "bce-definition", "answer", "phone-night"),
    (COMPUTED_DECK, "adam-combines", "answer", "phone-day"),
    (COMPUTED_DECK, "adam-combines", "answer", "desktop-night"),
    (MISTAKES_DECK, "worked-mistake-adam-eps_inside_sqrt", "answer", "phone-day"),
    (LEARNER_DECK, "wide-formula", "answer", "phone-day"),
    (LEARNER_DECK, "wide-stacked-cell", "answer", "phone-night"),
)

REVIEWER_PAGE = """<!doctype html>
<html dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/_anki/css/webview.css">
<link rel="stylesheet" href="/_anki/css/reviewer.css">
<script src="/_anki/js/mathjax.js"></script>
<script src="/_anki/js/vendor/mathjax/tex-chtml-full.js"></script>
</head>
<body class="card card1">
<div id="qa" dir="auto"></div>
</body>
</html>
"""

# Show one card side the way Anki's reviewer does, then report what MathJax made of it.
SHOW_CARD_JS = """
(async (html) => {
  const qa = document.getElementById("qa");
  qa.innerHTML = html;
  await MathJax.startup.promise;
  MathJax.typesetClear();
  await MathJax.typesetPromise([qa]);
  await Promise.all([...qa.querySelectorAll("img")].map((i) => i.decode().catch(() => null)));
  await document.fonts.ready;
  const errors = [];
  for (const item of MathJax.startup.document.math) {
    const mml = MathJax.startup.toMML(item.root);
    if (/<merror|mathcolor="red"/.test(mml)) errors.push(item.math);
  }
  const leftover = [];
  const walker = document.createTreeWalker(qa, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("mjx-container, style, code, pre")) continue;
    if (/\\\\[\\(\\)\\[\\]]|\\$\\$/.test(node.textContent)) leftover.push(node.textContent.trim());
  }
  return {errors, leftover, typeset: Array.from(MathJax.startup.document.math).length};
})
"""

SET_MODE_JS = """
((night) => {
  document.documentElement.className = night ? "night-mode" : "";
  document.body.className = "card card1" + (night ? " nightMode night_mode" : "");
  void document.body.offsetWidth;
  return true;
})
"""

MEASURE_JS = """
(() => {
  const qa = document.getElementById("qa");
  const images = [...qa.querySelectorAll("img")].map((img) => ({
    src: img.getAttribute("src"),
    loaded: img.complete && img.naturalWidth > 0,
    natural: img.naturalWidth,
    shown: img.getBoundingClientRect().width,
    figure: img.classList.contains("gd-figure"),
  }));
  // The innermost elements whose content is wider than their box, each with the box that
  // scrolls it (the nearest that does not let it overflow visibly; #qa when none does). MathJax's
  // assistive MathML is set aside while measuring: clipped to nothing, and laid out by the
  // browser's own MathML with other metrics, it can stick out where nothing shows.
  const hide = document.createElement("style");
  hide.textContent = "#qa mjx-assistive-mml { display: none !important; }";
  document.head.append(hide);
  const wider = (el) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1;
  const clips = (el) => getComputedStyle(el).overflowX !== "visible";
  const describe = (el) => [el.tagName.toLowerCase(), ...el.classList].join(".");
  const inMath = (el) => el.parentElement.closest("#qa mjx-container") !== null;
  const wide = [qa, ...qa.querySelectorAll("*")].filter((el) => !inMath(el) && wider(el));
  const overflows = wide
    .filter((el) => !wide.some((other) => other !== el && el.contains(other)))
    .map((el) => {
      let box = el;
      while (box !== qa && !clips(box)) box = box.parentElement;
      return {
        element: describe(el),
        box: box === qa ? "" : describe(box),
        width: box.scrollWidth,
        shown: box.clientWidth,
        cue: box === qa ? "" : getComputedStyle(box).backgroundImage,
        text: el.textContent.trim().slice(0, 60),
      };
    });
  hide.remove();
  return {
    page: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    images,
    overflows,
  };
})()
"""


@dataclass(frozen=True)
class Side:
    name: str  # "<note key> card <ord> question|answer"
    guid: str
    deck: str
    side: str
    html: str


@pytest.fixture(scope="module")
def deck_sides(tmp_path_factory) -> tuple[list[Side], Path]:
    """Every card side of the built and imported decks (week 2, mistakes, the learner's), and
    the collection's media."""
    folder = tmp_path_factory.mktemp("browser-deck")
    (result,) = build([], folder / "out", now=FIXED_TIME)
    (folder / "wide.md").write_text(LEARNER_NOTES, encoding="utf-8")
    (learner,) = build([folder / "wide.md"], folder / "out", now=FIXED_TIME)
    # and the worked cards of a personal mistakes deck: a report naming every worked example
    report = {
        "exercises": [
            {"name": k.split("/")[0], "checks": [{"diagnosis": k.split("/")[1]}]} for k in EXAMPLES
        ]
    }
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    personal = plan_mistakes(folder / "report.json", folder / "out", now=FIXED_TIME).build
    personal.write()
    col = new_collection(folder / "anki")
    try:
        import_apkg(col, result.package_path)
        import_apkg(col, personal.package_path)
        import_apkg(col, learner.package_path)
        sides = []
        for card_id in sorted(col.find_cards("")):
            card = col.get_card(card_id)
            note = card.note()
            name = f"{note.fields[0][:50]!r} card {card.ord + 1}"
            deck = col.decks.name(card.did)
            sides.append(Side(f"{name} question", note.guid, deck, "question", card.question()))
            sides.append(Side(f"{name} answer", note.guid, deck, "answer", card.answer()))
        media = folder / "media"
        shutil.copytree(col.media.dir(), media)
    finally:
        col.close()
    assert len(sides) >= 2 * (result.card_count + personal.card_count + learner.card_count)
    return sides, media


def _server(root: Path) -> http.server.ThreadingHTTPServer:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def reviewer(deck_sides, tmp_path_factory):
    """A browser on a page built like Anki's reviewer, served with the deck's media."""
    executable = chromium_path()
    assets = assets_dir()
    missing = None
    if executable is None:
        missing = "no chromium on PATH"
    elif not is_complete(assets):
        missing = (
            f"Anki's reviewer assets are missing: run `python tests/decks/anki_web.py` ({assets})"
        )
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    _, media = deck_sides
    root = tmp_path_factory.mktemp("reviewer")
    shutil.copytree(media, root, dirs_exist_ok=True)
    shutil.copytree(assets, root / "_anki")
    (root / "reviewer.html").write_text(REVIEWER_PAGE, encoding="utf-8")
    server = _server(root)
    browser = Browser(executable)
    try:
        browser.set_viewport(380)
        browser.navigate(f"http://127.0.0.1:{server.server_address[1]}/reviewer.html")
        yield browser
    finally:
        browser.close()
        server.shutdown()
        server.server_close()


def show(browser: Browser, html_text: str) -> dict:
    return browser.evaluate(f"{SHOW_CARD_JS}({json.dumps(html_text)})")


def measure(browser: Browser, width: int, night: bool) -> dict:
    """Measurements at a screen ``width``. On a phone the browser widens its layout viewport to
    fit what overflows (``innerWidth`` grows with the page), so the page is compared with the
    screen's width, not with ``innerWidth``."""
    browser.set_viewport(width)
    browser.evaluate(f"{SET_MODE_JS}({json.dumps(night)})")
    return {**browser.evaluate(MEASURE_JS), "screen": width}


def artefacts_dir() -> Path:
    """``$GDKIT_TEST_ARTEFACTS``, else tmp/artefacts/cards at the top of the checkout (ignored by
    git; replaced at each run)."""
    chosen = os.environ.get("GDKIT_TEST_ARTEFACTS")
    folder = Path(chosen) if chosen else ROOT / "tmp" / "artefacts" / "cards"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture(scope="module")
def rendered(reviewer, deck_sides, request):
    """Typeset every side once, measure it in every view; take the screenshots."""
    sides, _ = deck_sides
    shots = {
        (
            note_guid(f"id:{key}", deck if deck == MISTAKES_DECK else None),
            side,
            view,
        ): f"{key}-{side}-{view}.png"
        for deck, key, side, view in SCREENSHOTS
    }
    out = artefacts_dir()
    records = []
    seen: dict[str, dict] = {}
    for side in sides:
        wanted = {(guid, which) for guid, which, _ in shots}
        # seen already (a reversed card's answer is the other's question; a mistakes-deck copy)
        if side.html in seen and (side.guid, side.side) not in wanted:
            records.append((side, seen[side.html]))
            continue
        typeset = show(reviewer, side.html)
        views = {}
        for view, width, night in VIEWS:
            views[view] = measure(reviewer, width, night)
            shot = shots.pop((side.guid, side.side, view), None)
            if shot:
                reviewer.screenshot(out / shot)
        seen[side.html] = {"typeset": typeset, "views": views}
        records.append((side, seen[side.html]))
    assert not shots, f"screenshot cards not found: {sorted(shots.values())}"
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\ncard screenshots: {out}")
    return records


def test_every_card_is_typeset_without_a_mathjax_error(rendered):
    problems = [
        f"{side.name}: {result['typeset']['errors'] or result['typeset']['leftover']}"
        for side, result in rendered
        if result["typeset"]["errors"] or result["typeset"]["leftover"]
    ]
    assert not problems, "\n".join(problems)
    assert sum(r["typeset"]["typeset"] for _, r in rendered) > 100  # MathJax really ran


@pytest.mark.parametrize("view", [v[0] for v in VIEWS])
def test_no_card_is_wider_than_the_screen(rendered, view):
    problems = [
        f"{side.name}: page {m['page']} px > screen {m['screen']} px"
        for side, result in rendered
        for m in [result["views"][view]]
        if max(m["page"], m["viewport"]) > m["screen"]
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("view", [v[0] for v in VIEWS])
def test_every_image_loads_and_its_text_is_legible(rendered, view):
    problems = []
    figures_seen = 0
    for side, result in rendered:
        for image in result["views"][view]["images"]:
            if not image["loaded"]:
                problems.append(f"{side.name}: {image['src']} did not load")
                continue
            if not image["figure"]:
                problems.append(f"{side.name}: {image['src']} is not a gd-figure")
                continue
            figures_seen += 1
            if image["natural"] != round(figures.WIDTH_IN * figures.DPI):
                problems.append(f"{side.name}: {image['src']} is {image['natural']} px wide")
            text_px = figures.MIN_FONT_PT / 72 * figures.DPI * image["shown"] / image["natural"]
            if text_px < MIN_TEXT_PX:
                problems.append(
                    f"{side.name}: {image['src']} shown {image['shown']:.0f} px wide, its "
                    f"smallest text {text_px:.1f} px < {MIN_TEXT_PX} px"
                )
    assert not problems, "\n".join(problems)
    assert figures_seen >= 4  # the three figure cards (the traces twice on the answer)


def _overflow(side: Side, wide: dict) -> str:
    hidden = wide["width"] - wide["shown"]
    return (
        f"{side.name}: {wide['element']} in {wide['box'] or 'the card'} is {wide['width']} px "
        f"wide, {wide['shown']} px shown ({hidden / wide['width']:.0%} hidden): {wide['text']!r}"
    )


@pytest.mark.parametrize("view", [v[0] for v in VIEWS])
def test_nothing_in_the_week02_deck_needs_a_sideways_scroll(rendered, view):
    week02 = [(side, result) for side, result in rendered if side.deck == COMPUTED_DECK]
    assert len(week02) > 100, f"only {len(week02)} sides of {COMPUTED_DECK} were measured"
    problems = [
        _overflow(side, wide)
        for side, result in week02
        for wide in result["views"][view]["overflows"]
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("view", ["phone-day", "phone-night"])
def test_what_does_not_fit_a_phone_scrolls_in_its_box_with_a_cue(rendered, view):
    """In every deck; the learner's too-wide notes make sure that each kind of box is seen."""
    seen = set()
    problems = []
    for side, result in rendered:
        for wide in result["views"][view]["overflows"]:
            if side.deck == LEARNER_DECK:
                seen |= set(wide["box"].split(".")) & LEARNER_SCROLL_BOXES
            if not wide["box"] or "gradient" not in wide["cue"]:
                problems.append(_overflow(side, wide) + " without a scroll cue")
    assert not problems, "\n".join(problems)
    assert seen == LEARNER_SCROLL_BOXES, f"nothing too wide seen in {LEARNER_SCROLL_BOXES - seen}"


@pytest.mark.parametrize(
    ("field", "what"),
    [
        ("\\(\\frac{1}{\\)", "a TeX error"),
        ("\\(\\undefinedmacro x\\)", "an undefined macro"),
        ("\\[x", "an unclosed display formula"),
    ],
)
def test_the_checks_see_a_broken_formula(reviewer, field, what):
    result = show(reviewer, f"<p>{html.escape(field, quote=False)}</p>")
    assert result["errors"] or result["leftover"], what


@pytest.mark.parametrize(
    ("field", "box"),
    [
        (f'<div class="math-display">\\[{"a + " * 40}b\\]</div>', "div.math-display"),
        (f"<p>\\({'a + ' * 40}b\\)</p>", ""),  # inline: sticks out of its paragraph
        (f"<pre><code>{'x = 1; ' * 30}</code></pre>", "pre"),
    ],
)
def test_the_checks_see_what_is_wider_than_its_box(reviewer, field, box):
    show(reviewer, f'<style>{css()}</style><div class="gd-card">{field}</div>')
    (wide,) = measure(reviewer, 380, False)["overflows"]
    assert wide["box"] == box and wide["width"] > wide["shown"]


def test_the_checks_see_nothing_wide_in_a_formula_that_fits(reviewer):
    show(
        reviewer,
        f"<style>{css()}</style>"
        '<div class="math-display">\\[\\begin{aligned} a &= b \\\\ &= c \\end{aligned}\\]</div>',
    )
    assert measure(reviewer, 380, False)["overflows"] == []


def test_the_checks_see_a_page_that_overflows(reviewer):
    show(reviewer, '<div style="width: 600px">wide</div>')
    measured = measure(reviewer, 380, False)
    assert max(measured["page"], measured["viewport"]) > measured["screen"]


def test_the_checks_see_a_figure_shown_too_small(reviewer, deck_sides):
    _, media = deck_sides
    name = next(p.name for p in media.iterdir() if p.name.startswith("gdkit-lr-traces"))
    show(reviewer, f'<img src="{name}" class="gd-figure" style="width: 200px">')
    (image,) = measure(reviewer, 380, False)["images"]
    assert image["loaded"]
    assert figures.MIN_FONT_PT / 72 * figures.DPI * image["shown"] / image["natural"] < MIN_TEXT_PX
