"""The autograder's entry point: grade one uploaded submission, ALWAYS write results.json.

    python -m grader.instructor.autograde          # find the layout (Gradescope, PrairieLearn)
    python -m grader.instructor.autograde --submission DIR --results FILE \
        [--format gradescope|prairielearn]

Layouts (``--layout auto`` picks the first whose folder exists):

- ``gradescope``: reads ``/autograder/submission``, writes ``/autograder/results/results.json``
  in Gradescope's format (grader/report/schemas/gradescope-results.schema.json).
- ``prairielearn``: reads ``/grade/student``, writes ``/grade/results/results.json`` in
  PrairieLearn's external-grader format (``gradable``, ``score`` from 0 to 1, ``message``,
  ``tests`` with ``points`` / ``max_points``).

The upload is hostile input: exercise files are found at any depth (a student zips a folder, or
uploads files loose) by :mod:`grader.submission.uploads` (no links followed; bounds on depth,
entries and size); they are copied into a private staging folder, and only that is graded. Each
exercise is graded by its own ``grade`` process, in course order, under an overall deadline, so a
submission that loops costs its own exercises only and the score so far is kept. Whatever happens —
an empty upload, unreadable files, a grader failure, the deadline — a valid results file is written
with a message the student can act on. Weak isolation while running as root is never silent: the
results' output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from grader.instructor.gradebook import check_list
from grader.report.write import write_whole
from grader.submission.uploads import read_submission, wanted_names

LAYOUTS = {
    "gradescope": (Path("/autograder/submission"), Path("/autograder/results/results.json")),
    "prairielearn": (Path("/grade/student"), Path("/grade/results/results.json")),
}
DEFAULT_DEADLINE = 600.0  # seconds for the whole submission


def _grade_one(folder: Path, name: str, budget: float, out: Path) -> tuple[dict | None, str]:
    """(the JSON report of one exercise, or None; "timeout" or "grader" when there is none).
    The grading process gets its own process group: on the deadline all of it is killed."""
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "grader.cli", str(folder), "-e", name, "--hidden",
               "--format", "json", "-o", str(out)]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=hasattr(os, "setsid"),
    )
    try:
        _, errors = process.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return None, "timeout"
    try:
        return json.loads(out.read_text(encoding="utf-8")), ""
    except (OSError, ValueError):
        sys.stderr.write(errors[-4000:])  # for the instructor's log, never the student
        return None, "grader"


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (AttributeError, ProcessLookupError, PermissionError):
        process.kill()
    process.wait()


_TIME_UP = "not graded: the time limit for the whole submission ({:.0f} s) was reached"


def _grade_entry(exercise, folder: Path, problems: dict, left: float, deadline: float,
                 work: Path, summary: dict) -> dict:  # fmt: skip
    """One exercise's entry: its report, or the sentence saying why there is none."""
    entry = {"name": exercise.name, "order": exercise.order, "file": exercise.file}
    names = sorted(wanted_names([exercise]))  # NN_name.py, and the notebook NN_name.ipynb
    present = [name for name in names if (folder / name).exists()]
    refused = [problems[name] for name in names if name in problems]
    if refused and not present:
        entry["problem"] = refused[0]
    elif not present:
        entry["problem"] = f"{' or '.join(names)} was not in your upload"
    elif left < 1:
        entry["problem"] = _TIME_UP.format(deadline)
    else:
        report, failure = _grade_one(folder, exercise.name, left, work / "report.json")
        if report is not None:
            entry["report"] = report["exercises"][0]
            summary["isolation"].add(report["isolation"])
        elif failure == "timeout":
            entry["problem"] = _TIME_UP.format(deadline) + (
                " while grading it; does your code loop forever?"
            )
        else:
            entry["problem"] = (
                "the grader failed on this exercise (not your fault; tell your instructor)"
            )
    return entry


def grade_upload(upload: Path, deadline: float) -> dict:
    """Everything needed for either results format, as plain data."""
    from grader.exercises import load_exercises

    started = time.monotonic()
    exercises = list(load_exercises())
    found = read_submission(upload, wanted_names(exercises))
    summary = {"exercises": [], "notes": list(found.notes), "isolation": set()}
    summary["found"] = len(found.files)
    with tempfile.TemporaryDirectory(prefix="gdkit-submission-") as work:
        folder = Path(work) / "submission"
        found.write(folder)
        for exercise in exercises:
            left = deadline - (time.monotonic() - started)
            summary["exercises"].append(
                _grade_entry(exercise, folder, found.refused, left, deadline, Path(work), summary)
            )
    summary["duration"] = time.monotonic() - started
    return summary


def _check_output(check: dict) -> str:
    if check["status"] == "passed":
        return "passed"
    parts = [check.get("message", "")]
    if check.get("details"):
        parts.append(check["details"])
    if check.get("diagnosis_message"):
        parts.append(f"Likely mistake: {check['diagnosis_message']}")
    if check.get("hint"):
        parts.append(f"Hint: {check['hint']}")
    if check.get("output", "").strip():
        parts.append("Your code printed:\n" + check["output"].strip()[:1000])
    return "\n".join(p for p in parts if p)


