"""Durability: restarts, in-flight actions, persisted timers, the lease, and a SIGKILL."""

import asyncio
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.api.embedded import EmbeddedBackend
from engine.runtime import INTERRUPTED, EngineBusy
from engine.runtime.service import Engine
from engine.store import Store

HERE = Path(__file__).resolve().parent

WORKFLOWS = """
version: '2.0'
name: durable
workflows:
  blocked:
    input:
      - url
    tasks:
      slow:
        action: std.http url=<% $.url %> timeout=60
        on-error: cleanup
      cleanup:
        action: std.noop

  blocked_safe:
    tasks:
      slow:
        action: std.sleep seconds=2
        safe-rerun: true
        publish:
          done: yes

  delayed:
    tasks:
      later:
        action: std.echo output="late"
        wait-before: 1
        publish:
          got: <% task().result %>
"""


def chains_workbook(chains: int = 10, length: int = 100) -> str:
    """`chains` parallel chains of `length` std.echo tasks (1000 tasks by default), each adding
    one to its own counter, joined at the end into one total."""
    lines = [
        "version: '2.0'",
        "name: kill",
        "workflows:",
        "  big:",
        "    output:",
        "      total: <% $.total %>",
        "      counters: <% $.counters %>",
        "    tasks:",
        "      start:",
        "        action: std.noop",
        "        on-success: [" + ", ".join(f"c{c}t1" for c in range(chains)) + "]",
    ]
    for c in range(chains):
        for t in range(1, length + 1):
            name = f"c{c}t{t}"
            lines += [
                f"      {name}:",
                f"        action: std.echo output=<% $.get('v{c}', 0) + 1 %> delay=0.004",
                "        publish:",
                f"          v{c}: <% task().result %>",
                "        on-success: " + (f"c{c}t{t + 1}" if t < length else "finish"),
            ]
    lines += [
        "      finish:",
        "        join: all",
        "        action: std.noop",
        "        publish:",
        "          counters: <% [" + ", ".join(f"$.v{c}" for c in range(chains)) + "] %>",
        "          total: <% " + " + ".join(f"$.v{c}" for c in range(chains)) + " %>",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
async def api(tmp_path):
    api = await EmbeddedBackend.open(tmp_path / "state.db", workbooks_folder=tmp_path / "none")
    await api.create_workbook(WORKFLOWS)
    yield api
    await api.close()


async def until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def running_actions(api, execution_id):
    tasks = await api.list_tasks(execution_id)
    actions = [a for task in tasks for a in await api.list_action_executions(task.id)]
    return [a for a in actions if a.state == "RUNNING"]


@pytest.fixture
def silent_server():
    """A loopback port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    server.close()


async def test_an_interrupted_action_that_is_not_safe_fails_its_task(api, silent_server):
    execution = await api.start_execution("durable.blocked", {"url": silent_server})
    await until(lambda: _has(running_actions(api, execution.id)))
    await api.stop_engine()  # the sleep is abandoned, its row stays RUNNING
    await api.start_engine()
    done = await api.wait_execution(execution.id, timeout=20)
    slow, cleanup = await api.list_tasks(execution.id)
    assert slow.state == "ERROR"
    assert slow.state_info == INTERRUPTED
    assert cleanup.state == "SUCCESS"
    assert done.state == "SUCCESS"


async def test_an_interrupted_safe_rerun_action_runs_again(api):
    execution = await api.start_execution("durable.blocked_safe")
    await until(lambda: _has(running_actions(api, execution.id)))
    await api.stop_engine()
    await api.start_engine()
    done = await api.wait_execution(execution.id, timeout=20)
    (task,) = await api.list_tasks(execution.id)
    actions = await api.list_action_executions(task.id)
    assert len(actions) == 1  # the same action execution, run again
    assert done.state == "SUCCESS"
    assert done.output == {"done": True}


async def test_timers_survive_a_restart(api):
    execution = await api.start_execution("durable.delayed")
    (task,) = await api.list_tasks(execution.id)
    assert task.state == "DELAYED"
    await api.stop_engine()
    assert (await api.get_execution(execution.id)).state == "RUNNING"
    await api.start_engine()
    done = await api.wait_execution(execution.id, timeout=20)
    assert done.state == "SUCCESS"
    assert done.output == {"got": "late"}


async def test_one_engine_per_state_file(api, tmp_path):
    await api.start_engine()
    other = await Store.open(tmp_path / "state.db")
    try:
        with pytest.raises(EngineBusy, match="Another engine"):
            await Engine(other).start()
    finally:
        await other.close()


async def _has(awaitable):
    return bool(await awaitable)


def _task_states(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM task_executions GROUP BY state"))


async def test_sigkill_in_the_middle_then_restart_gives_the_undisturbed_output(tmp_path):
    workbook = tmp_path / "kill.yaml"
    workbook.write_text(chains_workbook())

    quiet_db = tmp_path / "quiet" / "state.db"
    quiet_db.parent.mkdir()
    undisturbed = subprocess.run(
        [sys.executable, str(HERE / "kill_target.py"), str(quiet_db), str(workbook), "kill.big"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    quiet_id = undisturbed.stdout.split()[0]

    killed_db = tmp_path / "killed" / "state.db"
    killed_db.parent.mkdir()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "kill_target.py"), str(killed_db), str(workbook), "kill.big"],
        stdout=subprocess.PIPE,
        text=True,
    )
    killed_id = process.stdout.readline().strip()
    deadline = time.monotonic() + 60
    while _task_states(killed_db).get("SUCCESS", 0) < 300:
        assert time.monotonic() < deadline and process.poll() is None, "ended before the kill"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    counts = _task_states(killed_db)
    assert 300 <= counts["SUCCESS"] < 1002, counts

    async with await EmbeddedBackend.open(killed_db, workbooks_folder=tmp_path / "none") as api:
        await api.start_engine()
        recovered = await api.wait_execution(killed_id, timeout=120)
        tasks = await api.list_tasks(killed_id, limit=None)
    async with await EmbeddedBackend.open(quiet_db, workbooks_folder=tmp_path / "none") as api:
        expected = await api.get_execution(quiet_id)

    assert expected.state == "SUCCESS"
    assert expected.output == {"total": 1000, "counters": [100] * 10}
    assert recovered.state == "SUCCESS"
    assert recovered.output == expected.output
    assert len(tasks) == 1002  # nothing ran twice as a task
    assert {task.state for task in tasks} == {"SUCCESS"}
    with sqlite3.connect(killed_db) as conn:
        ((actions, per_task),) = conn.execute(
            "SELECT count(*), count(DISTINCT task_execution_id) FROM action_executions"
        )
    assert actions == per_task == 1002  # one action execution per task: none started twice


async def test_the_engine_stops_when_it_cannot_record_a_change(api):
    engine = await api.start_engine()
    real_write = engine.store.write

    async def failing_write(fn, *args):
        if fn.__name__ == "write_journal":
            raise sqlite3.OperationalError("disk I/O error")
        return await real_write(fn, *args)

    engine.store.write = failing_write
    try:
        with pytest.raises(Exception, match="could not record its changes"):
            await api.start_execution("durable.delayed")
        await until(lambda: _not(engine.running))
    finally:
        engine.store.write = real_write
    assert await api.list_executions() == []


async def _not(value):
    return not value
