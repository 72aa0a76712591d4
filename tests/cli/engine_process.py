"""Engine processes for the execution command tests: start one, find the live one, stop it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

START_TIMEOUT = 30.0


def lease_pid(db: Path) -> int | None:
    """The pid of the engine holding the state file's lease, if any."""
    if not db.exists():
        return None
    with sqlite3.connect(db) as conn:
        try:
            row = conn.execute("SELECT pid FROM engine_lease").fetchone()
        except sqlite3.OperationalError:  # not migrated yet
            return None
    return None if row is None else row[0]


def wait_for(condition, timeout: float = START_TIMEOUT, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def cli_command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tripleo_tui", "--db", str(db), *args]


def in_process_cli(db: Path, capsys) -> Callable[..., tuple[int, str, str]]:
    """`tripleo-tui --db DB ...` run in this process (capsys captures its output): returns
    (exit code, stdout, stderr), and fails on any traceback."""
    from tripleo_tui.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def as_json(cli: Callable[..., tuple[int, str, str]], *args: str) -> Any:
    """What a command prints with `-f json`, parsed; it must succeed."""
    code, out, err = cli(*args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def start_engine(
    db: Path, *args: str, env: dict[str, str] | None = None, clean: bool = False
) -> subprocess.Popen:
    """`tripleo-tui engine` in the foreground (`env`: variables to change; `clean`: without
    this process's OS_* variables), returned once it holds the lease."""
    process = subprocess.Popen(
        cli_command(db, "engine", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if not (clean and k.startswith("OS_"))},
            **(env or {}),
        },
    )
    log = db.parent / "tripleo-tui.log"
    ready = f"Engine started (pid {process.pid},"
    wait_for(
        lambda: process.poll() is not None or (log.exists() and ready in log.read_text()),
        what="the engine to start",
    )
    assert process.poll() is None, process.communicate()
    return process


def stop_engine(db: Path) -> None:
    """Stop whichever engine holds the lease (one a command started in the background too)."""
    pid = lease_pid(db)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    wait_for(lambda: lease_pid(db) != pid or _gone(pid), what="the engine to stop")


def _gone(pid: int) -> bool:
    """Whether the process has ended (reaping it if it is a child of this one)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:  # not our child
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
