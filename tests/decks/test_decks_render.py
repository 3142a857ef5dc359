"""Markdown and math rendering of fields."""

from __future__ import annotations

import re

import pytest
from deck_helpers import balanced_math

from decks.errors import DeckError
from decks.render import escape_math, plain_text, render_markdown


def test_inline_and_display_math_become_mathjax_delimiters():
    html = render_markdown("So $a<b$ and $x \\& y$:\n\n$$\nJ = \\frac{1}{2m}\n$$\n").html
    assert "\\(a&lt;b\\)" in html
    assert "\\(x \\&amp; y\\)" in html
    assert "\\[J = \\frac{1}{2m}\\]" in html
    assert "$" not in html
    assert balanced_math(html)


def test_inline_double_dollar_is_display_math_in_its_scrolling_wrapper():
    html = render_markdown("so $$x^2$$ here").html
    assert html == '<p>so <span class="math-display">\\[x^2\\]</span> here</p>'


@pytest.mark.parametrize(
    "source",
    [
        "The chain rule:\n$$\n\\frac{dz}{dx} = 1\n$$\nthat is all.",  # right after text
        "$$\n\\frac{dz}{dx} = 1\n$$",  # on lines of its own
        "- a list item\n  $$\\frac{dz}{dx} = 1$$",
        "| a |\n|---|\n| $$\\frac{dz}{dx} = 1$$ |",
        "text $$\\frac{dz}{dx} = 1$$ text",
    ],
)
def test_every_display_formula_sits_in_a_scrolling_wrapper(source):
    html = render_markdown(source).html
    assert html.count("\\[") == 1
    before = html.split("\\[")[0]
    assert re.search(r'<(div|span) class="math-display">$', before), html
    assert "\\]</" in html and html.split("\\]")[1].startswith(("</div>", "</span>"))


def test_tables_are_wrapped_in_a_scroll_container():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n").html
    assert html.startswith('<div class="gd-scroll">\n<table>')
    assert html.endswith("</table>\n</div>")


def test_greater_than_is_escaped_inside_math():
    assert render_markdown("$\\eta > 0$").html == "<p>\\(\\eta &gt; 0\\)</p>"


