"""The HTML report (grade --html FILE): one self-contained page with a figure of each failed
check's curves, the first step where they part marked; learner text escaped; written without
matplotlib too; and the page as Chromium renders it."""

from __future__ import annotations

import base64
import re
import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from grade_cli import run_grade

from grader.authoring.mutants import apply_mutant
from grader.checking.framework import CheckFailed, expect_close
from grader.exercises import by_name, load_exercises, solutions_dir
from grader.report import figures
from grader.report.render import render
from grader.report.results import FAILED, PASSED, CheckResult, ExerciseResult, Report

HOSTILE = "<script>alert(1)</script><img src=https://example.com/x.png>"


def _curves(got, expected, **kwargs):
    with pytest.raises(CheckFailed) as info:
        expect_close(got, expected, what=f"descend({HOSTILE})", **kwargs)
    return info.value.curves


def _report(*checks: CheckResult) -> Report:
    exercise = by_name("thermometers")
    result = ExerciseResult(exercise, "/tmp/04_thermometers.py", list(checks))
    return Report("/tmp/work", "process", False, [result], note="no filesystem isolation")


def _failed(name: str, curves=(), output: str = "") -> CheckResult:
    return CheckResult(
        "thermometers", name, f"descend {name}", 2, "public", FAILED,
        message=f"descend returned {HOSTILE}", output=output, curves=curves,
    )  # fmt: skip


W = np.array([18.0, 18.5, 19.0, 19.5, 20.0])


def _images(page: str) -> list[bytes]:
    return [
        base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]


def test_a_failed_curve_is_a_figure_with_where_they_part_in_words():
    report = _report(
        _failed("test_a", _curves(W[:-1], W, curves="w")),
        _failed("test_b"),  # no curve: no figure
        CheckResult("thermometers", "test_c", "loss", 1, "public", PASSED),
    )
    page = render(report, "html")
    (png,) = _images(page)
    width, height = struct.unpack(">II", png[16:24])
    assert png.startswith(b"\x89PNG") and width > height > 200
    words = "Your w has 4 steps, the reference&#x27;s 5; they agree on the first 4."
    assert page.count(words) == 2  # the caption and the image's alternative text
    assert 'Passed:</p><ul class="passed"><li>loss</li>' in page


def test_a_figure_for_the_first_check_that_shows_each_mistake():
    """A later check with the same mistake named is said in words only (its figure would
    show the same thing again); another mistake, or none named, gets its own."""
    curve = _curves(W[:-1], W, curves="w")
    checks = [_failed(f"test_{n}", curve) for n in "abcde"]
    mistakes = ["one_step_short", "one_step_short", None, None, "x"]
    for check, named in zip(checks, mistakes, strict=True):
        check.diagnosis = named
    checks[1].status = PASSED  # a passed check is never drawn
    checks.insert(0, _failed("test_no_curve"))
    drawn = [check.name for check in figures.to_draw(checks)]
    assert drawn == ["test_a", "test_c", "test_e"]
    page = render(_report(*checks), "html")
    assert len(_images(page)) == 3 and page.count("<figcaption>") == 4


def test_learner_text_is_escaped_and_nothing_is_fetched():
    report = _report(_failed("test_a", _curves(W + 1, W, curves="w"), output=HOSTILE))
    page = render(report, "html")
    assert "<script" not in page and "<img src=https" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.findall(r'(?:src|href)="(?!data:image/png;base64,)', page) == []
    assert "default-src 'none'; img-src data:" in page


def test_the_first_step_where_they_part_is_marked_in_the_figure():
    """The dotted line at the step (gid "parted"), and a ring on the learner's value there."""
    from matplotlib.figure import Figure

    got = W.copy()
    got[3] = 25.0
    (curve,) = _curves(got, W, curves="w")
    axes = Figure().add_subplot()
    figures.draw(axes, curve)
    (line,) = [line for line in axes.get_lines() if line.get_gid() == "parted"]
    assert list(line.get_xdata()) == [3, 3]
    rings = [line for line in axes.get_lines() if line.get_markerfacecolor() == "none"]
    assert [(list(r.get_xdata()), list(r.get_ydata())) for r in rings] == [([3], [25.0])]
    assert "they part at step 3" in [text.get_text() for text in axes.texts]


def test_a_diverging_run_is_drawn_on_a_logarithmic_axis_and_gaps_are_said():
    from matplotlib.figure import Figure

    losses = np.array([1.0, 0.5, 0.25, 0.125])
    (curve,) = _curves(np.array([1.0, 40.0, 1e9, np.inf]), losses, curves="losses")
    axes = Figure().add_subplot()
    figures.draw(axes, curve)
    assert axes.get_yscale() == "log"
    assert "From step 3 on, yours is not a finite number" in figures.describe(curve)


@pytest.mark.parametrize(
    "got",
    [[1e308] * 5, [1e308, -1e308, 1e308, -1e308, 1.0], [5e-324] * 5, [np.nan, 1e300, -1e300, 0, 1]],
)
def test_extreme_learner_values_are_drawn_without_a_warning(got):
    (curve,) = _curves(np.array(got), W, curves="w")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png, why = figures.figure_or_words([curve])
    assert png is not None and png.startswith(b"\x89PNG") and why == ""
    assert [str(w.message) for w in caught] == []


