"""``gdkit decks mistakes``: from a grade report to a personal deck, checked in a real Anki.

The test may import the grader (the decks may not): to list every catalogued mistake, and to
write a report with the grader's own JSON renderer.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from deck_helpers import FIXED_TIME, collection_ids, import_apkg, new_collection, package_ids

from decks import report_input
from decks.build import build
from decks.cli import decks
from decks.computed import fmt
from decks.identity import note_guid
from decks.mistake_examples import EXAMPLES
from decks.mistakes import MISTAKES_DECK, concepts, mapping, plan_mistakes, week02_notes
from decks.report_input import ReportError, diagnosed_mistakes, read_report
from grader.exercises import load_exercises
from grader.report.render import render
from grader.report.results import FAILED, PASSED, CheckResult, ExerciseResult, Report

# the grader's check modules carry its own marker, registered only for the grader's tests
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")


def catalogued() -> set[str]:
    return {f"{e.name}/{m.id}" for e in load_exercises() for m in e.mistakes}


def test_every_catalogued_mistake_maps_to_cards_of_the_week2_deck():
    cards = week02_notes(figures=True)
    unmapped = sorted(catalogued() - set(mapping()))
    assert not unmapped, (
        f"decks/mistakes.json has no cards for {unmapped}: add each under 'cards' with the "
        "<!-- id: … --> of the decks/week02.md notes about its concept"
    )
    assert set(mapping()) <= catalogued(), "decks/mistakes.json maps mistakes the grader lacks"
    for key, note_ids in mapping().items():
        assert note_ids, f"{key} maps to no card"
        missing = [n for n in note_ids if n not in cards]
        assert not missing, f"{key}: no week-2 note with id {missing}"


def test_every_worked_example_is_a_catalogued_mistake_whose_result_differs():
    assert set(EXAMPLES) <= catalogued()
    for key, example in EXAMPLES.items():
        right, wrong = example.values()
        assert math.isfinite(right) and math.isfinite(wrong), key
        assert fmt(right) != fmt(wrong), f"{key}: the card would show the same number twice"


def test_worked_values_are_what_the_formulas_give():
    right, wrong = EXAMPLES["parabola/sign_flipped"].values()
    assert (right, wrong) == pytest.approx((6 - 0.3 * 8, 6 + 0.3 * 8))
    right, wrong = EXAMPLES["gradient_check/forward_difference"].values()
    assert right == pytest.approx(12 + 1e-6, abs=1e-9)  # central: error h² = 1e-6
    assert wrong == pytest.approx(12.006001, abs=1e-9)  # forward: error 3h·2 + h²


FAILS = ""  # in _grader_report: a check that failed without a named mistake


def _grader_report(diagnoses: dict[str, list[str | None]]) -> str:
    """A report written by the grader's own JSON renderer (None: a check passed; FAILS: it
    failed with no mistake named; else the mistake it diagnosed)."""
    by_name = {e.name: e for e in load_exercises()}
    results = []
    for name, found in diagnoses.items():
        checks = [
            CheckResult(
                exercise=name,
                name=f"test_{i}",
                description="a check",
                points=1,
                visibility="public",
                status=PASSED if d is None else FAILED,
                diagnosis=d or None,
                diagnosis_message=by_name[name].mistake(d).message if d else "",
            )
            for i, d in enumerate(found)
        ]
        results.append(ExerciseResult(by_name[name], f"{name}.py", checks))
    return render(Report("submission", "process", False, results), "json")


def _write_report(tmp_path, name, diagnoses) -> object:
    path = tmp_path / name
    path.write_text(_grader_report(diagnoses), encoding="utf-8")
    return path


def test_reads_the_diagnoses_of_a_grader_report_in_order_once(tmp_path):
    path = _write_report(
        tmp_path,
        "r.json",
        {
            "parabola": [None, "sign_flipped", "sign_flipped", "grad_missing_factor_2"],
            "momentum": ["ema_velocity", None],
        },
    )
    assert diagnosed_mistakes(path) == [
        "parabola/sign_flipped",
        "parabola/grad_missing_factor_2",
        "momentum/ema_velocity",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b'{"exercises": [}', "r.json:1:16: not valid JSON"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b"[]", "the report: expected an object"),
        (b'{"score": 3}', "no 'exercises' list"),
        (b'{"exercises": {}}', "exercises: expected a list"),
        (b'{"exercises": [3]}', "exercises[0]: expected an object"),
        (b'{"exercises": [{"name": "\\u001b[31mred"}]}', "exercises[0].name: expected a name"),
        (b'{"exercises": [{"name": "a", "checks": [[]]}]}', "exercises[0].checks[0]: expected"),
        (
            b'{"exercises": [{"name": "a", "checks": [{"diagnosis": 5}]}]}',
            "exercises[0].checks[0].diagnosis: expected a name of lower-case letters",
        ),
        (
            b'{"exercises": [{"name": "a", "checks": [{"diagnosis": "x/../y"}]}]}',
            "got 'x/../y'",
        ),
        (
            b'{"exercises": [{"name": "a", "checks": [{"status": "\\u001b[2J"}]}]}',
            "exercises[0].checks[0].status: expected one of passed, failed, not_started",
        ),
    ],
)
def test_a_bad_report_is_refused_with_where_and_what(tmp_path, content, message):
    path = tmp_path / "r.json"
    path.write_bytes(content)
    with pytest.raises(ReportError) as info:
        diagnosed_mistakes(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def test_report_size_and_counts_are_bounded(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"exercises": [{"name": "a"}] * 5}), encoding="utf-8")
    monkeypatch.setattr(report_input, "MAX_EXERCISES", 4)
    with pytest.raises(ReportError, match="exercises: more than 4 entries"):
        diagnosed_mistakes(path)
    monkeypatch.setattr(report_input, "MAX_REPORT_BYTES", 20)
    with pytest.raises(ReportError, match="larger than"):
        diagnosed_mistakes(path)


def test_a_folder_is_not_a_report(tmp_path):
    with pytest.raises(ReportError, match="not a file"):
        diagnosed_mistakes(tmp_path)


def test_cli_refuses_a_bad_report_and_writes_nothing(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text('{"exercises": 1}', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(decks, ["mistakes", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert "exercises: expected a list" in result.output and "nothing was written" in result.output
    assert not out.exists()


def test_cli_with_nothing_to_review_writes_nothing(tmp_path):
    path = _write_report(tmp_path, "r.json", {"parabola": [None, None]})
    out = tmp_path / "out"
    result = CliRunner().invoke(decks, ["mistakes", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "parabola: nothing to review: passed" in result.output
    assert "no failing exercise to review; nothing was written" in result.output
    assert not out.exists()


def test_cli_names_a_mistake_it_has_no_cards_for(tmp_path):
    path = tmp_path / "r.json"
    report = {"exercises": [{"name": "parabola", "checks": [{"diagnosis": "sign_flipped"}]}]}
    report["exercises"].append({"name": "future_exercise", "checks": [{"diagnosis": "new_one"}]})
    path.write_text(json.dumps(report), encoding="utf-8")
    result = CliRunner().invoke(decks, ["mistakes", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "no cards for the mistake future_exercise/new_one" in result.output
    assert "1 diagnosed mistake: parabola/sign_flipped" in result.output


def _notes(col):
    return {
        col.get_note(n).guid: col.get_note(n) for n in col.find_notes(f'"deck:{MISTAKES_DECK}"')
    }


def test_rebuilding_after_more_grading_updates_the_same_notes_in_anki(tmp_path):
    out = tmp_path / "out"
    first_report = _write_report(tmp_path, "1.json", {"parabola": ["sign_flipped"]})
    second_report = _write_report(
        tmp_path,
        "2.json",
        {"parabola": ["sign_flipped", "lr_ignored"], "learning_rate": ["flat_counts_as_rise"]},
    )
    (week02,) = build([], tmp_path / "week02", now=FIXED_TIME)
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, week02.package_path)
        week02_count = col.note_count()

        first = plan_mistakes(first_report, out, now=FIXED_TIME)
        first.build.write()
        import_apkg(col, first.build.package_path)
        before = _notes(col)
        # the worked card and the three concept cards of parabola/sign_flipped
        assert len(before) == 1 + len(mapping()["parabola/sign_flipped"])
        assert col.note_count() == week02_count + len(before)

        second = plan_mistakes(second_report, out, now=FIXED_TIME + 100)
        second.build.write()
        log = import_apkg(col, second.build.package_path)
        after = _notes(col)
        assert set(before) <= set(after)  # same GUIDs: no duplicate of the first run's notes
        assert col.note_count() == week02_count + len(after)
        assert {n.id for g, n in before.items()} == {after[g].id for g in before}
        expected = {
            "parabola/sign_flipped",
            "parabola/lr_ignored",
            "learning_rate/flat_counts_as_rise",
        }
        worked = 1 + 1  # learning_rate/flat_counts_as_rise has no worked example
        concept = {n for key in expected for n in mapping()[key]}
        assert len(after) == worked + len(concept)
        # a card shared by two mistakes carries both tags (and was updated, not duplicated)
        shared = [n for n in after.values() if "mistakes::parabola::lr_ignored" in n.tags]
        assert any("mistakes::parabola::sign_flipped" in n.tags for n in shared)
        assert len(log.updated) >= 1
        # the learning-rate figure card came along, with its pictures
        sources = re.findall(r'<img src="([^"]+)"', "".join(n["Back"] for n in after.values()))
        assert sources
        assert all((Path(col.media.dir()) / name).is_file() for name in sources)
    finally:
        col.close()


@pytest.mark.parametrize("same_folder", [True, False], ids=["one-folder", "two-folders"])
def test_week2_and_mistakes_decks_never_share_a_note_id_in_anki(tmp_path, same_folder):
    """Built at the same pinned time, the two decks get distinct note (and card) ids, so Anki
    imports every id as packaged: nothing is renumbered."""
    report = _write_report(
        tmp_path,
        "r.json",
        {"parabola": ["sign_flipped", "lr_ignored"], "adam": ["eps_inside_sqrt"]},
    )
    week_out = tmp_path / "out"
    mistakes_out = week_out if same_folder else tmp_path / "mistakes"
    planned = plan_mistakes(report, mistakes_out, figures=False, now=FIXED_TIME)
    planned.build.write()  # the mistakes deck first: the week-2 build must avoid its ids
    (week02,) = build([], week_out, figures=False, now=FIXED_TIME)
    packaged = package_ids(week02.package_path)
    mistakes = package_ids(planned.build.package_path)
    assert len(packaged) > 50 and len(mistakes) >= 4 and not set(packaged) & set(mistakes)
    packaged.update(mistakes)
    note_ids = [nid for nid, _ in packaged.values()]
    card_ids = [cid for _, cids in packaged.values() for cid in cids]
    assert len(set(note_ids)) == len(note_ids) and len(set(card_ids)) == len(card_ids)
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, week02.package_path)
        import_apkg(col, planned.build.package_path)
        assert collection_ids(col) == packaged
    finally:
        col.close()


def test_worked_card_shows_both_results_in_anki(tmp_path):
    path = _write_report(tmp_path, "r.json", {"adam": ["no_bias_correction"]})
    planned = plan_mistakes(path, tmp_path / "out", now=FIXED_TIME)
    planned.build.write()
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, planned.build.package_path)
        right, wrong = EXAMPLES["adam/no_bias_correction"].values()
        tagged = [col.get_note(n) for n in col.find_notes("tag:mistakes::adam::no_bias_correction")]
        worked = [n for n in tagged if "Worked example" in n["Front"]]
        assert len(tagged) == 1 + len(mapping()["adam/no_bias_correction"])
        assert len(worked) == 1
        back = worked[0]["Back"]
        assert f"= {fmt(right)}\\)" in back and f"= {fmt(wrong)}\\)" in back
        assert "mistakes::adam::no_bias_correction" in worked[0].tags
    finally:
        col.close()


def test_dry_run_writes_nothing_and_a_rebuild_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(FIXED_TIME))
    path = _write_report(tmp_path, "r.json", {"thermometers": ["sum_not_mean"]})
    out = tmp_path / "out"
    runner = CliRunner()
    dry = runner.invoke(decks, ["mistakes", str(path), "-o", str(out), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing was written" in dry.output and not out.exists()
    assert runner.invoke(decks, ["mistakes", str(path), "-o", str(out)]).exit_code == 0
    package = out / "NeuralComputation-Week-02-Mistakes.apkg"
    first = package.read_bytes()
    again = runner.invoke(decks, ["mistakes", str(path), "-o", str(out)])
    assert again.exit_code == 0 and "0 new, 0 changed" in again.output
    assert package.read_bytes() == first


def test_the_readme_counts_the_worked_examples():
    readme = (Path(__file__).resolve().parents[2] / "decks" / "README.md").read_text("utf-8")
    assert f"for the {len(EXAMPLES)} mistakes whose wrong formula" in readme


def test_every_exercise_maps_to_concept_cards_of_the_week2_deck():
    cards = week02_notes(figures=True)
    assert set(concepts()) == {e.name for e in load_exercises()}
    for name, ids in concepts().items():
        assert ids, name
        assert set(ids) <= set(cards), (name, set(ids) - set(cards))


def test_each_exercise_is_read_with_its_statuses(tmp_path):
    path = _write_report(
        tmp_path, "r.json", {"parabola": [None, FAILS], "momentum": ["ema_velocity"]}
    )
    parabola, momentum = read_report(path)
    assert (parabola.name, parabola.mistakes, parabola.failing) == ("parabola", (), True)
    assert momentum.mistakes == ("momentum/ema_velocity",) and momentum.failing
    passed = _write_report(tmp_path, "p.json", {"adam": [None, None]})
    (adam,) = read_report(passed)
    assert not adam.failing and adam.summary() == "passed"
    hand_written = tmp_path / "h.json"
    hand_written.write_text('{"exercises": [{"name": "adam", "checks": [{}]}]}')
    (unknown,) = read_report(hand_written)
    assert not unknown.failing and unknown.summary() == "no failed check in the report"


def test_a_failing_exercise_without_a_named_mistake_gets_its_concept_cards_in_anki(tmp_path):
    report = tmp_path / "r.json"
    data = json.loads(
        _grader_report(
            {
                "parabola": [None, "sign_flipped"],
                "momentum": [None, FAILS],
                "adam": [None, None],
                "bce_gradient": [None],
            }
        )
    )
    data["exercises"][3]["checks"][0]["status"] = "not_started"
    data["exercises"].append({"name": "future_exercise", "checks": [{"status": "failed"}]})
    report.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(decks, ["mistakes", str(report), "-o", str(out), "--no-figures"])
    assert result.exit_code == 0, result.output
    momentum = len(concepts()["momentum"])
    parabola = 1 + len(mapping()["parabola/sign_flipped"])
    lines = [line.strip() for line in result.output.splitlines()]
    assert f"parabola: 1 mistake named (sign_flipped) → {parabola} cards" in lines
    assert f"momentum: failing, no mistake named: the cards of its concepts → {momentum} cards" in (
        lines
    )
    assert "adam: nothing to review: passed" in lines
    assert "bce_gradient: nothing to review: not started" in lines
    assert (
        "future_exercise: failing, no mistake named, and no concept cards for this exercise"
        in lines
    )
    col = new_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, out / "NeuralComputation-Week-02-Mistakes.apkg")
        tagged = col.find_notes("tag:mistakes::momentum::no_mistake_named")
        wanted = {note_guid(f"id:{i}", MISTAKES_DECK) for i in concepts()["momentum"]}
        assert {col.get_note(n).guid for n in tagged} == wanted and len(wanted) == momentum
        assert col.find_notes("tag:mistakes::adam*") == []
        assert len(log.new) == len(_notes(col)) <= parabola + momentum
    finally:
        col.close()
