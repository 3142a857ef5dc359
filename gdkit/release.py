"""``gdkit release OUT``: the tree a course hands to its students.

What goes in: ``exercises/`` (stubs generated afresh from ``solutions/``), the grader with its
public checks only, the week-2 deck built (``deck/*.apkg``), the README's learner sections, and a
``pyproject.toml`` that installs it (the ``grade`` command: every ``gdkit`` subcommand is the
instructor's or builds decks, so the ``gdkit`` package stays out).

No implementation of any exercise goes in: not ``solutions/``, not gdref (only with
``--with-gdref``, for after the deadline), not the decks code that computes worked examples with
it. The public checks keep their comparisons, diagnoses and hints; their reference values are
recorded when the release is made (:mod:`grader.authoring.public_checks` leaves each
``@remembered`` function's name only, :mod:`grader.authoring.recording` records what it returns
for every call the public checks make, into ``grader/checks/recorded.json``, whose SHA-256 the
release marker keeps). What also stays out: the hidden checks, the mutant catalogue's source
substitutions, the tests, the benchmarks, and every instructor command (the modules in
``INSTRUCTOR_ONLY``; ``grade`` lists only what is installed).

``grader/release.json`` marks the tree as a release: ``grade`` then says that this release has
no hidden checks, ``grade --solution`` that solutions are not part of it, and the checks read
their reference values from the record.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the instructor extra installs tomli
    import tomli as tomllib

from grader.authoring.stubs import StubError
from grader.authoring.sync import planned_stubs
from grader.checking.record import RECORD_FILE_NAME, write_record
from grader.edition import RELEASE_FILE_NAME
from grader.exercises import REPO_ROOT, checks_module_path, load_exercises

PACKAGES = ("grader",)  # gdkit's own commands are the instructor's and the decks' only
REFERENCE_PACKAGE = "gdref"  # only with --with-gdref: it implements every exercise

# Paths (relative to the project root) that never go into a release: instructor commands and
# instructor documentation. A folder excludes everything below it.
INSTRUCTOR_ONLY = (
    "gdkit",
    "grader/instructor",  # grade batch, the gradebook, the class report, the autograder
    "grader/authoring",  # stubs, the self-test, release stripping and recording
    "grader/submission/uploads.py",
    "grader/CHECKS.md",
    "grader/README.md",
)

# The README sections (level-2 headings) a learner needs; the rest is for the project's
# developers and instructors.
LEARNER_SECTIONS = ("For learners", "Data and licences")
REFERENCE_SECTION = "gdref in five lines"  # only in a release with gdref
DECK_SOURCE = "decks/week02.md"
DECK_FOLDER = "deck"  # where the release keeps the built week-2 package

_GETTING_STARTED = """## Getting started

```sh
python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/grade
```

The first run reports every exercise as "not started" and tells you where to begin. Your
exercises are the files in `exercises/`. `grade` runs the public checks; your instructor's
grading also runs hidden ones, so passing every public check is a good sign, not a guarantee.

## The Anki deck

