"""grader.runner.grade_each: one pytest session grades folder after folder, each as a
one-folder grade() would, and a folder that stops the session costs only its own turn."""

from __future__ import annotations

import shutil

import pytest
from grader_helpers import MUTANT_LIMITS, leftovers, process_table

from grader import runner
from grader.authoring.mutants import apply_mutant
from grader.exercises import by_name, solutions_dir
from grader.runner import GraderError, grade, grade_each
from grader.sandbox.sandbox import Sandbox, SandboxError

NAMES = ["parabola", "momentum", "gradient_check"]
REPO = solutions_dir().parent


def summary(report) -> list[tuple]:
    return [
        (e.exercise.name, c.name, str(c.status), c.diagnosis, c.message, c.output)
        for e in report.exercises
        for c in e.checks
    ]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> list:
    """A mutant, the solutions, the stubs, a printing solution and the mutant again."""
    root = tmp_path_factory.mktemp("session")
    made = []
    for index, kind in enumerate(["mutant", "solution", "stubs", "printing", "mutant"]):
        folder = root / f"{index}-{kind}"
        shutil.copytree(REPO / ("exercises" if kind == "stubs" else "solutions"), folder)
        target = folder / by_name("momentum").file
        if kind == "mutant":
            mistake = by_name("momentum").mistake("ema_velocity")
            target.write_text(apply_mutant(target.read_text(), mistake, target.name))
        if kind == "printing":
            target.write_text(target.read_text() + "\nprint('loaded, says the learner')\n")
        made.append(folder)
    return made


def test_each_folder_gets_the_report_grade_gives_it(folders):
    alone = [summary(grade(f, NAMES, include_hidden=True, limits=MUTANT_LIMITS)) for f in folders]
    reports = []
    with Sandbox(MUTANT_LIMITS) as sandbox:
        grade_each(folders, reports.append, NAMES, include_hidden=True, sandbox=sandbox)
    assert [summary(r) for r in reports] == alone
    assert [r.submission for r in reports] == [str(f.resolve()) for f in folders]
    assert alone[0] == alone[4] and alone[0] != alone[1]  # the cases differ: the test can fail
    assert any("says the learner" in c[5] for c in alone[3])


def test_each_report_is_handed_over_before_the_next_folder_is_taken(folders):
    events = []
    with Sandbox(MUTANT_LIMITS) as sandbox:

        def taken():
            for folder in folders[:3]:
                events.append(("take", folder.name))
                yield folder

        grade_each(
            taken(),
            lambda r: events.append(("report", r.submission.rsplit("/", 1)[-1])),
            ["parabola"],
            sandbox=sandbox,
        )
    names = [f.name for f in folders[:3]]
    assert events == [(kind, name) for name in names for kind in ("take", "report")]


def test_no_worker_of_a_folder_runs_when_the_next_is_taken(folders):
    with Sandbox(MUTANT_LIMITS) as sandbox:
        seen = []

        def taken():
            for folder in folders[:3]:
                seen.append(sorted(str(p) for p in sandbox._groups))
                yield folder

        grade_each(taken(), lambda r: None, ["parabola"], sandbox=sandbox)
        seen.append(sorted(sandbox._groups))
    assert seen == [[], [], [], []]


def test_a_folder_that_stops_the_session_costs_only_its_turn(folders, monkeypatch):
    """A grader fault on the second folder: the first was reported, the fault is raised, and
    a new session given the same folders goes on with the third."""
    real = runner.load_files

    def failing(submission, *args, **kwargs):
        if submission.name.startswith("1-"):
            raise SandboxError("a sandbox worker could not start: simulated")
        return real(submission, *args, **kwargs)

    monkeypatch.setattr(runner, "load_files", failing)
    before = process_table()
    reports = []
    pending = iter(folders[:3])
    with Sandbox(MUTANT_LIMITS) as sandbox:
        with pytest.raises(SandboxError, match="simulated"):
            grade_each(pending, reports.append, ["parabola"], sandbox=sandbox)
        assert [r.submission.rsplit("/", 1)[-1] for r in reports] == ["0-mutant"]
        grade_each(pending, reports.append, ["parabola"], sandbox=sandbox)
        assert not sandbox._groups
    assert [r.submission.rsplit("/", 1)[-1] for r in reports] == ["0-mutant", "2-stubs"]
    assert leftovers(before) == []


def test_checks_that_cannot_be_collected_are_a_grader_error(tmp_path, monkeypatch, folders):
    broken = tmp_path / "checks"
    broken.mkdir()
    (broken / "check_parabola.py").write_text("import nowhere_to_be_found\n")
    monkeypatch.setattr(runner, "checks_module_path", lambda e: broken / f"check_{e.name}.py")
    with Sandbox(MUTANT_LIMITS) as sandbox:
        with pytest.raises(GraderError, match="could not be collected"):
            grade_each(iter(folders[:2]), lambda r: None, ["parabola"], sandbox=sandbox)
        assert not sandbox._groups
