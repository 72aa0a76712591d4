"""The lease fences the engine: after another engine took over, nothing more commits and no
action starts; the heartbeat keeps the lease through a blocked event loop; a zombie is no
holder."""

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from engine.api.embedded import EmbeddedBackend
from engine.store import lease
from engine.store.lease import LeaseHolder, lease_is_live, process_alive

WORKBOOK = """
version: '2.0'
name: fenced
workflows:
  two_steps:
    tasks:
      first:
        action: std.sleep seconds=0.5
        on-success: second
      second:
        action: std.noop
"""


@pytest.fixture
async def api(tmp_path):
    api = await EmbeddedBackend.open(tmp_path / "state.db", workbooks_folder=tmp_path / "none")
    await api.create_workbook(WORKBOOK)
    yield api
    await api.close()


def take_over(db) -> None:
    """What a new engine does once the lease looks stale: write itself into the row."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE engine_lease SET owner = 'other:1:x', pid = 1")


def count(db, table) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


async def test_after_a_takeover_nothing_more_commits(api):
    engine = await api.start_engine()
    execution = await api.start_execution("fenced.two_steps")
    take_over(api.store.path)  # while `first` sleeps; the heartbeat has not beaten yet

    await asyncio.wait_for(engine.lease_lost.wait(), 5)
    assert not engine.running
    assert count(api.store.path, "task_executions") == 1  # `second` was never recorded
    assert (await api.get_execution(execution.id)).state == "RUNNING"  # left to the new one
    with sqlite3.connect(api.store.path) as conn:
        assert conn.execute("SELECT owner FROM engine_lease").fetchone() == ("other:1:x",)


async def test_a_stalled_engine_starts_no_action(api):
    engine = await api.start_engine()
    engine._heartbeat._renewed -= lease.LEASE_TIMEOUT  # as if the process had been stopped
    await api.start_execution("fenced.two_steps")
    await asyncio.wait_for(engine.lease_lost.wait(), 5)
    with sqlite3.connect(api.store.path) as conn:
        assert conn.execute("SELECT state FROM action_executions").fetchall() == [("RUNNING",)]


async def test_the_heartbeat_notices_a_takeover_and_outlives_a_blocked_loop(api, monkeypatch):
    monkeypatch.setattr(lease, "LEASE_TIMEOUT", 1.0)
    monkeypatch.setattr(lease, "HEARTBEAT_EVERY", 0.1)
    engine = await api.start_engine()

    def heartbeat():
        with sqlite3.connect(api.store.path) as conn:
            return conn.execute("SELECT heartbeat FROM engine_lease").fetchone()[0]

    before = heartbeat()
    time.sleep(1.5)  # the event loop blocked longer than the lease timeout
    assert heartbeat() > before + 1.0
    await asyncio.sleep(0.3)
    assert engine.running and not engine.lease_lost.is_set()

    take_over(api.store.path)
    started = time.monotonic()
    await asyncio.wait_for(engine.lease_lost.wait(), 2)
    assert time.monotonic() - started < 0.5
    await asyncio.sleep(0.1)
    assert not engine.running


def test_a_zombie_holds_no_lease():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while process_alive(child.pid):  # exited but not reaped: a zombie
        assert time.monotonic() < deadline
        time.sleep(0.02)
    holder = LeaseHolder("zombie", child.pid, socket.gethostname(), time.time())
    assert not lease_is_live(holder, time.time())
    assert child.poll() == 0  # it was a zombie until now
    assert process_alive(os.getpid())
