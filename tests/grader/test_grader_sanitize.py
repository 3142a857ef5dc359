"""Learner-produced text is made safe in one place (grader/report/sanitize.py, applied by
grader/report/results.py), and every report format can always be written: one test per class of
hostile text, with reports built directly and once end to end through `grade`."""

from __future__ import annotations

import json
import re
import unicodedata

import jsonschema
import pytest
import xmlschema
from grade_cli import run_grade
from grader_helpers import solution_text, write_submission
from hypothesis import given
from hypothesis import strategies as st

from grader.exercises import by_name
from grader.report.render import FORMATS, render, schema_path, to_gradescope, to_json
from grader.report.results import FAILED, PASSED, CheckResult, ExerciseResult, Report
from grader.report.sanitize import clean_name, clean_text

HOSTILE = {
    "clipboard write (OSC 52)": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "title change (OSC 0, ST-terminated)": "\x1b]0;pwned\x1b\\ and \x1b]2;again\x07",
    "screen clear and reset": "\x1b[2J\x1b[H\x1bc",
    "cursor movement over the report": "\x1b[1A\x1b[2K\x1b[10;1Hall checks passed",
    "device control string (DCS)": "\x1bP+q544e\x1b\\",
    "8-bit CSI (C1)": "\x9b2J\x9d0;t\x9c",
    "fake progress line (carriage return)": "3 checks failed\rall checks passed  ",
    "backspaces": "FAIL\b\b\b\bPASS",
    "NUL and other C0 controls": "a\x00b\x01\x07\x0b\x0c\x1b\x7f",
    "lone surrogates": "x\ud800y\udfffz\udc80",
    "bidi overrides (Trojan Source)": "if admin\u202e } \u2066x\u2069 {",
    "XML non-characters": "\ufffe\uffff",
    "line separators": "a\u2028b\u2029c",
    "huge": "é" * 300_000,
}

# what a terminal, a JSON encoder or an XML file must never get from the model
_NEVER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def assert_safe(text: str) -> None:
    assert not _NEVER.search(text), repr(_NEVER.search(text).group())
    text.encode("utf-8")  # strict: no lone surrogate left


# -- clean_text and clean_name ----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_each_class_of_hostile_text_is_made_safe(kind):
    cleaned = clean_text(HOSTILE[kind])
    assert_safe(cleaned)
    assert clean_text(cleaned) == cleaned


def test_escape_sequences_are_shown_not_obeyed():
    assert clean_text(HOSTILE["clipboard write (OSC 52)"]) == "\\x1b]52;c;cm0gLXJmIH4=\\x07"
    assert clean_text("3 failed\rall passed") == "3 failed\\rall passed"
    assert clean_text("\x9b2J") == "\\x9b2J"
    assert clean_text("a\u202eb") == "a\\u202eb"


def test_colours_are_dropped_and_newlines_tabs_kept():
    assert clean_text("\x1b[1;31mred\x1b[0m\tand\r\nplain\n") == "red\tand\nplain\n"


def test_surrogates():
    assert clean_text("\ud83d\ude00 ok") == "\U0001f600 ok"  # a pair is the character it encodes
    assert clean_text("a\ud800b\udc00") == "a\ufffdb\ufffd"


def test_long_text_is_bounded_with_a_note():
    cleaned = clean_text("x" * 10_000, limit=1_000)
    assert len(cleaned) <= 1_000 and cleaned.endswith("more characters not shown)")
    assert clean_text(cleaned, limit=1_000) == cleaned
    assert clean_text("short", limit=1_000) == "short"


def test_names_show_every_control_and_undecodable_byte():
    assert clean_name("caf\udce9\n\t\x1b[2J.py") == "caf\\xe9\\n\\t\\x1b[2J.py"
    assert clean_name("\ud83d\udc80.py") == "\U0001f480.py"  # a real pair is not a byte
    assert clean_name("résumé.py") == "résumé.py"


_ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()))


@given(_ANY_TEXT)
def test_any_text_comes_out_safe_and_cleaning_is_idempotent(text):
    for clean in (clean_text, clean_name):
        cleaned = clean(text)
        assert_safe(cleaned)
        assert clean(cleaned) == cleaned


@given(st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))))
def test_ordinary_text_is_left_alone(text):
    text = re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)
    assert clean_text(text) == text
    assert all(unicodedata.category(c) != "Cc" for c in clean_text(text))


# -- the model cleans what enters it ----------------------------------------------------------