def tests_of(summary: dict) -> list[dict]:
    """One entry per check, graded or not: name, number, score, max_score, output, …"""
    from grader.exercises import by_name

    tests = []
    for entry in summary["exercises"]:
        report = entry.get("report")
        checks = report["checks"] if report else check_list(by_name(entry["name"]))
        for index, check in enumerate(checks, start=1):
            graded = report is not None
            tests.append(
                {
                    "name": f"{entry['name']}: {check['description']}",
                    "number": f"{entry['order']}.{index}",
                    "score": check["score"] if graded else 0,
                    "max_score": check["points"],
                    "passed": graded and check["status"] == "passed",
                    "output": _check_output(check) if graded else entry["problem"],
                    "hidden": check["visibility"] == "hidden",
                    "tags": [entry["name"]]
                    + ([check["diagnosis"]] if graded and check.get("diagnosis") else []),
                }
            )
    return tests


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def headline(summary: dict, tests: list[dict]) -> str:
    from grader.exercises import load_exercises

    lines = []
    score, total = sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)
    isolation = ", ".join(sorted(summary["isolation"])) or "none (nothing was run)"
    if summary["found"] == 0:
        names = [e.file for e in load_exercises()]
        lines.append(
            "No exercise file was found in your upload, so nothing could be graded. Upload the "
            f"files you worked on ({names[0]}, {names[1]}, …, {names[-1]}), with these exact "
            "names: loose, or in a folder or zip."
        )
    else:
        lines.append(f"Graded {summary['found']} exercise file(s): {score}/{total} points.")
    lines += [f"Note: {note}" for note in summary["notes"]]
    lines.append(f"Isolation: {isolation}.")
    weak = [i for i in summary["isolation"] if not i.startswith("bubblewrap")]
    if weak and _is_root():
        lines.append(
            "Warning: this autograder ran as root without bubblewrap, so the submission's code "
            "ran with a weaker sandbox (resource limits only). Instructors: allow user "
            "namespaces in the container, or run it as a non-root user."
        )
    return "\n".join(lines)


def to_gradescope(summary: dict) -> dict:
    tests = tests_of(summary)
    return {
        "score": sum(t["score"] for t in tests),
        "execution_time": round(summary.get("duration", 0.0), 3),
        "output": headline(summary, tests),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": t["name"],
                "number": t["number"],
                "score": t["score"],
                "max_score": t["max_score"],
                "status": "passed" if t["passed"] else "failed",
                "output": t["output"],
                "visibility": "after_due_date" if t["hidden"] else "visible",
                "tags": t["tags"],
            }
            for t in tests
        ],
    }


def to_prairielearn(summary: dict) -> dict:
    tests = tests_of(summary)
    total = sum(t["max_score"] for t in tests)
    return {
        "gradable": summary["found"] > 0,
        "score": sum(t["score"] for t in tests) / total if total else 0.0,
        "message": headline(summary, tests),
        "tests": [
            {
                "name": t["name"],
                "description": t["name"],
                "points": t["score"],
                "max_points": t["max_score"],
                "message": "passed" if t["passed"] else t["output"],
            }
            for t in tests
        ],
    }


FORMATS = {"gradescope": to_gradescope, "prairielearn": to_prairielearn}


def failure_results(fmt: str, message: str) -> dict:
    """What is written when grading itself broke: score 0, and what the student can do."""
    text = (
        f"The autograder failed ({message}); this is not your fault. Please resubmit, "
        "and tell your instructor if it happens again."
    )
    if fmt == "prairielearn":
        return {"gradable": False, "score": 0.0, "message": text, "tests": []}
    return {"score": 0, "output": text, "visibility": "visible", "tests": []}


def write_results(results: Path, data: dict) -> None:
    """Write ``data`` atomically (a half-written file is never left behind)."""
    results.parent.mkdir(parents=True, exist_ok=True)
    write_whole(results, json.dumps(data, indent=2, ensure_ascii=True) + "\n")


def _layout(name: str) -> str:
    if name != "auto":
        return name
    for candidate, (upload, _results) in LAYOUTS.items():
        if upload.parent.is_dir():
            return candidate
    return "gradescope"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gdkit-autograde", description=__doc__.split("\n")[0])
    parser.add_argument("--layout", choices=["auto", *LAYOUTS], default="auto")
    parser.add_argument("--submission", type=Path, help="the uploaded files (overrides layout)")
    parser.add_argument("--results", type=Path, help="where results.json goes")
    parser.add_argument("--format", choices=list(FORMATS), help="default: the layout's")
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE,
        help="seconds for the whole submission (default %(default)s)",
    )
    args = parser.parse_args(argv)
    layout = _layout(args.layout)
    upload = args.submission or LAYOUTS[layout][0]
    results = args.results or LAYOUTS[layout][1]
    fmt = args.format or layout
    try:
        data = FORMATS[fmt](grade_upload(upload, args.deadline))
    except BaseException as error:  # noqa: BLE001 - a results file is written whatever happens
        traceback.print_exc()
        data = failure_results(fmt, type(error).__name__)
    write_results(results, data)
    print(f"wrote {results}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
