"""A user's check over SSH: `tripleo-tui` in a 120x40 (and an 80x24) tmux pane shows the
workbooks in 256 colours, `2` shows the baremetal workflows (their inputs as JSON), every pane
is usable at both sizes (its rows or its note shown, `?` and `q` kept in its key bar), `q`
exits cleanly (exit status 0, no traceback)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.tui.snapshot_state import fixed_id, make_state

REPO = Path(__file__).resolve().parents[2]
EXIT_STATUS = "exit-status"


def capture(session: str, *options: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", *options, "-t", session],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def wait_for_screen(session: str, *texts: str, timeout: float = 30.0) -> str:
    """The pane once it shows every one of `texts` (a busy machine may draw a frame in parts)."""
    deadline = time.monotonic() + timeout
    while True:
        screen = capture(session)
        if all(text in screen for text in texts):
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{texts!r} never all appeared; the pane shows:\n{screen}")
        time.sleep(0.2)


def send(session: str, *keys: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, *keys], check=True)


def start_console(tmp_path: Path, width: int, height: int, env: dict[str, str]) -> str:
    """`tripleo-tui` typed into a shell in a new tmux pane of that size, as a user would, with
    no OS_* variables, its state in `tmp_path`, no sandbox, and `env`; returns the session."""
    session = f"tripleo-tui-test-{uuid.uuid4().hex[:8]}"
    env = {
        "TRIPLEO_TUI_DB": str(tmp_path / "state.sqlite"),
        "TRIPLEO_TUI_SANDBOX_DIR": str(tmp_path / "no-sandbox"),  # no bare-metal endpoint
        "TERM": "xterm-256color",
        "PYTHONPATH": str(REPO),  # this checkout's code, wherever the install points
        **env,
    }
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    unset = " ".join(f"-u {name}" for name in os.environ if name.startswith("OS_"))
    status_file = shlex.quote(str(tmp_path / EXIT_STATUS))
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height)]
        + ["bash", "--norc", "--noprofile"],
        check=True,
    )
    send(session, "-l", f"env {unset} {assignments} tripleo-tui; echo $? > {status_file}")
    send(session, "Enter")
    return session


def quit_console(session: str, tmp_path: Path) -> str:
    """Press q; the console's exit status once it has ended."""
    send(session, "q")
    status_file = tmp_path / EXIT_STATUS
    deadline = time.monotonic() + 15
    while not status_file.exists() or not status_file.read_text().strip():
        assert time.monotonic() < deadline, f"still running after q:\n{capture(session)}"
        time.sleep(0.2)
    return status_file.read_text().strip()


PANES = {  # what each pane shows of the state file made by make_state: its note and rows
    "1": ("workbooks · enter", "test.snapshots"),
    "2": ("workflows · enter", "tripleo.baremetal.v1.tag_node"),
    "3": ("5 executions, 0 running", fixed_id(3)[:8], "test.snapshots.convert", "ERROR"),
    "4": ("Nodes unavailable", "Provisioning"),
    "5": ("1 message", "nodes are ready"),
}


@pytest.mark.parametrize("width, height", [(120, 40), (80, 24)])
def test_console_in_tmux(tmp_path: Path, width: int, height: int):
    assert shutil.which("tmux"), "tmux is needed: apt-get install -y tmux (.ci/run does)"
    make_state(tmp_path / "state.sqlite")  # executions (one failed) and a queue message
    # as on a terminal without true colour
    session = start_console(tmp_path, width, height, {"TEXTUAL_COLOR_SYSTEM": "256"})
    try:
        wait_for_screen(
            session,
            "1 Workbooks",
            "tripleo.baremetal.v1",
            "tripleo.examples.v1",
            "No bare-metal endpoint",
        )
        coloured = capture(session, "-e")
        assert "38;5;" in coloured and "38;2;" not in coloured and "48;2;" not in coloured
        send(session, "2")
        screen = wait_for_screen(session, "tripleo.baremetal.v1.tag_node")
        if width >= 120:
            assert 'node_uuid, role=null, queue_name="trip' in screen  # JSON, not a repr
        for pane, shown in PANES.items():  # each pane usable; its key bar keeps ? and q
            send(session, pane)
            wait_for_screen(session, *shown, "? Help", "q Quit")
        assert quit_console(session, tmp_path) == "0"
        assert "Traceback" not in capture(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
