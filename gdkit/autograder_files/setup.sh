#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
# Python and bubblewrap from the distribution (its package lists fetched first: a fresh image
# has none); numpy, pytest and click from PyPI; gdkit from the copy in this zip (with the
# hidden checks).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    python3 python3-venv python3-pip bubblewrap ca-certificates
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q --no-cache-dir /autograder/source/gdkit
# the submission's code runs as this user when bubblewrap cannot start (never as root) ...
id -u nobody >/dev/null 2>&1 || useradd --system --no-create-home nobody
# ... who can then read nothing of the grader: its hidden checks, gdref, the copy in this zip
# (-I: the grader installed, never a copy in the current folder; the autograder checks this at
# every start, by trying, and refuses to grade if learner code could read them)
/autograder/venv/bin/python -I -m grader.instructor.secrecy
