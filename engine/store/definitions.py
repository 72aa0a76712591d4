"""Stored definitions: workbooks, workflows and ad-hoc actions.

Reads are coroutines on the store's reader. Writes are plain functions of a `sqlite3.Connection`
meant for `Store.write`, so each call is one transaction: it either changes everything it was
asked to or, on any error, nothing. They take values already parsed and validated by the caller.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.store.database import Store, new_id, utc_now
from engine.store.errors import AlreadyExistsError, ConflictError, NotFoundError
from engine.store.records import Record, json_tuple, to_record

DEFAULT_PROJECT = "<default-project>"
PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class WorkbookRecord:
    name: str
    definition: str
    description: str | None
    tags: tuple[str, ...]
    scope: str
    project_id: str
    created_at: str
    updated_at: str | None


@dataclass(frozen=True, slots=True)
class WorkflowRecord:
    id: str
    name: str
    workbook_name: str | None
    namespace: str
    definition: str
    input: str
    description: str | None
    tags: tuple[str, ...]
    scope: str
    project_id: str
    created_at: str
    updated_at: str | None


@dataclass(frozen=True, slots=True)
class ActionRecord:
    id: str
    name: str
    workbook_name: str | None
    is_system: bool
    input: str
    description: str | None
    tags: tuple[str, ...]
    definition: str
    scope: str
    project_id: str
    created_at: str | None
    updated_at: str | None


@dataclass(frozen=True, slots=True)
class WorkbookValues:
    """What a write needs to store a workbook."""

    name: str
    definition: str
    description: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DefinitionValues:
    """What a write needs to store one workflow or ad-hoc action, under its full name."""

    name: str
    definition: str
    input: str
    description: str | None
    tags: tuple[str, ...]


DEFINITION_DECODERS = {"tags": json_tuple, "is_system": bool}


def _to_record(cls: type[Record], row: sqlite3.Row) -> Record:
    return to_record(cls, row, DEFINITION_DECODERS)


# ---- reads ---------------------------------------------------------------------------------


async def list_workbooks(store: Store) -> list[WorkbookRecord]:
    rows = await store.fetch_all("SELECT * FROM workbooks ORDER BY created_at, rowid")
    return [_to_record(WorkbookRecord, row) for row in rows]


async def find_workbook(store: Store, name: str) -> WorkbookRecord | None:
    row = await store.fetch_one("SELECT * FROM workbooks WHERE name = ?", (name,))
    return None if row is None else _to_record(WorkbookRecord, row)


async def list_workflows(store: Store) -> list[WorkflowRecord]:
    rows = await store.fetch_all("SELECT * FROM workflow_definitions ORDER BY created_at, rowid")
    return [_to_record(WorkflowRecord, row) for row in rows]


async def find_workflow(store: Store, id_or_name: str) -> WorkflowRecord | None:
    row = await store.fetch_one(
        "SELECT * FROM workflow_definitions WHERE id = ?1 OR name = ?1", (id_or_name,)
    )
    return None if row is None else _to_record(WorkflowRecord, row)


async def list_actions(store: Store) -> list[ActionRecord]:
    """Stored (ad-hoc) actions, by name."""
    rows = await store.fetch_all("SELECT * FROM action_definitions ORDER BY name")
    return [_to_record(ActionRecord, row) for row in rows]


async def find_action(store: Store, id_or_name: str) -> ActionRecord | None:
    row = await store.fetch_one(
        "SELECT * FROM action_definitions WHERE id = ?1 OR name = ?1", (id_or_name,)
    )
    return None if row is None else _to_record(ActionRecord, row)


async def get_meta(store: Store, key: str) -> str | None:
    row = await store.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
    return None if row is None else row["value"]


async def bundled_files_loaded(store: Store) -> set[str]:
    """Names of our own workbook files already loaded into this state file."""
    rows = await store.fetch_all("SELECT file FROM bundled_workbook_files")
    return {row["file"] for row in rows}


# ---- writes (run through Store.write) ------------------------------------------------------

_CHILD_TABLES = (("workflow_definitions", "Workflow"), ("action_definitions", "Action"))


def insert_workbook(
    conn: sqlite3.Connection,
    workbook: WorkbookValues,
    workflows: Sequence[DefinitionValues],
    actions: Sequence[DefinitionValues],
) -> WorkbookRecord:
    """Store a new workbook with its workflows and actions under `<workbook>.<name>`."""
    if _workbook_row(conn, workbook.name) is not None:
        raise AlreadyExistsError(f"Workbook '{workbook.name}' already exists")
    now = utc_now()
    conn.execute(
        "INSERT INTO workbooks (name, definition, description, tags, scope, project_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            workbook.name,
            workbook.definition,
            workbook.description,
            json.dumps(list(workbook.tags)),
            PRIVATE,
            DEFAULT_PROJECT,
            now,
        ),
    )
    _replace_children(conn, workbook.name, (workflows, actions), now)
    return _to_record(WorkbookRecord, _workbook_row(conn, workbook.name))


def update_workbook(
    conn: sqlite3.Connection,
    workbook: WorkbookValues,
    workflows: Sequence[DefinitionValues],
    actions: Sequence[DefinitionValues],
) -> WorkbookRecord:
    """Replace a workbook: its workflows and actions become exactly the given ones.

    Definitions still present keep their ids and creation times; the others are deleted.
    """
    if _workbook_row(conn, workbook.name) is None:
        raise NotFoundError(f"Workbook '{workbook.name}' not found")
    now = utc_now()
    conn.execute(
        "UPDATE workbooks SET definition = ?, description = ?, tags = ?, updated_at = ?"
        " WHERE name = ?",
        (
            workbook.definition,
            workbook.description,
            json.dumps(list(workbook.tags)),
            now,
            workbook.name,
        ),
    )
    _replace_children(conn, workbook.name, (workflows, actions), now)
    return _to_record(WorkbookRecord, _workbook_row(conn, workbook.name))


def delete_workbook(conn: sqlite3.Connection, name: str) -> None:
    """Delete a workbook and, through the foreign keys, its workflows and actions."""
    _refuse_if_triggered(conn, "workbook_name = ?", (name,))
    if conn.execute("DELETE FROM workbooks WHERE name = ?", (name,)).rowcount == 0:
        raise NotFoundError(f"Workbook '{name}' not found")


def insert_workflows(
    conn: sqlite3.Connection, workflows: Sequence[DefinitionValues]
) -> list[WorkflowRecord]:
    """Store new stand-alone workflows (no workbook) under the names given."""
    now = utc_now()
    for workflow in workflows:
        if _row_by_name(conn, "workflow_definitions", workflow.name) is not None:
            raise AlreadyExistsError(f"Workflow '{workflow.name}' already exists")
        _insert_child(conn, "workflow_definitions", None, workflow, now)
    return _children_by_name(conn, "workflow_definitions", WorkflowRecord, workflows)


def update_workflows(
    conn: sqlite3.Connection, workflows: Sequence[DefinitionValues]
) -> list[WorkflowRecord]:
    """Replace stand-alone workflows found by name; ids and creation times stay."""
    now = utc_now()
    for workflow in workflows:
        row = _row_by_name(conn, "workflow_definitions", workflow.name)
        if row is None:
            raise NotFoundError(f"Workflow '{workflow.name}' not found")
        _refuse_if_in_workbook("Workflow", row, "update")
        _update_child(conn, "workflow_definitions", workflow, now)
    return _children_by_name(conn, "workflow_definitions", WorkflowRecord, workflows)


def delete_workflow(conn: sqlite3.Connection, id_or_name: str) -> None:
    """Delete a stand-alone workflow; one that belongs to a workbook goes with the workbook."""
    _refuse_if_triggered(conn, "id = ?1 OR name = ?1", (id_or_name,))
    _delete_standalone(conn, "workflow_definitions", "Workflow", id_or_name)


def _delete_standalone(conn: sqlite3.Connection, table: str, kind: str, id_or_name: str) -> None:
    row = conn.execute(
        f"SELECT name, workbook_name FROM {table} WHERE id = ?1 OR name = ?1", (id_or_name,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"{kind} '{id_or_name}' not found")
    _refuse_if_in_workbook(kind, row, "delete")
    conn.execute(f"DELETE FROM {table} WHERE name = ?", (row["name"],))


def insert_actions(
    conn: sqlite3.Connection, actions: Sequence[DefinitionValues], scope: str
) -> list[ActionRecord]:
    """Store new stand-alone ad-hoc actions (`action-create`)."""
    now = utc_now()
    for action in actions:
        if _row_by_name(conn, "action_definitions", action.name) is not None:
            raise AlreadyExistsError(f"Action '{action.name}' already exists")
        _insert_child(conn, "action_definitions", None, action, now, scope)
    return _children_by_name(conn, "action_definitions", ActionRecord, actions)


def update_actions(
    conn: sqlite3.Connection,
    actions: Sequence[DefinitionValues],
    scope: str,
    identifier: str | None = None,
) -> list[ActionRecord]:
    """Replace stand-alone ad-hoc actions found by name (`action-update`); with `identifier`
    (an id or name), the one action given replaces that one, under its new name if renamed,
    as Mistral does."""
    now = utc_now()
    if identifier is not None:
        if len(actions) != 1:
            raise ConflictError(
                "More than one actions are not supported for update with identifier. "
                f"[identifier: {identifier}]"
            )
        row = conn.execute(
            "SELECT * FROM action_definitions WHERE id = ?1 OR name = ?1", (identifier,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"Action '{identifier}' not found")
        _refuse_if_in_workbook("Action", row, "update")
        taken = _row_by_name(conn, "action_definitions", actions[0].name)
        if taken is not None and taken["id"] != row["id"]:
            raise AlreadyExistsError(f"Action '{actions[0].name}' already exists")
        conn.execute(
            "UPDATE action_definitions SET name = ? WHERE id = ?", (actions[0].name, row["id"])
        )
    for action in actions:
        row = _row_by_name(conn, "action_definitions", action.name)
        if row is None:
            raise NotFoundError(f"Action '{action.name}' not found")
        _refuse_if_in_workbook("Action", row, "update")
        _update_child(conn, "action_definitions", action, now, scope)
    return _children_by_name(conn, "action_definitions", ActionRecord, actions)


def delete_action(conn: sqlite3.Connection, id_or_name: str) -> None:
    """Delete a stand-alone ad-hoc action; one of a workbook goes with the workbook."""
    _delete_standalone(conn, "action_definitions", "Action", id_or_name)


def load_bundled_workbook(
    conn: sqlite3.Connection,
    file: str,
    replace: bool,
    workbook: WorkbookValues,
    workflows: Sequence[DefinitionValues],
    actions: Sequence[DefinitionValues],
) -> None:
    """Store one of our own workbook files; a workbook already there is kept unless `replace`."""
    if _workbook_row(conn, workbook.name) is None:
        insert_workbook(conn, workbook, workflows, actions)
    elif replace:
        update_workbook(conn, workbook, workflows, actions)
    mark_bundled_file_loaded(conn, file, workbook.name)


def mark_bundled_file_loaded(conn: sqlite3.Connection, file: str, workbook_name: str) -> None:
    conn.execute(
        "INSERT INTO bundled_workbook_files (file, workbook_name, loaded_at) VALUES (?, ?, ?)"
        " ON CONFLICT(file) DO UPDATE SET workbook_name = excluded.workbook_name,"
        " loaded_at = excluded.loaded_at",
        (file, workbook_name, utc_now()),
    )


# ---- helpers -------------------------------------------------------------------------------


def _workbook_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM workbooks WHERE name = ?", (name,)).fetchone()


def _row_by_name(conn: sqlite3.Connection, table: str, name: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT * FROM {table} WHERE name = ?", (name,)).fetchone()


def _refuse_if_in_workbook(kind: str, row: sqlite3.Row, verb: str) -> None:
    if row["workbook_name"] is not None:
        raise ConflictError(
            f"{kind} '{row['name']}' belongs to workbook '{row['workbook_name']}';"
            f" {verb} the workbook instead"
        )


def _refuse_if_triggered(conn: sqlite3.Connection, where: str, args: tuple) -> None:
    """Mistral's rule: a workflow that cron triggers start cannot be deleted (`where` selects
    the workflows a write would delete)."""
    rows = conn.execute(
        "SELECT workflow_name, group_concat(name, ', ') FROM cron_triggers WHERE workflow_id IN"
        f" (SELECT id FROM workflow_definitions WHERE {where}) GROUP BY workflow_name",
        args,
    ).fetchall()
    if rows:
        workflow, triggers = rows[0]
        raise ConflictError(
            f"Can't delete workflow '{workflow}': cron triggers start it ({triggers}); "
            "delete them first (cron-trigger-delete)"
        )


def _replace_children(
    conn: sqlite3.Connection,
    workbook_name: str,
    children: tuple[Sequence[DefinitionValues], Sequence[DefinitionValues]],
    now: str,
) -> None:
    for (table, kind), items in zip(_CHILD_TABLES, children, strict=True):
        for item in items:
            row = _row_by_name(conn, table, item.name)
            if row is not None and row["workbook_name"] != workbook_name:
                raise AlreadyExistsError(f"{kind} '{item.name}' already exists")
        keep = json.dumps([item.name for item in items])
        dropped = "workbook_name = ? AND name NOT IN (SELECT value FROM json_each(?))"
        if table == "workflow_definitions":
            _refuse_if_triggered(conn, dropped, (workbook_name, keep))
        conn.execute(f"DELETE FROM {table} WHERE {dropped}", (workbook_name, keep))
        for item in items:
            if _row_by_name(conn, table, item.name) is None:
                _insert_child(conn, table, workbook_name, item, now)
            else:
                _update_child(conn, table, item, now)


def _insert_child(
    conn: sqlite3.Connection,
    table: str,
    workbook_name: str | None,
    item: DefinitionValues,
    now: str,
    scope: str = PRIVATE,
) -> None:
    conn.execute(
        f"INSERT INTO {table} (id, name, workbook_name, definition, input, description, tags,"
        " scope, project_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new_id(),
            item.name,
            workbook_name,
            item.definition,
            item.input,
            item.description,
            json.dumps(list(item.tags)),
            scope,
            DEFAULT_PROJECT,
            now,
        ),
    )


def _update_child(
    conn: sqlite3.Connection,
    table: str,
    item: DefinitionValues,
    now: str,
    scope: str | None = None,
) -> None:
    """Replace a definition found by name; its scope too when given."""
    conn.execute(
        f"UPDATE {table} SET definition = ?, input = ?, description = ?, tags = ?,"
        " scope = COALESCE(?, scope), updated_at = ? WHERE name = ?",
        (
            item.definition,
            item.input,
            item.description,
            json.dumps(list(item.tags)),
            scope,
            now,
            item.name,
        ),
    )


def _children_by_name(
    conn: sqlite3.Connection,
    table: str,
    cls: type[Record],
    items: Iterable[DefinitionValues],
) -> list[Record]:
    return [_to_record(cls, _row_by_name(conn, table, item.name)) for item in items]
