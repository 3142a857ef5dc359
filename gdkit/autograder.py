"""``gdkit autograder build OUT``: the autograder, for Gradescope and for container graders.

Writes, under OUT:

- ``gdkit-autograder.zip``: Gradescope's layout — ``setup.sh`` and ``run_autograder`` at the
  root, and ``gdkit/``, this project's grader and gdref with every check, hidden ones included
  (no solutions, tests or decks). ``setup.sh`` installs Python and bubblewrap with apt, then
  gdkit into ``/autograder/venv`` (numpy, pytest and click come from PyPI at that point).
- ``container/``: a ``Dockerfile`` and the same ``gdkit/`` tree, for PrairieLearn's external
  grader or a Kubernetes Job (one submission per container).

Both run ``python -m grader.instructor.autograde`` (see that module): one submission folder in, one
``results.json`` out, always.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from importlib.resources import files
from pathlib import Path

import click

from gdkit.release import ReleaseError, learner_readme, release_pyproject
from grader.commands import SECONDS
from grader.exercises import REPO_ROOT

PROJECT_PACKAGES = ("gdref", "grader")
PROJECT_FILES = ("gdkit/__init__.py", "gdkit/cli.py")
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same project gives the same zip


DEFAULT_BASE_IMAGE = "debian:bookworm-slim"


def _template(name: str, deadline: float, base_image: str = DEFAULT_BASE_IMAGE) -> str:
    text = files("gdkit").joinpath("autograder_files", name).read_text(encoding="utf-8")
    return text.replace("@DEADLINE@", f"{deadline:g}").replace("@BASE@", base_image)


def write_project(target: Path, root: Path = REPO_ROOT) -> None:
    """The installable project, with every check (hidden ones too), under ``target``."""
    for package in PROJECT_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                destination = target / path.relative_to(root)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)
    for relative in PROJECT_FILES:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, target / relative)
    readme = learner_readme((root / "README.md").read_text(encoding="utf-8"))
    (target / "README.md").write_text(readme, encoding="utf-8")
    pyproject = release_pyproject((root / "pyproject.toml").read_text(encoding="utf-8"))
    (target / "pyproject.toml").write_text(pyproject, encoding="utf-8")


def _zip_folder(folder: Path, zip_path: Path) -> None:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_DATE)
                executable = os.access(path, os.X_OK)
                info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())


def _write_script(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


def build_autograder(
    out: Path,
    deadline: float = 600.0,
    force: bool = False,
    base_image: str = DEFAULT_BASE_IMAGE,
) -> Path:
    """Write the zip and the container folder to ``out`` (all or nothing)."""
    if out.exists() and not force and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not empty (use --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        gradescope = staging / "gradescope"
        write_project(gradescope / "gdkit")
        _write_script(gradescope / "setup.sh", _template("setup.sh", deadline))
        _write_script(gradescope / "run_autograder", _template("run_autograder", deadline))
        _zip_folder(gradescope, staging / "gdkit-autograder.zip")
        shutil.rmtree(gradescope)
        container = staging / "container"
        write_project(container / "gdkit")
        (container / "Dockerfile").write_text(_template("Dockerfile", deadline, base_image))
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


@click.group("autograder")
def autograder() -> None:
    """Build the autograder for Gradescope, PrairieLearn or a Kubernetes Job."""


@autograder.command("build")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--deadline",
    type=SECONDS,
    default=600.0,
    show_default=True,
    help="Seconds allowed for one whole submission.",
)
@click.option(
    "--base-image",
    default=DEFAULT_BASE_IMAGE,
    show_default=True,
    help="The container's base image (Debian or Ubuntu: the Dockerfile uses apt-get).",
)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def build(out: Path, deadline: float, force: bool, base_image: str) -> None:
    """Write OUT/gdkit-autograder.zip (Gradescope) and OUT/container/ (a Dockerfile)."""
    build_autograder(out, deadline, force, base_image)
    click.echo(f"wrote {out / 'gdkit-autograder.zip'} and {out / 'container'}/Dockerfile")
