"""Cron triggers on a real state file: Mistral's rules for a new trigger, a firing that starts
the workflow once and advances the trigger in the same commit, catch-up after the engine was
down (one firing, then the pattern's next time after now), and the lease fencing a firing."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest

from engine.api import AlreadyExistsError, ConflictError, InputError, NotFoundError
from engine.api.embedded import EmbeddedBackend
from engine.core import cron
from engine.store import requests

WORKBOOK = """
version: '2.0'
name: timed
workflows:
  greet:
    input:
      - who
      - password: ""
    tasks:
      hello:
        action: std.echo output=<% $.who %>
"""
HOUR = 3600.0


class Clock:
    """The engine's wall clock, moved by the test (the scheduler reads nothing else)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def open_api(path) -> EmbeddedBackend:
    return await EmbeddedBackend.open(path, workbooks_folder=path.parent / "none")


@pytest.fixture
async def api(tmp_path):
    api = await open_api(tmp_path / "state.db")
    await api.create_workbook(WORKBOOK)
    yield api
    await api.close()


def rows(db, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def cron_executions(db) -> list[tuple]:
    return rows(
        db, "SELECT id, input, description FROM workflow_executions ORDER BY created_at, rowid"
    )


async def until(condition, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
    return found


def minutes_ahead(clock: Clock, minutes: int) -> str:
    return cron.utc(clock.now + minutes * 60).strftime(cron.FIRST_TIME_FORMAT)


# ---- Mistral's rules, pure ---------------------------------------------------------------


NOW = datetime(2026, 3, 1, 10, 3, 20)


def test_a_pattern_fires_at_its_next_time_and_forever():
    schedule = cron.first_schedule("*/5 * * * *", None, None, NOW)
    assert schedule == cron.Schedule("2026-03-01 10:05:00", None)


def test_a_first_time_alone_fires_once():
    assert cron.first_schedule(None, "2026-03-01 12:00", None, NOW) == cron.Schedule(
        "2026-03-01 12:00:00", 1
    )
    assert cron.after_firing(None, "2026-03-01 12:00:00", 1, NOW) is None
    assert cron.after_firing(cron.NEVER_PATTERN, "2026-03-01 12:00:00", None, NOW) is None


@pytest.mark.parametrize(
    ("pattern", "first_time", "count", "message"),
    [
        (None, None, None, "Pattern or first_execution_time must be specified."),
        ("61 * * * *", None, None, "Invalid cron pattern '61 * * * *'"),
        ("* * *", None, None, "it needs 5 fields"),
        ("0 0 31 2 *", None, None, "Invalid cron pattern '0 0 31 2 *': it matches no date"),
        ("* * * * * *", None, None, "it needs 5 fields"),
        ("* * * * *", None, 0, "Invalid count 0"),
        (None, "2026-03-01 10:04", None, "at least 1 minute in the future"),
        (None, "2025-01-01 10:00", None, "at least 1 minute in the future"),
        (None, "tomorrow", None, "use YYYY-MM-DD HH:MM (UTC)"),
        (None, "2026-03-01 12:00", 2, "Pattern must be provided if count is superior to 1."),
    ],
)
def test_bad_schedules_are_refused_with_mistrals_reason(pattern, first_time, count, message):
    with pytest.raises(InputError, match=re.escape(message)):
        cron.first_schedule(pattern, first_time, count, NOW)


def test_a_late_trigger_fires_once_then_continues_after_now():
    three_hours_late = NOW.replace(hour=13)
    left = cron.after_firing("*/5 * * * *", "2026-03-01 10:05:00", 3, three_hours_late)
    assert left == cron.Schedule("2026-03-01 13:05:00", 2)
    assert cron.after_firing("*/5 * * * *", "2026-03-01 10:05:00", 1, three_hours_late) is None


# ---- firing on a real state file -----------------------------------------------------------


async def test_a_trigger_fires_once_in_the_commit_that_advances_it(api):
    clock = Clock()
    engine = await api.start_engine(clock=clock)
    trigger = await api.create_cron_trigger(
        "once",
        "timed.greet",
        {"who": "Ann"},
        {"env": {"site": "lab"}},
        first_time=minutes_ahead(clock, 2),
    )
    assert trigger.remaining_executions == 1
    assert trigger.first_execution_time == trigger.next_execution_time
    assert (await api.list_cron_triggers()) == [trigger]
    assert await requests.engine_has_work(api.store)  # a headless engine stays for it
    db = api.store.path

    clock.now += 3 * 60
    engine.cron.wake()
    (execution_id, given, description) = (await until(lambda: cron_executions(db), "the firing"))[0]
    assert json.loads(given) == {"who": "Ann", "password": ""}
    assert json.loads(description)["triggered_by"] == {"type": "cron_trigger", "id": trigger.id}
    assert rows(db, "SELECT count(*) FROM cron_triggers") == [(0,)]  # its last firing
    finished = await api.wait_execution(execution_id)
    assert finished.state == "SUCCESS"
    assert finished.params["env"] == {"site": "lab"}

    await api.stop_engine()
    await api.start_engine(clock=clock)  # nothing left to fire: no second execution
    await asyncio.sleep(0.2)
    assert len(cron_executions(db)) == 1
    assert not await requests.engine_has_work(api.store)


async def test_a_trigger_due_while_no_engine_ran_fires_once_when_one_starts(tmp_path):
    db = tmp_path / "state.db"
    clock = Clock()
    api = await open_api(db)
    await api.create_workbook(WORKBOOK)
    await api.start_engine(clock=clock)
    trigger = await api.create_cron_trigger(
        "every5", "timed.greet", {"who": "Bo"}, pattern="*/5 * * * *", count=3
    )
    await api.close()  # the process ends; the trigger is due 3 hours later

    clock.now += 3 * HOUR
    api = await open_api(db)
    try:
        await api.start_engine(clock=clock)
        await until(lambda: cron_executions(db), "the catch-up firing")
        after = await until(
            lambda: (
                rows(db, "SELECT next_execution_time, remaining_executions FROM cron_triggers")
                != [(trigger.next_execution_time, 3)]
                and rows(db, "SELECT next_execution_time, remaining_executions FROM cron_triggers")
            ),
            "the trigger to advance",
        )
        now = cron.utc(clock.now)
        assert after == [(cron.next_after("*/5 * * * *", now).strftime(cron.TIME_FORMAT), 2)]
        await asyncio.sleep(0.2)
        assert len(cron_executions(db)) == 1  # once, not once per missed time
    finally:
        await api.close()


async def test_an_engine_that_lost_its_lease_fires_nothing(tmp_path):
    db = tmp_path / "state.db"
    clock = Clock()
    api = await open_api(db)
    await api.create_workbook(WORKBOOK)
    engine = await api.start_engine(clock=clock)
    trigger = await api.create_cron_trigger(
        "fenced", "timed.greet", {"who": "Cy"}, pattern="0 * * * *"
    )
    with sqlite3.connect(db) as conn:  # another engine took the state file over
        conn.execute("UPDATE engine_lease SET owner = 'other:1:x', pid = 1")
    clock.now += HOUR
    engine.cron.wake()
    await asyncio.wait_for(engine.lease_lost.wait(), 10)
    assert cron_executions(db) == []
    assert rows(db, "SELECT next_execution_time FROM cron_triggers") == [
        (trigger.next_execution_time,)
    ]
    await api.close()

    with sqlite3.connect(db) as conn:  # that engine is gone too
        conn.execute("DELETE FROM engine_lease")
    api = await open_api(db)
    try:
        await api.start_engine(clock=clock)
        await until(lambda: cron_executions(db), "the firing by the next engine")
        await asyncio.sleep(0.2)
        assert len(cron_executions(db)) == 1
    finally:
        await api.close()


async def test_a_refused_start_still_advances_the_trigger(api):
    clock = Clock()
    engine = await api.start_engine(clock=clock)
    await api.create_cron_trigger("later", "timed.greet", {"who": "Di"}, pattern="0 * * * *")
    with sqlite3.connect(api.store.path) as conn:  # as if the workflow's input had changed
        conn.execute("UPDATE cron_triggers SET workflow_input = '{\"nobody\": 1}'")
    before = rows(api.store.path, "SELECT next_execution_time FROM cron_triggers")
    clock.now += HOUR
    engine.cron.wake()
    await until(
        lambda: rows(api.store.path, "SELECT next_execution_time FROM cron_triggers") != before,
        "the trigger to advance",
    )
    assert cron_executions(api.store.path) == []
    assert engine.running


# ---- what a new trigger must be ------------------------------------------------------------


async def test_bad_triggers_are_refused_and_nothing_is_stored(api):
    with pytest.raises(NotFoundError, match="Workflow 'nope' not found"):
        await api.create_cron_trigger("t", "nope", pattern="* * * * *")
    with pytest.raises(InputError, match=r"missing=\['who'\]"):
        await api.create_cron_trigger("t", "timed.greet", pattern="* * * * *")
    with pytest.raises(InputError, match="Environment is not found: prod"):
        await api.create_cron_trigger(
            "t", "timed.greet", {"who": "x"}, {"env": "prod"}, pattern="* * * * *"
        )
    with pytest.raises(InputError, match="Invalid cron pattern"):
        await api.create_cron_trigger("t", "timed.greet", {"who": "x"}, pattern="61 * * * *")
    assert await api.list_cron_triggers() == []
    await api.create_cron_trigger("t", "timed.greet", {"who": "x"}, pattern="* * * * *")
    with pytest.raises(Exception, match="Cron trigger 't' already exists"):
        await api.create_cron_trigger("t", "timed.greet", {"who": "y"}, pattern="* * * * *")


async def assert_copies_as_mistral_allows(api, workflow: str, prefix: str) -> None:
    """Mistral keeps a unique key on a trigger's settings (workflow, input, params, pattern,
    count, first time), so it refuses a copy, but only when all of them are set: a NULL count or
    first time matches nothing. A first time alone is stored with the pattern `0 0 30 2 0`.
    (Checked on the embedded engine here and on the real Mistral in tests/mistral.)"""
    first = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    every = {
        "workflow_input": {"who": "x"},
        "pattern": "0 6 * * *",
        "first_time": first,
        "count": 3,
    }
    await api.create_cron_trigger(f"{prefix}a", workflow, **every)
    with pytest.raises(AlreadyExistsError):
        await api.create_cron_trigger(f"{prefix}b", workflow, **every)
    once = await api.create_cron_trigger(f"{prefix}c", workflow, {"who": "x"}, first_time=first)
    assert (once.pattern, once.remaining_executions) == ("0 0 30 2 0", 1)
    with pytest.raises(AlreadyExistsError):
        await api.create_cron_trigger(f"{prefix}d", workflow, {"who": "x"}, first_time=first)
    for name in ("e", "f"):  # no first time: copies are allowed
        await api.create_cron_trigger(f"{prefix}{name}", workflow, **dict(every, first_time=None))
    await api.create_cron_trigger(
        f"{prefix}g", workflow, **dict(every, workflow_input={"who": "y"})
    )
    made = [t.name for t in await api.list_cron_triggers() if t.name.startswith(prefix)]
    assert sorted(made) == [f"{prefix}{name}" for name in "acefg"]


async def test_a_copy_of_a_triggers_settings_is_refused_as_mistral_does(api):
    await assert_copies_as_mistral_allows(api, "timed.greet", "t-")
    with pytest.raises(AlreadyExistsError, match="Cron trigger 'x' would repeat 't-a': the same"):
        first = (await api.get_cron_trigger("t-a")).first_execution_time[:16]
        await api.create_cron_trigger(
            "x", "timed.greet", {"who": "x"}, pattern="0 6 * * *", first_time=first, count=3
        )


async def test_a_workflow_with_triggers_cannot_be_deleted(api):
    await api.create_cron_trigger("nightly", "timed.greet", {"who": "x"}, pattern="0 2 * * *")
    with pytest.raises(ConflictError, match=r"'timed.greet': cron triggers start it \(nightly\)"):
        await api.delete_workbook("timed")
    with pytest.raises(ConflictError, match="cron triggers start it"):
        await api.update_workbook(WORKBOOK.replace("greet:", "greeting:"))
    await api.delete_cron_trigger("nightly")
    with pytest.raises(NotFoundError, match="Cron trigger 'nightly' not found"):
        await api.get_cron_trigger("nightly")
    await api.delete_workbook("timed")
