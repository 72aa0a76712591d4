"""The engine's journal in the state file: the runtime turns the objects the conductor changed
into rows (`journal_rows`) and writes a whole batch in one transaction (`write_journal`);
recovery rebuilds the in-memory objects from those rows (`load_trees`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engine.core import states
from engine.core.model import ActionExecution, TaskExecution, Timer, WorkflowExecution
from engine.store.executions import dumps, loads
from engine.store.requests import record_keys

ACTIVE_STATES = (states.IDLE, states.RUNNING, states.PAUSED)


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
