"""A gradebook that imports: read back as Canvas's importer and Moodle's grading worksheet
import read a file (their rules restated here from app/models/gradebook_importer.rb and
mod/assign/feedback/offline/importgradeslib.php), names kept as the export gives them, one row
per student, columns for the assignment's exercises only; and `grade batch` over a class built
from every LMS layout, with known scores."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from grade_cli import run_grade

from grader.exercises import REPO_ROOT, by_name, load_exercises
from grader.instructor.batch import Outcome, run_batch, write_outputs
from grader.instructor.gradebook import canvas_rows, check_list, gradebook_rows, moodle_rows

SOLUTIONS = REPO_ROOT / "solutions"
STUBS = REPO_ROOT / "exercises"


def _points(name: str) -> int:
    return sum(c["points"] for c in check_list(by_name(name)))


def _report(**scores: int) -> dict:
    return {"exercises": [{"name": n, "score": s, "checks": []} for n, s in scores.items()]}


def _outcomes() -> list[Outcome]:
    p = _points("parabola")
    return [
        Outcome("canvas_id12345", _report(parabola=p, adam=3), name="garcíaana", lms="canvas",
                lms_id="12345"),
        Outcome("moodle_id100200", _report(parabola=1), name="Ana García", lms="moodle",
                lms_id="100200"),
        Outcome("_4aos_c3_a9", _report(parabola=2), name="José"),
        Outcome("_4aos_c3_a8", None, "nothing could be graded: the upload is empty", name="Josè"),
        Outcome("_3d1_2b1", _report(parabola=p), name="=1+1"),
    ]  # fmt: skip


def canvas_reads(text: str) -> dict:
    """What Canvas's gradebook importer takes from ``text``: per student (found by ID, else
    SIS Login ID, else name), assignment title -> grade; and the points possible."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    columns = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        columns, login = 4, 2
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        columns, login = 5, 3
    assert "Section" in header[columns - 1], "the last student column must be Section"
    assignments = header[columns:]
    points, students = {}, {}
    for row in rows[1:]:
        assert len(row) == len(header)
        if "Points Possible" in row[0]:
            points = dict(zip(assignments, row[columns:], strict=True))
            continue
        who = ("ID", row[1]) if row[1] else ("SIS Login ID", row[login]) if row[login] else (
            "name", row[0])  # fmt: skip
        assert who not in students, f"{who} twice"
        students[who] = dict(zip(assignments, row[columns:], strict=True))
    return {"points": points, "students": students}