def hostile_report(text: str) -> Report:
    """A report in which every field that can carry learner text carries ``text``."""
    exercise = by_name("parabola")
    checks = [
        CheckResult(
            exercise.name,
            "test_loss_and_slope",
            f"loss {text}",
            3,
            "public",
            FAILED,
            message=text,
            diagnosis="sum_not_mean" + text[:20],
            diagnosis_message=text,
            hint=text,
            details=text,
            output=text,
        ),
        CheckResult(exercise.name, "test_one_step", "one step", 2, "hidden", PASSED, output=text),
    ]
    checks[0].message = "set later: " + text  # the plugin fills fields after construction
    result = ExerciseResult(exercise, f"/tmp/{text[:50]}/01_parabola.py", checks)
    result.notes = [text]
    return Report(f"/tmp/{text[:50]}", f"rlimits {text[:30]}", False, [result], note=text)


def test_every_text_field_is_cleaned_when_set():
    report = hostile_report(HOSTILE["clipboard write (OSC 52)"])
    check = report.exercises[0].checks[0]
    assert check.message == "set later: \\x1b]52;c;cm0gLXJmIH4=\\x07"
    for value in (check.details, check.output, check.hint, report.note, report.submission):
        assert "\x1b" not in value and "\\x1b]52" in value
    assert "\x1b" not in report.exercises[0].file


def test_a_result_rebuilt_from_its_fields_is_not_escaped_twice():
    check = hostile_report(HOSTILE["NUL and other C0 controls"]).exercises[0].checks[0]
    from dataclasses import asdict

    rebuilt = CheckResult(**json.loads(json.dumps(asdict(check))))
    assert rebuilt == check and rebuilt.status is FAILED


GRADESCOPE = json.loads(schema_path("gradescope-results.schema.json").read_text())
PRAIRIELEARN = json.loads(schema_path("prairielearn-results.schema.json").read_text())
JUNIT = xmlschema.XMLSchema(str(schema_path("junit-10.xsd")))


def assert_every_format_is_valid(report: Report) -> dict[str, str]:
    outputs = {fmt: render(report, fmt) for fmt in FORMATS}
    for text in outputs.values():
        assert_safe(text)
    json.loads(outputs["json"])
    for document in (to_json(report), to_gradescope(report)):  # tools that keep non-ASCII
        json.loads(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    jsonschema.validate(json.loads(outputs["gradescope"]), GRADESCOPE)
    jsonschema.validate(json.loads(outputs["prairielearn"]), PRAIRIELEARN)
    JUNIT.validate(outputs["junit"])
    assert_safe(render(report, "text", colour=True).replace("\x1b[", ""))
    return outputs


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_every_format_can_be_written_whatever_the_text(kind):
    outputs = assert_every_format_is_valid(hostile_report(HOSTILE[kind]))
    assert len(outputs["text"]) < 60_000  # huge text is bounded where it enters the model


def test_the_junit_renderer_escapes_what_xml_cannot_hold_itself():
    """A check name is the instructor's, not cleaned by the model as learner text is: XML
    escaping still keeps the file well formed."""
    report = hostile_report("plain")
    object.__setattr__(report.exercises[0].checks[0], "message", "\x00\ufffe\ud800 raw")
    JUNIT.validate(render(report, "junit"))


# -- end to end: a submission that prints and raises hostile text ------------------------------

PRINTS = """

def parabola_loss(w):
    print("\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b]0;pwned\\x07\\x1b[2J\\x00 NUL \\rall checks passed")
    print("\\x9b2J \\u202e bidi", "\\ud800")
    raise ValueError("surrogate \\ud800 and \\x1b[2J clear \\x00")
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_grade_writes_a_valid_report_for_a_submission_printing_escapes(tmp_path, fmt):
    write_submission(tmp_path, {"01_parabola.py": solution_text("parabola") + PRINTS})
    result = run_grade([tmp_path, "-e", "parabola", "--format", fmt], env={"GDKIT_TIMEOUT": "5"})
    assert result.exit_code == 1, result.output
    out = result.output
    assert_safe(out)
    if fmt == "json":
        checks = json.loads(out)["exercises"][0]["checks"]
        loss = next(c for c in checks if c["name"] == "test_loss_and_slope")
        assert (
            "\\x1b]52;c;" in loss["output"] and "\\x00 NUL \\rall checks passed" in loss["output"]
        )
        assert "surrogate \ufffd and \\x1b[2J clear \\x00" in loss["message"]
        assert any(c["status"] == "passed" for c in checks)  # the other checks still ran
    elif fmt == "gradescope":
        jsonschema.validate(json.loads(out), GRADESCOPE)
    elif fmt == "prairielearn":
        jsonschema.validate(json.loads(out), PRAIRIELEARN)
    elif fmt == "junit":
        JUNIT.validate(out)
    else:
        assert "\\x1b]52;c;" in out and "surrogate \ufffd" in out
