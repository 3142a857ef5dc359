"""The autograder's container image, built and run for real where podman works.

No image registry is reachable from these machines: the base image is a Debian root file
system written by mmdebstrap and imported into podman. The test skips (saying why) where
podman or mmdebstrap is missing or cannot run containers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from secrets_search import assert_no_hidden_text, searching_submission

from gdkit.autograder import build_autograder
from grader.exercises import REPO_ROOT
from grader.report.render import schema_path

BASE = "localhost/gdkit-test-base:bookworm"
IMAGE = "localhost/gdkit-test-grader:latest"
# settings some hosts need: a runtime that copes with hybrid cgroups, limits no higher than the
# host's (raising them needs CAP_SYS_RESOURCE)
_FALLBACK = ["--runtime", "/usr/sbin/runc", "--ulimit", "nofile=1024:1024",
             "--ulimit", "nproc=1000:1000"]  # fmt: skip
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")


def _host_trust(folder: Path) -> list[str]:
    """A host that reaches PyPI through a proxy with its own certificate authority lends it to
    the build's pip (beside the image's own certificates, which apt manages)."""
    if not HOST_CA.is_file():
        return []
    pip_conf = folder / "pip.conf"
    pip_conf.write_text("[global]\ncert = /run/host-ca.crt\n")
    return [f"-v={HOST_CA}:/run/host-ca.crt:ro", f"-v={pip_conf}:/etc/pip.conf:ro"]


def _run(*command: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def podman(tmp_path_factory) -> list[str]:
    """The podman options that run containers on this host (a base image imported first)."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    if _run("podman", "image", "exists", BASE).returncode != 0:
        if shutil.which("mmdebstrap") is None:
            pytest.skip("mmdebstrap is not installed (no base image can be made offline)")
        tarball = tmp_path_factory.mktemp("rootfs") / "bookworm.tar"
        made = _run("mmdebstrap", "--variant=apt", "bookworm", str(tarball))
        if made.returncode != 0:
            pytest.skip(f"mmdebstrap failed: {made.stderr[-500:]}")
        _run("podman", "import", str(tarball), BASE)
    for options in ([], _FALLBACK):
        if _run("podman", "run", "--rm", *options, BASE, "true", timeout=120).returncode == 0:
            return options
    pytest.skip("podman cannot run containers here")


@pytest.mark.slow
def test_the_image_builds_and_grades_an_upload(podman, tmp_path):
    out = build_autograder(tmp_path / "build", deadline=60, base_image=BASE)
    trust = _host_trust(tmp_path)
    built = _run("podman", "build", *podman, *trust, "-t", IMAGE, str(out / "container"))
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    upload, results = tmp_path / "upload", tmp_path / "results"
    (upload / "deep").mkdir(parents=True)
    results.mkdir()
    shutil.copy(REPO_ROOT / "solutions" / "01_parabola.py", upload / "deep")
    (upload / "02_bce_gradient.py").write_text("while True:\n    pass\n")
    ran = _run("podman", "run", "--rm", *podman, f"-v={upload}:/autograder/submission:ro",
               f"-v={results}:/autograder/results", IMAGE, timeout=300)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    data = json.loads((results / "results.json").read_text())
    jsonschema.validate(data, json.loads(schema_path("gradescope-results.schema.json").read_text()))
    parabola = [t for t in data["tests"] if t["tags"][0] == "parabola"]
    assert data["score"] == sum(t["max_score"] for t in parabola) > 0
    looping = [t["output"] for t in data["tests"] if t["tags"][0] == "bce_gradient"]
    assert all("took longer than 10 s" in output for output in looping)  # stopped, not hung
    (instructors,) = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert "could read none of the" in instructors["output"]  # the Dockerfile locked them


@pytest.mark.slow
def test_setup_sh_on_a_fresh_debian_base_keeps_the_hidden_checks_secret(podman, tmp_path):
    """Gradescope's steps on a Debian base with no package lists (setup.sh, then
    run_autograder), bubblewrap then removed: the searching submission of the secrecy test
    finds nothing, and students see nothing of the hidden checks."""
    out = build_autograder(tmp_path / "build", deadline=60)
    source, upload, results = tmp_path / "source", tmp_path / "upload", tmp_path / "results"
    with zipfile.ZipFile(out / "gdkit-autograder.zip") as archive:
        archive.extractall(source)
    for name in ("setup.sh", "run_autograder"):
        (source / name).chmod(0o755)  # as Gradescope unpacks them (zipfile does not)
    upload.mkdir()
    results.mkdir()
    (upload / "01_parabola.py").write_text(searching_submission())
    script = (
        'set -e; test -z "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -x -e lock -e partial)"; '
        "cp -r /root/src /autograder/source; bash /autograder/source/setup.sh >/dev/null; "
        "cp /autograder/source/run_autograder /autograder/; rm -f /usr/bin/bwrap; "
        "/autograder/run_autograder"
    )
    mounts = [f"-v={source}:/root/src:ro", f"-v={upload}:/autograder/submission:ro",
              f"-v={results}:/autograder/results"]  # fmt: skip
    ran = _run("podman", "run", "--rm", *podman, *_host_trust(tmp_path), *mounts,
               BASE, "bash", "-c", script, timeout=900)  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    data = json.loads((results / "results.json").read_text())
    jsonschema.validate(data, json.loads(schema_path("gradescope-results.schema.json").read_text()))
    seen = assert_no_hidden_text(data)
    assert "found 0 hidden checks" in seen and "(isolation: process)" in data["output"]
    assert "instructors only): Secrecy: learner code (process) could read none" in ran.stdout
