"""Executions in the state file: the engine's journal, its recovery, and the API's reads.

Writes are plain functions of a `sqlite3.Connection` for `Store.write`: the runtime turns the
objects the conductor changed into rows (`journal_rows`) and writes a whole batch in one
transaction (`write_journal`). Recovery rebuilds the in-memory objects from those rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engine.core import states
from engine.core.model import ActionExecution, TaskExecution, Timer, WorkflowExecution
from engine.store.database import Store, utc_now
from engine.store.errors import AlreadyExistsError, ConflictError, NotFoundError
from engine.store.records import json_object, json_value, to_record
from engine.store.requests import record_keys

ACTIVE_STATES = (states.IDLE, states.RUNNING, states.PAUSED)


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)


def dumps(value: Any) -> str:
    """Compact JSON; values JSON cannot hold are written as their text."""
    return _ENCODER.encode(value)


def loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


# ---- journal: objects -> rows ------------------------------------------------------------


@dataclass(slots=True)
class JournalRows:
    executions: list[tuple]
    tasks: list[tuple]
    task_updates: list[tuple]  # tasks whose inbound context is already stored
    actions: list[tuple]
    timers: list[tuple]
    removed_timers: list[tuple]
    request_keys: list[tuple]  # engine.store.requests.record_keys


def journal_rows(
    changed: Iterable[Any], removed_timers: Iterable[str], request_keys: Iterable[tuple] = ()
) -> JournalRows:
    """Rows for every changed object (serialised now, in the conductor's turn, so later changes
    to the objects cannot leak into this transaction), and the keys of the requests made."""
    removed = [(timer_id,) for timer_id in removed_timers]
    rows = JournalRows([], [], [], [], [], removed, list(request_keys))
    for obj in changed:
        kind = type(obj)
        if kind is ActionExecution:
            rows.actions.append(_action_row(obj))
        elif kind is TaskExecution:
            if obj.context_stored:
                rows.task_updates.append(_task_update_row(obj))
            else:
                rows.tasks.append(_task_row(obj))
                obj.context_stored = True
        elif kind is WorkflowExecution:
            rows.executions.append(_execution_row(obj))
        elif kind is Timer:
            rows.timers.append(
                (obj.id, obj.execution_id, obj.task_id, obj.kind, obj.due, dumps(obj.data))
            )
    return rows


def _execution_row(ex: WorkflowExecution) -> tuple:
    runtime = {"backlog": ex.backlog, "task_seq": ex.task_seq}
    return (
        ex.id,
        ex.workflow_name,
        ex.workflow_id,
        ex.description,
        ex.state,
        ex.state_info,
        dumps(ex.input),
        dumps(ex.params),
        dumps(ex.context),
        None if ex.output is None else dumps(ex.output),
        ex.spec_text,
        ex.parent_task_id,
        ex.root_id,
        ex.index,
        int(ex.accepted),
        dumps(runtime),
        ex.created_at,
        ex.updated_at,
    )


def _task_row(task: TaskExecution) -> tuple:
    if task.in_context_ref is None:
        in_context = dumps({"data": task.in_context, "versions": task.in_versions})
    else:
        in_context = None
    return (
        task.id,
        task.execution.id,
        task.name,
        task.seq,
        task.type,
        int(bool(task.spec.with_items)),
        task.state,
        task.state_info,
        task.in_context_ref,
        in_context,
        dumps(task.published),
        _task_runtime(task),
        task.created_at,
        task.updated_at,
        task.started_at,
        task.finished_at,
    )


def _task_runtime(task: TaskExecution) -> str:
    return dumps(
        {
            "processed": task.processed,
            "next_tasks": task.next_tasks,
            "error_handled": task.error_handled,
            "policy": task.runtime,
        }
    )


def _task_update_row(task: TaskExecution) -> tuple:
    """A task row without its inbound context, which does not change once stored."""
    return (
        task.state,
        task.state_info,
        dumps(task.published),
        _task_runtime(task),
        task.updated_at,
        task.started_at,
        task.finished_at,
        task.id,
    )


def _action_row(action: ActionExecution) -> tuple:
    runtime: dict[str, Any] = {"run_name": action.run_name}
    if action.safe_rerun:
        runtime["safe_rerun"] = True
    if not action.is_sync:
        runtime["is_sync"] = False
    if action.run_input is not None and action.run_input is not action.input:
        runtime["run_input"] = action.run_input
    if action.adhoc_outputs:
        from engine.core.scope import source_of  # the engine's side: YAQL is loaded by then

        runtime["outputs"] = source_of(action.adhoc_outputs)
    if action.input_json is None:
        action.input_json = dumps(action.input)
    return (
        action.id,
        action.task.id if action.task is not None else None,
        action.name,
        action.state,
        action.state_info,
        int(action.accepted),
        action.index,
        action.input_json,
        None if action.output is None else dumps(action.output),
        dumps(runtime),
        action.description,
        action.created_at,
        action.updated_at,
    )


def _upsert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns[1:])
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}"


EXECUTION_COLUMNS = (
    "id", "workflow_name", "workflow_id", "description", "state", "state_info", "input",
    "params", "context", "output", "spec", "task_execution_id", "root_execution_id",
    "item_index", "accepted", "runtime", "created_at", "updated_at",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "workflow_execution_id", "name", "seq", "type", "with_items", "state", "state_info",
    "in_context_ref", "in_context", "published", "runtime", "created_at", "updated_at",
    "started_at", "finished_at",
)  # fmt: skip
ACTION_COLUMNS = (
    "id", "task_execution_id", "name", "state", "state_info", "accepted", "item_index",
    "input", "output", "runtime", "description", "created_at", "updated_at",
)  # fmt: skip
TIMER_COLUMNS = ("id", "execution_id", "task_id", "kind", "due", "data")

UPSERT_EXECUTION = _upsert("workflow_executions", EXECUTION_COLUMNS)
UPSERT_TASK = _upsert("task_executions", TASK_COLUMNS)
UPDATE_TASK = (
    "UPDATE task_executions SET state = ?, state_info = ?, published = ?, runtime = ?,"
    " updated_at = ?, started_at = ?, finished_at = ? WHERE id = ?"
)
UPSERT_ACTION = _upsert("action_executions", ACTION_COLUMNS)
UPSERT_TIMER = _upsert("timers", TIMER_COLUMNS)


def write_journal(
    conn: sqlite3.Connection,
    batches: list[JournalRows],
    writes: Iterable[Callable[[sqlite3.Connection], None]] = (),
) -> None:
    """Write every batch of rows in the caller's transaction (one per engine loop turn), then
    the `writes` that go with the turn's events (a cron trigger's advance)."""
    for write in writes:
        write(conn)
    for rows in batches:
        if rows.executions:
            conn.executemany(UPSERT_EXECUTION, rows.executions)
        if rows.tasks:
            conn.executemany(UPSERT_TASK, rows.tasks)
        if rows.task_updates:
            conn.executemany(UPDATE_TASK, rows.task_updates)
        if rows.actions:
            conn.executemany(UPSERT_ACTION, rows.actions)
        if rows.timers:
            conn.executemany(UPSERT_TIMER, rows.timers)
        if rows.removed_timers:
            conn.executemany("DELETE FROM timers WHERE id = ?", rows.removed_timers)
        if rows.request_keys:
            record_keys(conn, rows.request_keys)


# ---- recovery: rows -> objects ------------------------------------------------------------


class SpecParser:
    """Workflow specs from the definition text kept in each execution, parsed once per text."""

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        spec = self._specs.get(text)
        if spec is None:
            from engine.lang import parse_workflows  # recovery only: readers never parse

            (spec,) = parse_workflows(text, "<stored execution>").workflows.values()
            self._specs[text] = spec
        return spec


def load_trees(
    conn: sqlite3.Connection, root_ids: list[str] | None, parse: Callable[[str], Any]
) -> tuple[list[WorkflowExecution], list[Timer]]:
    """Rebuild execution trees (roots and their sub-workflows, tasks, actions, timers).

    `root_ids` None means every root execution that is not finished.
    """
    if root_ids is None:
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        root_ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM workflow_executions WHERE root_execution_id IS NULL"
                f" AND state IN ({marks}) ORDER BY created_at, rowid",
                ACTIVE_STATES,
            )
        ]
    executions: list[WorkflowExecution] = []
    timers: list[Timer] = []
    for root_id in root_ids:
        rows = conn.execute(
            "SELECT * FROM workflow_executions WHERE id = ? OR root_execution_id = ?"
            " ORDER BY created_at, rowid",
            (root_id, root_id),
        ).fetchall()
        executions.extend(_build_tree(conn, rows, parse))
        timers.extend(
            Timer(row["id"], row["execution_id"], row["task_id"], row["kind"], row["due"],
                  loads(row["data"], {}))
            for row in conn.execute(
                "SELECT t.* FROM timers t JOIN workflow_executions e ON e.id = t.execution_id"
                " WHERE e.id = ? OR e.root_execution_id = ?",
                (root_id, root_id),
            )
        )  # fmt: skip
    return executions, timers


def _build_tree(
    conn: sqlite3.Connection, rows: list[sqlite3.Row], parse: Callable[[str], Any]
) -> list[WorkflowExecution]:
    executions = {row["id"]: _execution(row, parse) for row in rows}
    tasks: dict[str, TaskExecution] = {}
    for execution in executions.values():
        for row in conn.execute(
            "SELECT * FROM task_executions WHERE workflow_execution_id = ? ORDER BY seq",
            (execution.id,),
        ):
            task = _task(row, execution, tasks)
            tasks[task.id] = task
            execution.tasks.append(task)
            execution.tasks_by_name.setdefault(task.name, []).append(task)
            if not states.is_completed(task.state):
                execution.incomplete += 1
            if task.spec.join:
                execution.join_tasks[task.name] = task
    for task in tasks.values():
        for row in conn.execute(
            "SELECT * FROM action_executions WHERE task_execution_id = ?"
            " ORDER BY created_at, rowid",
            (task.id,),
        ):
            task.executions.append(action_from_row(row, task))
    for execution in executions.values():
        parent = tasks.get(execution.parent_task_id or "")
        if parent is not None:
            parent.executions.append(execution)
    for task in tasks.values():
        if len(task.executions) > 1:
            task.executions.sort(key=lambda ex: (ex.created_at, ex.index))
    return list(executions.values())


def _execution(row: sqlite3.Row, parse: Callable[[str], Any]) -> WorkflowExecution:
    runtime = loads(row["runtime"], {})
    return WorkflowExecution(
        id=row["id"],
        workflow_name=row["workflow_name"],
        workflow_id=row["workflow_id"],
        spec=parse(row["spec"]),
        spec_text=row["spec"],
        input=loads(row["input"], {}),
        params=loads(row["params"], {}),
        context=loads(row["context"], {}),
        description=row["description"],
        state=row["state"],
        state_info=row["state_info"],
        output=loads(row["output"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        parent_task_id=row["task_execution_id"],
        root_id=row["root_execution_id"],
        index=row["item_index"],
        accepted=bool(row["accepted"]),
        backlog=runtime.get("backlog", []),
        task_seq=runtime.get("task_seq", 0),
    )


def _task(
    row: sqlite3.Row, execution: WorkflowExecution, earlier: dict[str, TaskExecution]
) -> TaskExecution:
    runtime = loads(row["runtime"], {})
    ref = row["in_context_ref"]
    if ref is not None and ref in earlier:
        source = earlier[ref]
        in_context, in_versions = source.outbound(), source.outbound_versions()
    else:
        stored = loads(row["in_context"], {}) or {}
        in_context, in_versions = stored.get("data", {}), stored.get("versions", {})
    return TaskExecution(
        id=row["id"],
        name=row["name"],
        execution=execution,
        spec=execution.spec.tasks[row["name"]],
        in_context=in_context,
        in_versions=in_versions,
        in_context_ref=ref,
        state=row["state"],
        state_info=row["state_info"],
        published=loads(row["published"], {}),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        processed=runtime.get("processed", False),
        next_tasks=[tuple(item) for item in runtime.get("next_tasks", [])],
        error_handled=runtime.get("error_handled", False),
        runtime=runtime.get("policy", {}),
        seq=row["seq"],
        context_stored=True,
    )


def _compile(outputs: list) -> list:
    if not outputs:
        return []
    from engine.expr import compile_value  # the engine's side: readers never compile

    return compile_value(list(outputs))


def action_from_row(row: sqlite3.Row, task: TaskExecution | None) -> ActionExecution:
    runtime = loads(row["runtime"], {})
    outputs = runtime.get("outputs") or ()
    return ActionExecution(
        id=row["id"],
        name=row["name"],
        task=task,
        input=loads(row["input"], {}),
        state=row["state"],
        state_info=row["state_info"],
        output=loads(row["output"]),
        accepted=bool(row["accepted"]),
        index=row["item_index"],
        safe_rerun=runtime.get("safe_rerun", False),
        is_sync=runtime.get("is_sync", True),
        description=row["description"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        adhoc_outputs=tuple(_compile(outputs)),
        run_name=runtime.get("run_name") or row["name"],
        run_input=runtime.get("run_input"),
    )


def running_standalone_actions(conn: sqlite3.Connection) -> list[ActionExecution]:
    """`run-action` executions (no task) that were running when the engine stopped."""
    return [
        action_from_row(row, None)
        for row in conn.execute(
            "SELECT * FROM action_executions WHERE task_execution_id IS NULL AND state = ?",
            (states.RUNNING,),
        )
    ]


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


async def list_execution_summaries(store: Store, wanted: ExecutionFilter) -> list[ExecutionSummary]:
    """`list_executions` reading only the columns a list shows: about ten times less to read
    and keep than whole records when there are thousands."""
    sql, params = _list_sql(SUMMARY_SELECT, wanted)
    return [to_record(ExecutionSummary, row) for row in await store.fetch_all(sql, params)]


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