def moodle_reads(text: str) -> dict[str, dict]:
    """What Moodle's grading worksheet import takes: participant id -> grade and time, for the
    rows whose Identifier starts with "Participant " (the others match nobody)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    found = {}
    for row in rows:
        assert {"Identifier", "Grade", "Last modified (grade)"} <= set(row)
        if not row["Identifier"].startswith("Participant "):
            continue
        participant = row["Identifier"][len("Participant ") :]
        assert participant.isdigit() and participant not in found
        when = datetime.strptime(row["Last modified (grade)"], "%Y-%m-%d %H:%M:%S UTC")
        found[participant] = {"grade": float(row["Grade"]), "when": when, "name": row["Full name"]}
    return found


def test_the_plain_gradebook_keeps_names_and_has_the_assignments_columns_only():
    exercises = [by_name("parabola")]
    rows = gradebook_rows(_outcomes(), exercises)
    assert rows[0] == ["student", "id", "key", "parabola", "total", "max_total", "reason"]
    names = [row[0] for row in rows[1:]]
    assert names == ["garcíaana", "Ana García", "José", "Josè", "'=1+1"]
    assert [row[1] for row in rows[1:3]] == ["12345", "100200"]
    assert rows[1][3:6] == [str(_points("parabola"))] * 3  # adam is not a column, nor counted
    why = "nothing could be graded: the upload is empty"
    assert rows[4][3:] == ["0", "0", str(_points("parabola")), why]
    every = gradebook_rows(_outcomes(), load_exercises())
    assert len(every[0]) == 6 + len(load_exercises())
    # written as UTF-8 and read back the same
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    assert list(csv.reader(io.StringIO(text.getvalue().encode().decode("utf-8")))) == rows


def test_canvas_reads_the_canvas_gradebook():
    exercises = [by_name("parabola")]
    text = _csv(canvas_rows(_outcomes(), exercises, "Week 2 (4321)"))
    seen = canvas_reads(text)
    full = str(_points("parabola"))
    assert seen["points"] == {"Week 2 (4321)": full}
    assert seen["students"] == {
        ("ID", "12345"): {"Week 2 (4321)": full},
        ("SIS Login ID", "José"): {"Week 2 (4321)": "2"},
        ("SIS Login ID", "Josè"): {"Week 2 (4321)": "0"},
        ("SIS Login ID", "'=1+1"): {"Week 2 (4321)": full},
    }  # the Moodle student is left out: a Moodle id means nothing to Canvas


def test_moodle_reads_the_grading_worksheet():
    text = _csv(moodle_rows(_outcomes(), [by_name("parabola")], "2026-12-06 22:00:00 UTC"))
    assert len(text.splitlines()) == 2  # the header and the one Moodle student
    assert moodle_reads(text) == {
        "100200": {"grade": 1.0, "when": datetime(2026, 12, 6, 22), "name": "Ana García"}
    }


def _csv(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# -- a class from every layout, graded ----------------------------------------------------------


def _solution(name: str) -> bytes:
    return (SOLUTIONS / by_name(name).file).read_bytes()


def _stub(name: str) -> bytes:
    return (STUBS / by_name(name).file).read_bytes()


def make_lms_class(root: Path) -> tuple[list[Path], dict[tuple[str, str], int]]:
    """Exports as each LMS writes them; (name, lms id) -> the parabola score expected."""
    full = _points("parabola")
    parabola = by_name("parabola").file
    moodle = root / "moodle"
    ana = moodle / "Ana García_100200_assignsubmission_file_"
    ana.mkdir(parents=True)
    (ana / parabola).write_bytes(_solution("parabola"))
    (moodle / "Ana García_100200_assignsubmission_onlinetext_").mkdir()
    (moodle / "Ana García_100200_assignsubmission_onlinetext_" / "onlinetext.html").write_text("")
    (moodle / "Ana García_100201_assignsubmission_file").mkdir()
    with zipfile.ZipFile(moodle / "Ana García_100201_assignsubmission_file" / "hw2.zip", "w") as z:
        z.writestr(f"hw2/{parabola}", _solution("parabola"))
    (moodle / "Cy Doe_100202_assignsubmission_onlinetext_").mkdir()
    (moodle / "Cy Doe_100202_assignsubmission_onlinetext_" / "onlinetext.html").write_text("x")
    canvas = root / "canvas.zip"
    with zipfile.ZipFile(canvas, "w") as z:
        z.writestr(f"garcíaana_12345_678901_{parabola}", _solution("parabola"))
        z.writestr(f"libo_late_12346_678902_{Path(parabola).stem}-1.py", _solution("parabola"))
        z.writestr(f"doecy_12347_678903_{parabola}", _stub("parabola"))
    plain = root / "plain"
    (plain / "José").mkdir(parents=True)
    (plain / "José" / parabola).write_bytes(_solution("parabola"))
    (plain / "Josè").mkdir()
    (plain / "Josè" / parabola).write_bytes(_stub("parabola"))
    with zipfile.ZipFile(plain / "José.zip", "w") as z:
        z.writestr(parabola, _stub("parabola"))
    expected = {
        ("Ana García", "100200"): full,
        ("Ana García", "100201"): full,
        ("Cy Doe", "100202"): 0,
        ("garcíaana", "12345"): full,
        ("libo", "12346"): full,
        ("doecy", "12347"): 0,
        ("José", ""): full,
        ("Josè", ""): 0,
        ("José.zip", ""): 0,  # beside a folder José: shown by its whole name
    }
    return [moodle, canvas, plain], expected


@pytest.mark.slow
def test_a_class_from_every_layout_gets_one_row_each_with_known_scores(tmp_path):
    exports, expected = make_lms_class(tmp_path)
    out = tmp_path / "out"
    result = run_batch(exports, out, jobs=2, timeout=2.0, time_limit=30.0)
    write_outputs(result, out, [by_name("parabola")], "Week 2 (4321)")
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["student", "id", "key", "parabola", "total", "max_total", "reason"]
    got = [((r["student"], r["id"]), int(r["parabola"])) for r in rows]
    assert sorted(got) == sorted(expected.items())  # one row each
    assert len({r["key"] for r in rows}) == len(rows)
    reasons = {r["student"]: r["reason"] for r in rows if r["reason"]}
    assert "onlinetext.html" in reasons["Cy Doe"]
    assert {p.stem for p in (out / "reports").iterdir()} == {r["key"] for r in rows}
    key = next(r["key"] for r in rows if r["id"] == "100200")
    assert key == "1_2fmoodle_id100200"  # the first of three exports
    stored = json.loads((out / "reports" / f"{key}.json").read_text())
    assert (stored["name"], stored["lms"], stored["lms_id"]) == ("Ana García", "moodle", "100200")
    late = next(r["key"] for r in rows if r["id"] == "12346")
    notes = json.loads((out / "reports" / f"{late}.json").read_text())["notes"]
    assert "Canvas marks this submission late" in notes
    canvas = canvas_reads((out / "gradebook-canvas.csv").read_text(encoding="utf-8"))
    assert canvas["students"][("ID", "12346")] == {"Week 2 (4321)": str(_points("parabola"))}
    moodle = moodle_reads((out / "gradebook-moodle.csv").read_text(encoding="utf-8"))
    assert {k: v["grade"] for k, v in moodle.items()} == {
        "100200": _points("parabola"), "100201": _points("parabola"), "100202": 0
    }  # fmt: skip


def test_a_batch_with_no_student_exits_2_with_one_sentence(tmp_path):
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "readme.txt").write_text("nothing here")
    done = run_grade(["batch", str(tmp_path / "export"), "-o", str(tmp_path / "out")])
    assert done.exit_code == 2, done.output
    lines = [line for line in done.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("grade batch: no student was found in")
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_an_unknown_exercise_is_a_usage_error(tmp_path):
    (tmp_path / "ann").mkdir()
    shutil.copy(SOLUTIONS / by_name("parabola").file, tmp_path / "ann")
    done = run_grade(["batch", str(tmp_path / "ann"), "-o", str(tmp_path / "o"), "-e", "nope"])
    assert done.exit_code == 2 and "no exercise named 'nope'" in done.output
