"""Executions in the state file: the API's records and reads, and the changes made outside the
engine's journal (deletes, environments).

The engine's journal and its recovery (the conductor's objects to rows and back) are in
engine.store.journal, so that a command that only reads never loads the conductor's model.
Writes are plain functions of a `sqlite3.Connection` for `Store.write`.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import dataclass
from typing import Any

from engine.core import states
from engine.store.database import Store, utc_now
from engine.store.errors import AlreadyExistsError, ConflictError, NotFoundError
from engine.store.records import json_object, json_value, to_record

_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)


def dumps(value: Any) -> str:
    """Compact JSON; values JSON cannot hold are written as their text."""
    return _ENCODER.encode(value)


def loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


def root_of(conn: sqlite3.Connection, execution_id: str) -> str | None:
    row = conn.execute(
        "SELECT id, root_execution_id FROM workflow_executions WHERE id = ?", (execution_id,)
    ).fetchone()
    if row is None:
        return None
    return row["root_execution_id"] or row["id"]


def execution_of_task(conn: sqlite3.Connection, task_id: str) -> str | None:
    row = conn.execute(
        "SELECT workflow_execution_id FROM task_executions WHERE id = ?", (task_id,)
    ).fetchone()
    return None if row is None else row[0]


def delete_execution_tree(conn: sqlite3.Connection, execution_id: str) -> None:
    """Delete an execution with its sub-workflows, tasks, action executions and timers."""
    ids = [execution_id]
    pending = [execution_id]
    while pending:
        current = pending.pop()
        for (child,) in conn.execute(
            "SELECT e.id FROM workflow_executions e JOIN task_executions t"
            " ON t.id = e.task_execution_id WHERE t.workflow_execution_id = ?",
            (current,),
        ):
            ids.append(child)
            pending.append(child)
    for current in ids:
        conn.execute(
            "DELETE FROM action_executions WHERE task_execution_id IN"
            " (SELECT id FROM task_executions WHERE workflow_execution_id = ?)",
            (current,),
        )
        conn.execute("DELETE FROM task_executions WHERE workflow_execution_id = ?", (current,))
        conn.execute("DELETE FROM timers WHERE execution_id = ?", (current,))
        conn.execute("DELETE FROM workflow_executions WHERE id = ?", (current,))


def delete_standalone_action(conn: sqlite3.Connection, action_id: str) -> None:
    """Delete an ended stand-alone action execution (`action-execution-delete`); one of a task
    goes with its execution, as in Mistral."""
    row = conn.execute(
        "SELECT task_execution_id, state FROM action_executions WHERE id = ?", (action_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"Action execution '{action_id}' not found")
    if row["task_execution_id"] is not None:
        raise ConflictError(
            f"Action execution {action_id} belongs to task {row['task_execution_id']}: only "
            "ad-hoc action executions (run-action) can be deleted"
        )
    if not states.is_completed(row["state"]):
        raise ConflictError(
            f"Action execution {action_id} is {row['state']}: only completed action "
            "executions can be deleted"
        )
    conn.execute("DELETE FROM action_executions WHERE id = ?", (action_id,))


# ---- reads for the API --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExecutionFilter:
    """Which executions a listing shows and in which order (by creation time)."""

    task_execution_id: str | None = None  # only sub-workflows of this task
    state: str | None = None
    workflow_name: str | None = None
    root_only: bool = False
    limit: int | None = 100  # None or negative: all
    newest_first: bool = False


@dataclass(frozen=True, slots=True)
class ExecutionRecord:
    """A workflow execution as `execution-get` shows it."""

    id: str
    workflow_id: str | None
    workflow_name: str
    description: str
    task_execution_id: str | None
    root_execution_id: str | None
    state: str
    state_info: str | None
    input: dict[str, Any]
    output: dict[str, Any] | None
    params: dict[str, Any]
    created_at: str
    updated_at: str | None


INPUT_TEXT_CHARS = 200


@dataclass(frozen=True, slots=True)
class ExecutionSummary:
    """What a list shows of an execution: no output or params and only the start of the input
    as JSON text (`input_text`, for a list's filter): they can be large."""

    id: str
    workflow_name: str
    state: str
    state_info: str | None
    description: str
    created_at: str
    updated_at: str | None
    task_execution_id: str | None
    root_execution_id: str | None
    input_text: str

    @classmethod
    def of(cls, record: ExecutionRecord | ExecutionSummary) -> ExecutionSummary:
        if isinstance(record, ExecutionSummary):
            return record
        fields = (getattr(record, name) for name in SUMMARY_COLUMNS)
        return cls(*fields, input_text=cls.short_input(record.input))

    @staticmethod
    def short_input(value: dict[str, Any]) -> str:
        """The start of an input as stored (JSON): what a list's filter matches."""
        return dumps(value)[:INPUT_TEXT_CHARS]

    @property
    def finished_at(self) -> str | None:
        return self.updated_at if states.is_completed(self.state) else None


SUMMARY_COLUMNS = tuple(ExecutionSummary.__dataclass_fields__)[:-1]  # all but input_text
SUMMARY_SELECT = (
    ", ".join(SUMMARY_COLUMNS) + f", substr(input, 1, {INPUT_TEXT_CHARS}) AS input_text"
)


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """A task execution as `task-get` shows it; `result` and `published` for the get-* commands."""

    id: str
    name: str
    workflow_name: str
    workflow_execution_id: str
    type: str
    state: str
    state_info: str | None
    result: Any
    published: dict[str, Any]
    created_at: str
    updated_at: str | None
    started_at: str | None
    finished_at: str | None
    retries: int = 0  # runs again by its retry policy so far


@dataclass(frozen=True, slots=True)
class ActionExecutionRecord:
    """An action execution as `action-execution-get` shows it."""

    id: str
    name: str
    workflow_name: str | None
    task_name: str | None
    task_execution_id: str | None
    state: str
    state_info: str | None
    accepted: bool
    input: dict[str, Any]
    output: dict[str, Any] | None
    description: str
    created_at: str
    updated_at: str | None


@dataclass(frozen=True, slots=True)
class EnvironmentRecord:
    name: str
    description: str | None
    variables: dict[str, Any]
    scope: str
    created_at: str
    updated_at: str | None


EXECUTION_DECODERS = {"input": json_object, "output": json_value, "params": json_object}


def execution_record(row: sqlite3.Row) -> ExecutionRecord:
    return to_record(ExecutionRecord, row, EXECUTION_DECODERS)


async def find_execution(store: Store, execution_id: str) -> ExecutionRecord | None:
    row = await store.fetch_one("SELECT * FROM workflow_executions WHERE id = ?", (execution_id,))
    return None if row is None else execution_record(row)


async def execution_context(store: Store, execution_id: str) -> tuple[dict, str] | None:
    """An execution's context (its vars and globally published variables) and the workflow
    text it runs."""
    row = await store.fetch_one(
        "SELECT context, spec FROM workflow_executions WHERE id = ?", (execution_id,)
    )
    return None if row is None else (json_object(row["context"]), row["spec"])


async def list_executions(store: Store, wanted: ExecutionFilter) -> list[ExecutionRecord]:
    sql, params = _list_sql("*", wanted)
    return [execution_record(row) for row in await store.fetch_all(sql, params)]


# Texts many executions share, kept once: 3 MB less in a console listing 10,000.
REPEATED_TEXTS = {"workflow_name": sys.intern, "state": sys.intern, "input_text": sys.intern}


async def list_execution_summaries(store: Store, wanted: ExecutionFilter) -> list[ExecutionSummary]:
    """`list_executions` reading only the columns a list shows: about ten times less to read
    and keep than whole records when there are thousands."""
    sql, params = _list_sql(SUMMARY_SELECT, wanted)
    rows = await store.fetch_all(sql, params)
    return [to_record(ExecutionSummary, row, REPEATED_TEXTS) for row in rows]


def _list_sql(columns: str, wanted: ExecutionFilter) -> tuple[str, list[Any]]:
    where, params = [], []
    for column in ("task_execution_id", "state", "workflow_name"):
        value = getattr(wanted, column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if wanted.root_only:
        where.append("root_execution_id IS NULL")
    sql = f"SELECT {columns} FROM workflow_executions"
    if where:
        sql += " WHERE " + " AND ".join(where)
    order = "DESC" if wanted.newest_first else "ASC"
    sql += f" ORDER BY created_at {order}, rowid {order}"
    if wanted.limit is not None and wanted.limit >= 0:
        sql += f" LIMIT {int(wanted.limit)}"
    return sql, params


TASK_FROM = "task_executions t JOIN workflow_executions e ON e.id = t.workflow_execution_id"
TASK_SELECT = f"SELECT t.*, e.workflow_name AS workflow_name FROM {TASK_FROM}"


async def task_record(store: Store, row: sqlite3.Row) -> TaskRecord:
    result = await task_result(store, row["id"], bool(row["with_items"]), row["type"])
    retries = (loads(row["runtime"]) or {}).get("policy", {}).get("retry_no", 0)
    return to_record(TaskRecord, row, {"published": json_object}, result=result, retries=retries)


async def task_result(store: Store, task_id: str, with_items: bool, task_type: str) -> Any:
    """`task-get-result`: accepted results by item index; a list for with-items tasks."""
    table = "workflow_executions" if task_type == "WORKFLOW" else "action_executions"
    rows = await store.fetch_all(
        f"SELECT output FROM {table} WHERE task_execution_id = ? AND accepted = 1"
        " ORDER BY item_index",
        (task_id,),
    )
    outputs = [loads(row["output"]) for row in rows]
    # A sub-workflow's output is its result; an action's output holds it under "result".
    results = (
        outputs if task_type == "WORKFLOW" else [(output or {}).get("result") for output in outputs]
    )
    if with_items:
        return results
    return results[0] if len(results) == 1 else results


async def find_task(store: Store, task_id: str) -> TaskRecord | None:
    row = await store.fetch_one(TASK_SELECT + " WHERE t.id = ?", (task_id,))
    return None if row is None else await task_record(store, row)


async def list_tasks(
    store: Store, execution_id: str | None = None, limit: int | None = 100
) -> list[TaskRecord]:
    sql, params = TASK_SELECT, []
    if execution_id is not None:
        sql += " WHERE t.workflow_execution_id = ?"
        params.append(execution_id)
    sql += " ORDER BY t.created_at, t.rowid"
    if limit is not None and limit >= 0:
        sql += f" LIMIT {int(limit)}"
    rows = await store.fetch_all(sql, params)
    return [await task_record(store, row) for row in rows]


ACTION_FROM = (
    "action_executions a LEFT JOIN task_executions t ON t.id = a.task_execution_id"
    " LEFT JOIN workflow_executions e ON e.id = t.workflow_execution_id"
)
ACTION_SELECT = (
    f"SELECT a.*, t.name AS task_name, e.workflow_name AS workflow_name FROM {ACTION_FROM}"
)


ACTION_DECODERS = {"accepted": bool, "input": json_object, "output": json_value}


def action_record(row: sqlite3.Row) -> ActionExecutionRecord:
    return to_record(ActionExecutionRecord, row, ACTION_DECODERS)


async def find_action_execution(store: Store, action_id: str) -> ActionExecutionRecord | None:
    row = await store.fetch_one(ACTION_SELECT + " WHERE a.id = ?", (action_id,))
    return None if row is None else action_record(row)


async def list_action_executions(
    store: Store, task_id: str | None = None, limit: int | None = 100
) -> list[ActionExecutionRecord]:
    sql, params = ACTION_SELECT, []
    if task_id is not None:
        sql += " WHERE a.task_execution_id = ?"
        params.append(task_id)
    sql += " ORDER BY a.created_at, a.rowid"
    if limit is not None and limit >= 0:
        sql += f" LIMIT {int(limit)}"
    return [action_record(row) for row in await store.fetch_all(sql, params)]


# ---- environments -------------------------------------------------------------------------


def _environment_record(row: sqlite3.Row) -> EnvironmentRecord:
    return to_record(EnvironmentRecord, row, {"variables": json_object})


async def find_environment(store: Store, name: str) -> EnvironmentRecord | None:
    row = await store.fetch_one("SELECT * FROM environments WHERE name = ?", (name,))
    return None if row is None else _environment_record(row)


async def list_environments(store: Store) -> list[EnvironmentRecord]:
    rows = await store.fetch_all("SELECT * FROM environments ORDER BY created_at, rowid")
    return [_environment_record(row) for row in rows]


def insert_environment(
    conn: sqlite3.Connection, name: str, description: str | None, variables: dict, scope: str
) -> EnvironmentRecord:
    if conn.execute("SELECT 1 FROM environments WHERE name = ?", (name,)).fetchone():
        raise AlreadyExistsError(f"Environment '{name}' already exists")
    conn.execute(
        "INSERT INTO environments (name, description, variables, scope, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (name, description, dumps(variables), scope, utc_now()),
    )
    row = conn.execute("SELECT * FROM environments WHERE name = ?", (name,)).fetchone()
    return _environment_record(row)


def update_environment(
    conn: sqlite3.Connection,
    name: str,
    description: str | None,
    variables: dict | None,
    scope: str | None,
) -> EnvironmentRecord:
    row = conn.execute("SELECT * FROM environments WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFoundError(f"Environment '{name}' not found")
    conn.execute(
        "UPDATE environments SET description = ?, variables = ?, scope = ?, updated_at = ?"
        " WHERE name = ?",
        (
            row["description"] if description is None else description,
            row["variables"] if variables is None else dumps(variables),
            row["scope"] if scope is None else scope,
            utc_now(),
            name,
        ),
    )
    return _environment_record(
        conn.execute("SELECT * FROM environments WHERE name = ?", (name,)).fetchone()
    )


def delete_environment(conn: sqlite3.Connection, name: str) -> None:
    if conn.execute("DELETE FROM environments WHERE name = ?", (name,)).rowcount == 0:
        raise NotFoundError(f"Environment '{name}' not found")
