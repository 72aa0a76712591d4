"""`tripleo-tui engine` with hung calls (issue 15, failure 4): SIGTERM ends it within seconds
although std.http and ironic.node_list calls wait on a silent server, and the next engine fails
the interrupted actions as recovery does (none is safe to re-run)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time

from engine.runtime import INTERRUPTED
from tests.cli.engine_process import cli_command, start_engine, stop_engine, wait_for

HUNG = """\
version: '2.0'
name: hung.v1
workflows:
  calls:
    input: [url]
    tasks:
      http:
        action: std.http url=<% $.url %>
      nodes:
        with-items: n in <% range(8) %>
        action: ironic.node_list
"""
EXIT_WITHIN = 5.0


def run(db, *args):
    return subprocess.run(cli_command(db, *args), capture_output=True, text=True, timeout=60)


def running_actions(db) -> int:
    with sqlite3.connect(db) as conn:
        query = "SELECT count(*) FROM action_executions WHERE state = 'RUNNING'"
        return conn.execute(query).fetchone()[0]


def test_sigterm_ends_an_engine_with_hung_calls_within_seconds(tmp_path, silent_url, monkeypatch):
    monkeypatch.setenv("OS_ENDPOINT", silent_url)  # the engine's Ironic never answers
    monkeypatch.setenv("TRIPLEO_TUI_READ_TIMEOUT", "600")
    (tmp_path / "hung.yaml").write_text(HUNG)
    db = tmp_path / "state.db"
    assert run(db, "workbook-create", str(tmp_path / "hung.yaml")).returncode == 0
    engine = start_engine(db)
    try:
        created = run(db, "execution-create", "hung.v1.calls", json.dumps({"url": silent_url}))
        assert created.returncode == 0, created.stderr
        wait_for(lambda: running_actions(db) == 9, what="9 calls to hang")
        time.sleep(0.5)  # the calls are in their threads, waiting on the socket
        started = time.monotonic()
        engine.send_signal(signal.SIGTERM)
        engine.wait(timeout=30)
        took = time.monotonic() - started
        print(f"SIGTERM to exit with 9 hung calls: {took:.2f} s")
        assert took < EXIT_WITHIN, f"exit took {took:.1f} s"
        assert engine.returncode == 0, engine.stderr.read()
    finally:
        if engine.poll() is None:
            engine.kill()
        engine.communicate()
    start_engine(db)
    try:
        wait_for(lambda: running_actions(db) == 0, what="recovery")
        with sqlite3.connect(db) as conn:
            actions = conn.execute("SELECT DISTINCT state FROM action_executions").fetchall()
            tasks = conn.execute("SELECT name, state, state_info FROM task_executions").fetchall()
        assert actions == [("ERROR",)]
        assert sorted(tasks) == [
            ("http", "ERROR", INTERRUPTED),
            ("nodes", "ERROR", "One or more actions had failed."),  # each item: INTERRUPTED
        ]
    finally:
        stop_engine(db)
