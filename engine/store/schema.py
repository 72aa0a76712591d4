"""The state file's schema as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations a file has had. Migration N (1-based) runs in
its own transaction and sets the version to N, so a file is always at a known version. To change
the schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from engine.store.errors import StoreError
from engine.store.execution_schema import create_execution_tables

Migration = Callable[[sqlite3.Connection], None]


def _statements(*sql: str) -> Migration:
    """A migration made of plain SQL statements, run in order."""

    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return apply


MIGRATIONS: tuple[Migration, ...] = (
    # 1: definitions (workbooks, workflows, ad-hoc actions) and bookkeeping.
    _statements(
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        "INSERT INTO meta (key, value) VALUES ('created_at', strftime('%Y-%m-%d %H:%M:%S'))",
        """CREATE TABLE bundled_workbook_files (
            file TEXT PRIMARY KEY,
            workbook_name TEXT NOT NULL,
            loaded_at TEXT NOT NULL
        )""",
        """CREATE TABLE workbooks (
            name TEXT PRIMARY KEY,
            definition TEXT NOT NULL,
            description TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT
        )""",
        """CREATE TABLE workflow_definitions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            workbook_name TEXT REFERENCES workbooks(name) ON DELETE CASCADE,
            namespace TEXT NOT NULL DEFAULT '',
            definition TEXT NOT NULL,
            input TEXT NOT NULL DEFAULT '',
            description TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT
        )""",
        "CREATE INDEX workflow_definitions_workbook ON workflow_definitions(workbook_name)",
        """CREATE TABLE action_definitions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            workbook_name TEXT REFERENCES workbooks(name) ON DELETE CASCADE,
            is_system INTEGER NOT NULL DEFAULT 0,
            input TEXT NOT NULL DEFAULT '',
            description TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            definition TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT
        )""",
        "CREATE INDEX action_definitions_workbook ON action_definitions(workbook_name)",
    ),
    # 2: message queues (zaqar.* actions); times are Unix seconds, FIFO order is `seq`.
    _statements(
        """CREATE TABLE queues (
            name TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
        """CREATE TABLE queue_messages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            queue_name TEXT NOT NULL REFERENCES queues(name) ON DELETE CASCADE,
            body TEXT NOT NULL,
            ttl INTEGER,
            type TEXT,
            status TEXT,
            message TEXT,
            execution_id TEXT,
            created_at REAL NOT NULL,
            expires_at REAL,
            claim_id TEXT,
            claim_expires_at REAL
        )""",
        "CREATE INDEX queue_messages_queue ON queue_messages(queue_name, seq)",
        "CREATE INDEX queue_messages_execution ON queue_messages(execution_id)",
    ),
    # 3: executions, tasks, action executions, timers, environments, engine lease.
    create_execution_tables,
    # 4: requests from other processes for the live engine (engine.store.requests); Unix times.
    _statements(
        """CREATE TABLE engine_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            method TEXT NOT NULL,
            arguments TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'PENDING',
            result TEXT,
            error_type TEXT,
            error TEXT,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            finished_at REAL
        )""",
        "CREATE INDEX engine_requests_state ON engine_requests(state)",
    ),
    # 5: `tasks(state=...)` over stored executions (engine.store.history) uses an index.
    _statements("CREATE INDEX task_executions_state ON task_executions(state)"),
    # 6: cron triggers (engine.store.cron_triggers); times are UTC text, in time order.
    _statements(
        """CREATE TABLE cron_triggers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            workflow_name TEXT NOT NULL,
            workflow_id TEXT NOT NULL REFERENCES workflow_definitions(id),
            workflow_input TEXT NOT NULL DEFAULT '{}',
            workflow_params TEXT NOT NULL DEFAULT '{}',
            pattern TEXT,
            first_execution_time TEXT,
            next_execution_time TEXT NOT NULL,
            remaining_executions INTEGER,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT
        )""",
        "CREATE INDEX cron_triggers_next ON cron_triggers(next_execution_time)",
        "CREATE INDEX cron_triggers_workflow ON cron_triggers(workflow_id)",
    ),
    # 7: the idempotency keys of the changes other processes handed to the engine
    # (engine.store.requests); the request rows of 4 went with the socket hand-off.
    _statements(
        "DROP TABLE engine_requests",
        """CREATE TABLE request_keys (
            key TEXT PRIMARY KEY,
            object_id TEXT,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX request_keys_created_at ON request_keys(created_at)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file to SCHEMA_VERSION; return the version it had before.

    Each step re-reads the version inside `BEGIN IMMEDIATE`, so two processes opening a new file
    at once cannot both apply the same migration.
    """
    (start,) = conn.execute("PRAGMA user_version").fetchone()
    if start > SCHEMA_VERSION:
        raise StoreError(
            f"The state file has schema version {start}, newer than this program's "
            f"{SCHEMA_VERSION}; upgrade tripleo-tui or use another state file"
        )
    for version, migration in enumerate(MIGRATIONS, start=1):
        if version <= start:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            (current,) = conn.execute("PRAGMA user_version").fetchone()
            if current < version:
                migration(conn)
                conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return start