def test_a_table_with_formulas_in_its_body_stacks_with_its_headers_as_labels():
    html = render_markdown(
        "| | Regression | $\\hat{y}$ |\n|---|---|---:|\n"
        "| Output | $z$ | plain |\n| Loss | squared | x |\n"
    ).html
    assert html.startswith('<div class="gd-scroll gd-stack">\n<table>')
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    for row, first in zip(rows, ("Output", "Loss"), strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[0] == first  # the row's heading carries no label
        assert cells[1].startswith('<span class="gd-label">Regression</span> ')
        assert cells[2].startswith('<span class="gd-label">\\(\\hat{y}\\)</span> ')
    assert html.count('class="gd-label"') == 4


@pytest.mark.parametrize(
    "source",
    [
        "| $k$ | $w_k$ |\n|---|---|\n| 0 | 6.5 |\n",  # formulas in the header only
        "| a | b |\n|---|---|\n| words wrap | 123.456 |\n",
    ],
)
def test_a_table_of_text_and_numbers_stays_a_table(source):
    html = render_markdown(source).html
    assert html.startswith('<div class="gd-scroll">\n<table>')
    assert "gd-label" not in html


def test_only_the_table_with_formulas_stacks():
    html = render_markdown(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n| c | d |\n|---|---|\n| 1 | $x$ |\n"
    ).html
    first, second = html.split("</table>")[:2]
    assert "gd-stack" not in first and "gd-label" not in first
    assert "gd-stack" in second and second.count('<span class="gd-label">d</span>') == 1


def test_tables_lists_code_and_emphasis_are_rendered():
    html = render_markdown(
        "**bold** and `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| $1$ | 2 |\n\n"
        "```python\nx < 1\n```\n"
    ).html
    for fragment in (
        "<strong>bold</strong>",
        "<code>code</code>",
        "<li>one</li>",
        "<table>",
        "<td>\\(1\\)</td>",
        "x &lt; 1",
    ):
        assert fragment in html


def test_escaped_dollar_stays_a_dollar():
    assert render_markdown("costs \\$5").html == "<p>costs $5</p>"


@pytest.mark.parametrize(
    ("tex", "cloze", "expected"),
    [
        ("\\frac{1}{\\sqrt{x}}", True, "\\frac{1}{\\sqrt{x} }"),
        ("a::b", True, "a: :b"),
        ("{{{x}}}", True, "{{{x} } }"),
        ("\\frac{1}{\\sqrt{x}}", False, "\\frac{1}{\\sqrt{x}}"),
        ("a<b", False, "a&lt;b"),
    ],
)
def test_escape_math(tex, cloze, expected):
    assert escape_math(tex, cloze=cloze) == expected


def test_cloze_math_cannot_close_the_deletion_early():
    html = render_markdown("{{c1::$\\frac{1}{\\sqrt{x}}$}} and {{c2::$a::b$}}", cloze=True).html
    inside = html.split("{{c1::", 1)[1]
    # the first "}}" after the opening marker is the cloze's own end, after the math
    assert inside.index("}}") > inside.index("\\)")
    assert "{{c2::\\(a: :b\\)}}" in html


def test_unbalanced_dollar_reports_its_line():
    with pytest.raises(DeckError) as info:
        render_markdown("fine\nstill fine\nhere $x + 1 is open\n", file="n.md", first_line=20)
    assert str(info.value).startswith("n.md:22: unbalanced $")


def test_plain_text_keeps_tex_and_drops_markup():
    assert plain_text("What is **$\\sigma(z)$**?") == "What is \\sigma(z)?"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("costs $5 and $10", "<p>costs $5 and $10</p>"),
        ("from $5 to $x$", "<p>from $5 to \\(x\\)</p>"),
        ("a price of 5 $ only", "<p>a price of 5 $ only</p>"),
        ("$ x $ is not math", "<p>$ x $ is not math</p>"),
        ("the rate $\\eta$, then $1$", "<p>the rate \\(\\eta\\), then \\(1\\)</p>"),
    ],
)
def test_dollar_opens_math_only_by_pandocs_rule(text, html):
    assert render_markdown(text).html == html


@pytest.mark.parametrize("text", ["the rate $\\eta is open", "a $x$2 here"])
def test_an_unclosed_formula_is_still_an_error(text):
    with pytest.raises(DeckError, match="unbalanced"):
        render_markdown(text)


def _sources():
    from deck_helpers import FIXTURES

    from decks.build import default_source
    from decks.parser import parse_file

    paths = [default_source(), *sorted(FIXTURES.glob("*_*.*")), FIXTURES / "features.md"]
    return [parse_file(path) for path in paths]


def test_one_parse_renders_every_field_as_a_parse_of_its_own_would():
    """Fields rendered from the file's one parse (decks.structure) give the HTML that parsing
    each field alone gives, for the week-2 deck and every fixture; and most fields use it."""
    used = total = 0
    for source in _sources():
        for note in source.notes:
            for f in note.fields:
                if not f.text:
                    continue
                total += 1
                if f.parsed is None:
                    continue
                used += 1
                kw = {"file": note.file, "first_line": f.line, "cloze": note.kind == "cloze"}
                kw["base_dir"] = note.base_dir
                alone = render_markdown(f.text, **kw).html
                assert render_markdown(f.text, parsed=f.parsed, **kw).html == alone, (
                    f"{note.file}:{f.line}"
                )
    assert used >= 0.8 * total, (used, total)


def test_a_field_that_is_not_the_lines_as_written_is_parsed_on_its_own(tmp_path):
    from decks.parser import parse_text

    text = (
        "TARGET DECK: D\n\n## S\n\nQ: Prefixed?\nA: Answer with *emphasis*.\n\n"
        "What is it?\nLine one\nstill it?\n\nPlain?\nSo plain.\n"
    )
    prefixed, wrapped, plain = parse_text(text, path=tmp_path / "n.md").notes
    assert prefixed.fields[1].parsed is None  # "A: " was taken off
    assert wrapped.fields[1].parsed is None  # "still it?" was cut as a possible question
    assert render_markdown(wrapped.fields[1].text).html == "<p>Line one\nstill it?</p>"
    assert plain.fields[0].parsed is not None and plain.fields[1].parsed is not None
