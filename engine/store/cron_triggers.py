"""Stored cron triggers: a workflow started on a schedule (engine.core.cron has the rules).

Reads are coroutines on the store's reader; writes are functions of a connection for
`Store.write`. Times are UTC text ('YYYY-MM-DD HH:MM:SS'), so their order as text is their
order in time and "due" is one indexed comparison.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from engine.store.database import Store, new_id, utc_now
from engine.store.definitions import DEFAULT_PROJECT, PRIVATE
from engine.store.errors import AlreadyExistsError, NotFoundError
from engine.store.records import json_object, to_record


@dataclass(frozen=True, slots=True)
class CronTriggerRecord:
    """A cron trigger, with the fields of Mistral's API resource."""

    id: str
    name: str
    workflow_name: str
    workflow_id: str
    workflow_input: dict[str, Any]
    workflow_params: dict[str, Any]
    pattern: str | None
    first_execution_time: str | None
    next_execution_time: str
    remaining_executions: int | None
    scope: str
    project_id: str
    created_at: str
    updated_at: str | None


@dataclass(frozen=True, slots=True)
class CronTriggerValues:
    """What a write needs to store a new trigger (already checked)."""

    name: str
    workflow_name: str
    workflow_id: str
    workflow_input: dict[str, Any]
    workflow_params: dict[str, Any]
    pattern: str | None
    first_execution_time: str | None
    next_execution_time: str
    remaining_executions: int | None


DECODERS = {"workflow_input": json_object, "workflow_params": json_object}


def _record(row: sqlite3.Row) -> CronTriggerRecord:
    return to_record(CronTriggerRecord, row, DECODERS)


# ---- reads ---------------------------------------------------------------------------------


async def list_cron_triggers(store: Store) -> list[CronTriggerRecord]:
    rows = await store.fetch_all("SELECT * FROM cron_triggers ORDER BY created_at, rowid")
    return [_record(row) for row in rows]


async def find_cron_trigger(store: Store, name_or_id: str) -> CronTriggerRecord | None:
    row = await store.fetch_one(
        "SELECT * FROM cron_triggers WHERE name = ?1 OR id = ?1", (name_or_id,)
    )
    return None if row is None else _record(row)


async def due_cron_triggers(store: Store, now: str, limit: int) -> list[CronTriggerRecord]:
    """Triggers whose next time is `now` or earlier, the longest due first."""
    rows = await store.fetch_all(
        "SELECT * FROM cron_triggers WHERE next_execution_time <= ?"
        " ORDER BY next_execution_time, rowid LIMIT ?",
        (now, limit),
    )
    return [_record(row) for row in rows]


async def next_cron_time(store: Store) -> str | None:
    """The soonest next execution time of any trigger."""
    (soonest,) = await store.fetch_one("SELECT min(next_execution_time) FROM cron_triggers")
    return soonest


# ---- writes (run through Store.write) ------------------------------------------------------


def insert_cron_trigger(conn: sqlite3.Connection, values: CronTriggerValues) -> CronTriggerRecord:
    if conn.execute("SELECT 1 FROM cron_triggers WHERE name = ?", (values.name,)).fetchone():
        raise AlreadyExistsError(f"Cron trigger '{values.name}' already exists")
    copied = _copied_trigger(conn, values)
    if copied is not None:
        raise AlreadyExistsError(
            f"Cron trigger '{values.name}' would repeat '{copied}': the same workflow, input, "
            "params, pattern, count and first time"
        )
    trigger_id = new_id()
    conn.execute(
        "INSERT INTO cron_triggers (id, name, workflow_name, workflow_id, workflow_input,"
        " workflow_params, pattern, first_execution_time, next_execution_time,"
        " remaining_executions, scope, project_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            trigger_id,
            values.name,
            values.workflow_name,
            values.workflow_id,
            json.dumps(values.workflow_input),
            json.dumps(values.workflow_params),
            values.pattern,
            values.first_execution_time,
            values.next_execution_time,
            values.remaining_executions,
            PRIVATE,
            DEFAULT_PROJECT,
            utc_now(),
        ),
    )
    return _record(
        conn.execute("SELECT * FROM cron_triggers WHERE id = ?", (trigger_id,)).fetchone()
    )


def _copied_trigger(conn: sqlite3.Connection, values: CronTriggerValues) -> str | None:
    """The trigger with the same settings, which Mistral refuses to repeat (a unique key on
    them); as there, only when pattern, count and first time are all set: a NULL in a unique
    key matches nothing."""
    if values.remaining_executions is None or values.first_execution_time is None:
        return None
    same = conn.execute(
        "SELECT name, workflow_input, workflow_params FROM cron_triggers"
        " WHERE workflow_name = ? AND pattern = ? AND remaining_executions = ?"
        " AND first_execution_time = ?",
        (
            values.workflow_name,
            values.pattern,
            values.remaining_executions,
            values.first_execution_time,
        ),
    )
    for name, workflow_input, workflow_params in same:
        if (json.loads(workflow_input), json.loads(workflow_params)) == (
            values.workflow_input,
            values.workflow_params,
        ):
            return name
    return None


def delete_cron_trigger(conn: sqlite3.Connection, name_or_id: str) -> None:
    deleted = conn.execute("DELETE FROM cron_triggers WHERE name = ?1 OR id = ?1", (name_or_id,))
    if deleted.rowcount == 0:
        raise NotFoundError(f"Cron trigger '{name_or_id}' not found")


def advance_cron_trigger(
    conn: sqlite3.Connection,
    trigger_id: str,
    fired: str,
    next_execution_time: str | None,
    remaining_executions: int | None,
) -> None:
    """After a firing of the trigger's `fired` time: its next time, or (None) it is gone.

    Only a trigger still due at `fired` changes, so a trigger deleted or fired meanwhile is
    left as it is (Mistral's `query_filter` on next_execution_time).
    """
    if next_execution_time is None:
        conn.execute(
            "DELETE FROM cron_triggers WHERE id = ? AND next_execution_time = ?",
            (trigger_id, fired),
        )
        return
    conn.execute(
        "UPDATE cron_triggers SET next_execution_time = ?, remaining_executions = ?,"
        " updated_at = ? WHERE id = ? AND next_execution_time = ?",
        (next_execution_time, remaining_executions, utc_now(), trigger_id, fired),
    )
