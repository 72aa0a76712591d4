"""What `sandbox up` says while it works: pip's output read into packages and bytes, and the
command's lines in a terminal and in a pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from engine.sandbox import DIR_ENV
from engine.sandbox.progress import PipProgress, Progress

# Lines as pip 24 prints them with --progress-bar off (taken from a real run).
PIP_OUTPUT = """\
Looking in indexes: https://pypi.org/simple
Collecting ironic==39.0.0
  Downloading ironic-39.0.0-py3-none-any.whl.metadata (4.5 kB)
  Downloading ironic-39.0.0-py3-none-any.whl (3.3 MB)
Collecting pyyaml==6.0.2
  Downloading PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (762 kB)
WARNING: Location 'file:///opt/pypi-more/simple/six/' is ignored: it is neither a file nor a dir
Processing /opt/pypi/files/six-1.17.0-py2.py3-none-any.whl
Collecting alembic==1.20.1 (from ironic==39.0.0)
  Using cached alembic-1.20.1-py3-none-any.whl (233 kB)
Installing collected packages: six, pyyaml, alembic, ironic
Successfully installed alembic-1.20.1 ironic-39.0.0 pyyaml-6.0.2 six-1.17.0
"""


def test_pip_output_counts_packages_and_bytes():
    watch = PipProgress(110)
    details = []
    for line in PIP_OUTPUT.splitlines(keepends=True):
        watch.feed(line)
        details.append(watch.detail())
    assert details[1] == "1/110 packages, 0.0 MB"
    assert details[3] == "1/110 packages, 3.3 MB"
    assert details[5] == "2/110 packages, 4.1 MB"
    assert details[-3] == "4/110 packages, 4.3 MB"
    assert details[-2] == "installing 4 packages (4.3 MB fetched)"


def test_a_progress_line_counts_from_the_start_of_up():
    progress = Progress(2, "37/110 packages, 24.1 MB", started=100.0)
    assert progress.line(now=141.4) == "[2/4] Installing Ironic: 37/110 packages, 24.1 MB (41 s)"
    assert Progress(4, started=0.0).line(now=2.0) == "[4/4] Enrolling demo nodes (2 s)"


def _sandbox_up(directory, *, tty: bool) -> str:
    """`tripleo-tui sandbox up` in a real process, its stdout a pipe or a pseudo-terminal."""
    environment = {**os.environ, DIR_ENV: str(directory)}
    command = [sys.executable, "-m", "tripleo_tui", "sandbox", "up"]
    if tty:
        command = ["script", "-qec", " ".join(command), "/dev/null"]
    done = subprocess.run(command, env=environment, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()  # bytes first: text mode would turn each \r into \n


def test_sandbox_up_says_each_step_then_how_many_nodes_are_ready(ironic_sandbox_dir):
    plain = _sandbox_up(ironic_sandbox_dir, tty=False)
    lines = plain.splitlines()
    assert lines[0].startswith("[3/4] Starting Ironic: already running at http://127.0.0.1:")
    assert lines[1].startswith("[4/4] Enrolling demo nodes (")
    assert re.fullmatch(r"4 nodes ready( \(.*\))? in [0-9.]+ s\.", lines[-1])
    assert "\r" not in plain and "\x1b" not in plain

    terminal = _sandbox_up(ironic_sandbox_dir, tty=True)
    assert "\r\x1b[K[3/4] Starting Ironic: already running" in terminal
    assert "\r\x1b[K[4/4] Enrolling demo nodes" in terminal
    assert "4 nodes ready in " in terminal