The week-2 deck is built: `{deck}`. In Anki, File → Import it; importing the deck of a later
release updates its notes in place and keeps their review history.
"""


class ReleaseError(click.ClickException):
    """The release cannot be made (no source tree, a malformed solution, OUT in the way)."""


@dataclass
class ReleaseSummary:
    out: Path
    files: int
    hidden_checks: int
    hidden_points: int
    mutants: int


def _excluded(relative: str) -> bool:
    return any(relative == p or relative.startswith(p + "/") for p in INSTRUCTOR_ONLY)


def _package_files(root: Path, package: str) -> list[str]:
    files = []
    for path in sorted((root / package).rglob("*")):
        relative = path.relative_to(root).as_posix()
        if "__pycache__" in path.parts or path.suffix == ".pyc" or not path.is_file():
            continue
        if not _excluded(relative):
            files.append(relative)
    return files


def learner_readme(readme: str, deck: str = "deck/", with_gdref: bool = False) -> str:
    """The README's title and introduction, a getting-started section for the release (and
    where its built ``deck`` is), and the learner sections in their original order (gdref's
    only ``with_gdref``)."""
    wanted = LEARNER_SECTIONS + ((REFERENCE_SECTION,) if with_gdref else ())
    parts = readme.split("\n## ")
    intro, sections = parts[0], parts[1:]
    kept = [s for s in sections if s.split("\n", 1)[0].strip() in wanted]
    missing = set(wanted) - {s.split("\n", 1)[0].strip() for s in kept}
    if missing:
        raise ReleaseError(f"README.md has no section {', '.join(sorted(missing))!r}")
    body = "\n".join("## " + s.rstrip("\n") + "\n" for s in kept)
    # the release has no solutions to reveal: drop the lines that offer them
    body = "".join(line for line in body.splitlines(True) if "grade --solution" not in line)
    return intro.rstrip("\n") + "\n\n" + _GETTING_STARTED.format(deck=deck) + "\n" + body


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise ReleaseError(f"pyproject.toml: cannot copy a value of type {type(value).__name__}")


def _toml_table(name: str, table: dict) -> list[str]:
    lines = [f"[{name}]"]
    lines += [f"{json.dumps(k) if '-' in k else k} = {_toml_value(v)}" for k, v in table.items()]
    return lines + [""]


def _shipped_module(target: str, packages: tuple[str, ...]) -> bool:
    """Is the module of a script's target (``package.module:function``) in the release?"""
    module = target.split(":", 1)[0]
    path = module.replace(".", "/") + ".py"
    return module.split(".", 1)[0] in packages and not _excluded(path)


def release_pyproject(pyproject: str, packages: tuple[str, ...] | None = None) -> str:
    """The project's metadata without the test extra and the development tool settings. For a
    release's ``packages``: only the scripts whose module it holds, and none of the extras
    (they install the decks' and the instructor's tools, which a release does not hold). With
    no ``packages`` (the autograder's copy of the whole project), every script and extra."""
    data = tomllib.loads(pyproject)
    project = dict(data["project"])
    extras = dict(project.pop("optional-dependencies", {}))
    extras.pop("test", None)
    scripts = project.pop("scripts", {})
    setuptools = data.get("tool", {}).get("setuptools", {})
    package_data = {k: list(v) for k, v in setuptools.get("package-data", {}).items()}
    find = setuptools["packages"]["find"]
    if packages is not None:
        extras = {}
        scripts = {k: v for k, v in scripts.items() if _shipped_module(v, packages)}
        package_data = {k: v for k, v in package_data.items() if k in packages}
        find = {"include": [f"{package}*" for package in packages]}
    package_data.setdefault("grader", []).extend([RELEASE_FILE_NAME, f"checks/{RECORD_FILE_NAME}"])
    lines = _toml_table("build-system", data["build-system"]) + _toml_table("project", project)
    if extras:
        lines += _toml_table("project.optional-dependencies", extras)
    lines += _toml_table("project.scripts", scripts)
    lines += _toml_table("tool.setuptools.packages.find", find)
    lines += _toml_table("tool.setuptools.package-data", package_data)
    return "# The student release of gdkit (made by `gdkit release`).\n" + "\n".join(lines)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _write_checks(root: Path, staging: Path) -> tuple[int, int, int, set[str]]:
    """Every checks module in its public form; (hidden checks, hidden points, mutants, paths)."""
    from grader.authoring.public_checks import PublicChecksError, public_only
    from grader.checking.plugin import mistake_functions

    hidden = points = mutants = 0
    written = set()
    for exercise in load_exercises():
        path = checks_module_path(exercise)
        relative = path.resolve().relative_to(root.resolve()).as_posix()
        functions = {m.id: sorted(mistake_functions(exercise, m.id)) for m in exercise.mistakes}
        try:
            stripped = public_only(path.read_text(encoding="utf-8"), relative, functions)
        except PublicChecksError as error:
            raise ReleaseError(str(error)) from None
        _write(staging / relative, stripped.source)
        hidden, points = hidden + stripped.hidden_checks, points + stripped.hidden_points
        mutants += stripped.mutants
        written.add(relative)
    return hidden, points, mutants, written


