"""Split brain: an engine stalled past its lease (SIGSTOP) loses it to a new engine, which
stops the stalled one for good (it may hold the state file's write lock); no item is sent
twice. (An engine that wakes after losing its lease: tests/runtime/test_fencing.py.)"""

import collections
import http.server
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse

import pytest

from engine.store.lease import LEASE_TIMEOUT_ENV
from tests.cli.engine_process import cli_command, lease_pid, start_engine, stop_engine, wait_for

LEASE_TIMEOUT = 3.0
ITEMS = 60

WORKBOOK = f"""\
version: '2.0'
name: fence
workflows:
  hit_each:
    input: [url]
    tasks:
      hit:
        with-items: item in <% range({ITEMS}) %>
        concurrency: 3
        action: std.http url=<% $.url + '?item=' + str($.item) %>
"""


class CountingServer(http.server.ThreadingHTTPServer):
    """Counts the requests for each item; answers each after a short pause."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        (item,) = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)["item"]
        with self.server.lock:
            self.server.hits[item] += 1
        time.sleep(0.05)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def counting_server():
    server = CountingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_stalled_engine_that_lost_its_lease_neither_acts_nor_writes(
    tmp_path, monkeypatch, counting_server
):
    monkeypatch.setenv(LEASE_TIMEOUT_ENV, str(LEASE_TIMEOUT))
    db = tmp_path / "state.sqlite"
    (tmp_path / "fence.yaml").write_text(WORKBOOK)
    created = subprocess.run(
        cli_command(db, "workbook-create", str(tmp_path / "fence.yaml")),
        capture_output=True,
        text=True,
    )
    assert created.returncode == 0, created.stderr
    old = start_engine(db)
    try:
        started = subprocess.run(
            cli_command(
                db, "execution-create", "fence.hit_each", f'{{"url": "{counting_server.url}"}}'
            ),
            capture_output=True,
            text=True,
        )
        assert started.returncode == 0, started.stderr
        wait_for(lambda: sum(counting_server.hits.values()) >= 10, what="the first items")
        old.send_signal(signal.SIGSTOP)
        stalled_at = time.monotonic()
        time.sleep(LEASE_TIMEOUT + 0.5)
        new = start_engine(db)
        assert lease_pid(db) == new.pid
        print(f"takeover {time.monotonic() - stalled_at:.2f} s after the stall began")

        old.send_signal(signal.SIGCONT)
        assert old.wait(timeout=5) == -signal.SIGKILL  # the new engine stopped it for good

        wait_for(
            lambda: rows(db, "SELECT state FROM workflow_executions")[0][0] != "RUNNING",
            what="the execution to end",
        )
    finally:
        for process in (old,):
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.wait()
        stop_engine(db)

    actions = rows(db, "SELECT item_index, state, output FROM action_executions")
    per_item = collections.Counter(index for index, _, _ in actions)
    assert sorted(per_item) == list(range(ITEMS)) and set(per_item.values()) == {1}, per_item
    assert not [a for a in actions if a[1] == "RUNNING"]
    hits = counting_server.hits
    assert max(hits.values()) == 1, hits  # no item was sent twice
    succeeded = {str(index) for index, state, _ in actions if state == "SUCCESS"}
    assert succeeded <= set(hits)  # every action recorded as done was really sent once
    interrupted = [a for a in actions if a[1] == "ERROR"]
    assert all("interrupted by an engine restart" in a[2] for a in interrupted), interrupted
    assert len(interrupted) <= 3  # at most the items in flight when the engine stalled