def test_a_figure_that_cannot_be_drawn_costs_the_figure_only(monkeypatch):
    def broken(curves):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(figures, "_png", broken)
    page = render(_report(_failed("test_a", _curves(W[:-1], W, curves="w"))), "html")
    assert _images(page) == []
    assert "they agree on the first 4. (The figure could not be drawn: LinAlgError.)" in page


def test_without_matplotlib_the_page_is_written_with_a_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    report = _report(_failed("test_a", _curves(W[:-1], W, curves="w")))
    page = render(report, "html")
    assert _images(page) == [] and figures.UNAVAILABLE in page
    assert "they agree on the first 4." in page
    # a page without curves does not ask for matplotlib at all
    assert figures.UNAVAILABLE not in render(_report(_failed("test_b")), "html")


# ---------------------------------------------------------------------------------------------
# grade --html, and the page in a real browser


def _week_with_parting_curves(folder: Path) -> None:
    """Every exercise solved, but parabola (the update adds the gradient, and prints HOSTILE)
    and thermometers (one step short)."""
    for exercise in load_exercises():
        source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
        (folder / exercise.file).write_text(source, encoding="utf-8")
    for name, mistake in (("parabola", "sign_flipped"), ("thermometers", "one_step_short")):
        exercise = by_name(name)
        source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
        wrong = apply_mutant(source, exercise.mistake(mistake), exercise.file)
        if name == "parabola":
            wrong = wrong.replace(
                "    return w + lr * grad\n", f"    print({HOSTILE!r})\n    return w + lr * grad\n"
            )
        (folder / exercise.file).write_text(wrong, encoding="utf-8")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("week")
    _week_with_parting_curves(folder)
    target = folder.parent / "report.html"
    ran = run_grade([folder, "--html", target])
    assert ran.exit_code == 1, ran.stderr
    assert "Progress:" in ran.stdout and f"wrote {target}" in ran.stderr
    return target, ran.stdout


def test_grade_html_writes_the_page_beside_the_terminal_report(page):
    target, terminal = page
    text = target.read_text(encoding="utf-8")
    # a figure for the first check of each exercise that shows each mistake: parabola's three
    # trajectory checks name the same mistake; thermometers' edge check names none
    assert text.startswith("<!DOCTYPE html>") and len(_images(text)) == 3
    assert "Your w has 12 steps, the reference&#x27;s 13; they agree on the first 12." in text


def test_grade_html_refuses_a_folder_and_watch(tmp_path):
    source = (solutions_dir() / "01_parabola.py").read_text(encoding="utf-8")
    (tmp_path / "01_parabola.py").write_text(source, encoding="utf-8")
    ran = run_grade([tmp_path, "--html", tmp_path])
    assert ran.exit_code == 2 and "is a folder" in ran.stderr
    ran = run_grade([tmp_path, "--watch", "--html", tmp_path / "r.html"])
    assert ran.exit_code == 2 and "leave out -o and --html" in ran.stderr


PROBE = """(() => {
  const images = [...document.images];
  return {
    fetched: performance.getEntriesByType('resource').map(e => e.name),
    scripts: document.scripts.length,
    violations: window.__violations,
    images: images.map(i => [i.complete, i.naturalWidth, i.naturalHeight,
                             i.getBoundingClientRect().width]),
    figures: [...document.querySelectorAll('article.check')].map(a => [
      a.id, a.querySelectorAll('img').length, (a.querySelector('figcaption') || {}).textContent]),
    output: [...document.querySelectorAll('pre')].map(p => p.textContent)
      .filter(t => t.includes('alert(1)')),
  };
})()"""
WATCH_CSP = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
                          e => window.__violations.push(e.blockedURI));"""


@pytest.mark.slow
def test_the_page_renders_in_chromium(page):
    from browser import Browser, chromium_path

    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed")
    browser = Browser(executable)
    try:
        browser.send("Page.enable")
        browser.send("Page.addScriptToEvaluateOnNewDocument", source=WATCH_CSP)
        browser.set_viewport(900)
        browser.navigate(page[0].as_uri())
        seen = browser.evaluate(PROBE)
    finally:
        browser.close()
    assert seen["fetched"] == [] and seen["violations"] == [] and seen["scripts"] == 0
    assert len(seen["images"]) == 3
    for complete, width, height, shown in seen["images"]:
        assert complete and width > height > 300 and 400 < shown <= 900
    captions = {name: caption for name, _, caption in seen["figures"] if caption}
    assert set(captions) == {  # the public checks: grade runs no hidden one by default
        "check-parabola-test_trajectory_edges",
        "check-parabola-test_five_steps_from_six",
        "check-parabola-test_too_large_learning_rate_diverges",
        "check-thermometers-test_descend_from_18",
        "check-thermometers-test_descend_oscillates_around_median",
        "check-thermometers-test_edges",
    }
    drawn = {name for name, count, _ in seen["figures"] if count}
    assert drawn == {
        "check-parabola-test_trajectory_edges",
        "check-thermometers-test_descend_from_18",
        "check-thermometers-test_edges",
    }
    caption = captions["check-parabola-test_five_steps_from_six"]
    assert caption.startswith("Your ws and the reference's part at step 0: ws[0] is 8.4")
    assert seen["output"] and all(HOSTILE in text for text in seen["output"])  # shown as text