def build_release(
    out: Path, root: Path = REPO_ROOT, force: bool = False, with_gdref: bool = False
) -> ReleaseSummary:
    """Write the student release to ``out`` (all of it, or nothing: it is built beside ``out``
    and moved into place)."""
    if not (root / "solutions").is_dir():
        raise ReleaseError(
            f"{root / 'solutions'} not found: run `gdkit release` from the project's source "
            "tree (an editable install), not from an installed copy"
        )
    if out.exists() and not force and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not empty (use --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        summary = _fill(staging, root, with_gdref)
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    summary.out = out
    return summary


def _write_record(root: Path, staging: Path) -> str:
    """The public checks' reference values, recorded with gdref; the record's SHA-256."""
    from grader.authoring.recording import record_public_values
    from grader.checking.record import RecordError

    try:
        values = record_public_values(root / "solutions")
    except RecordError as error:
        raise ReleaseError(str(error)) from None
    path = staging / "grader" / "checks" / RECORD_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_record(values, path)


def _write_deck(root: Path, staging: Path) -> str:
    """The week-2 deck, built (the decks code and its notes stay out); its path in the
    release. GUIDs come from the notes, so a learner's re-import of a later release's deck
    updates in place; with SOURCE_DATE_EPOCH set, the package is the same byte for byte."""
    try:
        from decks.build import build
        from decks.errors import DeckError, SettingError
    except ImportError as error:
        raise ReleaseError(
            f"the release holds the built deck, which needs the decks extra ({error.name} is "
            "missing): pip install -e '.[decks]'"
        ) from None
    with tempfile.TemporaryDirectory(prefix="gdkit-deck-") as out:
        try:
            (built,) = build([root / DECK_SOURCE], Path(out))
        except (DeckError, SettingError) as error:
            raise ReleaseError(f"the deck does not build: {error}") from None
        target = staging / DECK_FOLDER / built.package_path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built.package_path, target)
    return target.relative_to(staging).as_posix()


def _fill(staging: Path, root: Path, with_gdref: bool) -> ReleaseSummary:
    hidden, points, mutants, checks = _write_checks(root, staging)
    record_sha256 = _write_record(root, staging)
    deck = _write_deck(root, staging)
    packages = PACKAGES + ((REFERENCE_PACKAGE,) if with_gdref else ())
    count = len(checks) + 2
    for package in packages:
        for relative in _package_files(root, package):
            if relative in checks:
                continue
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / relative, target)
            count += 1
    try:
        stubs = planned_stubs(root / "solutions")
    except StubError as error:
        raise ReleaseError(str(error)) from None
    for name, text in stubs.items():
        _write(staging / "exercises" / name, text)
    readme = learner_readme((root / "README.md").read_text(encoding="utf-8"), deck, with_gdref)
    _write(staging / "README.md", readme)
    pyproject = release_pyproject((root / "pyproject.toml").read_text(), packages)
    _write(staging / "pyproject.toml", pyproject)
    marker = {
        "hidden_checks_removed": hidden,
        "hidden_points_removed": points,
        "record_sha256": record_sha256,
    }
    _write(staging / "grader" / RELEASE_FILE_NAME, json.dumps(marker, indent=2) + "\n")
    count += len(stubs) + 3
    return ReleaseSummary(staging, count, hidden, points, mutants)


@click.command("release")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option(
    "--with-gdref",
    is_flag=True,
    help="Add gdref, the reference implementation of every exercise (for after the deadline).",
)
def release(out: Path, force: bool, with_gdref: bool) -> None:
    """Write the student release to OUT: stubs, public checks with recorded values, the built
    deck; no solutions and no implementation of any exercise."""
    summary = build_release(out, force=force, with_gdref=with_gdref)
    reference = "" if with_gdref else "gdref/, the decks code, "
    click.echo(
        f"wrote {summary.out}: {summary.files} files; left out solutions/, {reference}"
        f"{summary.hidden_checks} hidden checks ({summary.hidden_points} points), "
        f"{summary.mutants} mutants and the instructor commands"
    )
