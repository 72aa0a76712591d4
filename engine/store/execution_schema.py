"""Tables for executions: the engine's journal (see engine.store.journal).

A task row does not copy its inbound context when that is its upstream task's outbound context:
it names that task (`in_context_ref`) and the context is rebuilt from the published variables
on the way, so a context is stored once however many tasks read it.
"""

from __future__ import annotations

import sqlite3

TABLES = (
    """CREATE TABLE workflow_executions (
        id TEXT PRIMARY KEY,
        workflow_name TEXT NOT NULL,
        workflow_id TEXT,
        description TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        state_info TEXT,
        input TEXT NOT NULL,
        params TEXT NOT NULL,
        context TEXT NOT NULL,
        output TEXT,
        spec TEXT NOT NULL,
        task_execution_id TEXT,
        root_execution_id TEXT,
        item_index INTEGER NOT NULL DEFAULT 0,
        accepted INTEGER NOT NULL DEFAULT 0,
        runtime TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT
    )""",
    "CREATE INDEX workflow_executions_root ON workflow_executions(root_execution_id)",
    "CREATE INDEX workflow_executions_parent ON workflow_executions(task_execution_id)",
    "CREATE INDEX workflow_executions_state ON workflow_executions(state)",
    "CREATE INDEX workflow_executions_created ON workflow_executions(created_at)",
    """CREATE TABLE task_executions (
        id TEXT PRIMARY KEY,
        workflow_execution_id TEXT NOT NULL,
        name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        with_items INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        state_info TEXT,
        in_context_ref TEXT,
        in_context TEXT,
        published TEXT NOT NULL DEFAULT '{}',
        runtime TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT,
        started_at TEXT,
        finished_at TEXT
    )""",
    "CREATE INDEX task_executions_workflow ON task_executions(workflow_execution_id, seq)",
    """CREATE TABLE action_executions (
        id TEXT PRIMARY KEY,
        task_execution_id TEXT,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        state_info TEXT,
        accepted INTEGER NOT NULL DEFAULT 0,
        item_index INTEGER NOT NULL DEFAULT 0,
        input TEXT NOT NULL,
        output TEXT,
        runtime TEXT NOT NULL DEFAULT '{}',
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT
    )""",
    "CREATE INDEX action_executions_task ON action_executions(task_execution_id, item_index)",
    """CREATE TABLE timers (
        id TEXT PRIMARY KEY,
        execution_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        due REAL NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE environments (
        name TEXT PRIMARY KEY,
        description TEXT,
        variables TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT 'private',
        created_at TEXT NOT NULL,
        updated_at TEXT
    )""",
    """CREATE TABLE engine_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        owner TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        heartbeat REAL NOT NULL,
        started_at TEXT NOT NULL
    )""",
)


def create_execution_tables(conn: sqlite3.Connection) -> None:
    """Migration: executions, tasks, action executions, timers, environments, engine lease."""
    for statement in TABLES:
        conn.execute(statement)
