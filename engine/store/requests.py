"""Hand-off rows: requests another process leaves for the live engine, and their answers.

A request names an engine method and its JSON arguments; the engine marks it TAKEN, runs it and
writes the result (or the error's type and message) back. Writes are functions of a
`sqlite3.Connection` for `Store.write`; times are Unix seconds passed in by the caller.
"""

from __future__ import annotations

import sqlite3

from engine.store.database import Store

PENDING, TAKEN, DONE, FAILED = "PENDING", "TAKEN", "DONE", "FAILED"
PICKUP_TIMEOUT = 30.0  # a request no engine took by then expires
KEEP_FINISHED = 3600.0  # answered rows a vanished caller left are removed after this
STOPPED_MESSAGE = "The engine stopped before it finished the request"


def insert_request(conn: sqlite3.Connection, method: str, arguments: str, now: float) -> int:
    cursor = conn.execute(
        "INSERT INTO engine_requests (method, arguments, created_at, expires_at)"
        " VALUES (?, ?, ?, ?)",
        (method, arguments, now, now + PICKUP_TIMEOUT),
    )
    return int(cursor.lastrowid)


def withdraw_request(conn: sqlite3.Connection, request_id: int) -> bool:
    """Delete a request no engine has taken yet; False if one already took it."""
    cursor = conn.execute(
        "DELETE FROM engine_requests WHERE id = ? AND state = ?", (request_id, PENDING)
    )
    return cursor.rowcount == 1


def delete_request(conn: sqlite3.Connection, request_id: int) -> None:
    conn.execute("DELETE FROM engine_requests WHERE id = ?", (request_id,))


def take_requests(conn: sqlite3.Connection, now: float) -> list[tuple[int, str, str]]:
    """Mark every live pending request TAKEN and return (id, method, arguments); drop the
    expired ones."""
    conn.execute("DELETE FROM engine_requests WHERE state = ? AND expires_at < ?", (PENDING, now))
    rows = conn.execute(
        "UPDATE engine_requests SET state = ? WHERE state = ? RETURNING id, method, arguments",
        (TAKEN, PENDING),
    ).fetchall()
    return sorted((row[0], row[1], row[2]) for row in rows)


def finish_request(
    conn: sqlite3.Connection,
    request_id: int,
    result: str | None,
    error: tuple[str, str] | None,
    now: float,
) -> None:
    """Answer a request: its JSON result, or `error` as (the error's type name, its message)."""
    error_type, message = error if error is not None else (None, None)
    conn.execute(
        "UPDATE engine_requests SET state = ?, result = ?, error_type = ?, error = ?,"
        " finished_at = ? WHERE id = ?",
        (DONE if error is None else FAILED, result, error_type, message, now, request_id),
    )


def clean_requests(conn: sqlite3.Connection, now: float) -> None:
    """At engine start: requests an earlier engine took but never answered fail; answers no
    caller came back for go."""
    conn.execute(
        "UPDATE engine_requests SET state = ?, error_type = ?, error = ?, finished_at = ?"
        " WHERE state = ?",
        (FAILED, "HandoffError", STOPPED_MESSAGE, now, TAKEN),
    )
    conn.execute(
        "DELETE FROM engine_requests WHERE state IN (?, ?) AND finished_at < ?",
        (DONE, FAILED, now - KEEP_FINISHED),
    )


async def data_version(store: Store) -> int:
    """A number that moves whenever another connection commits to the state file."""
    (version,) = await store.fetch_one("PRAGMA data_version")
    return version


async def any_pending(store: Store) -> bool:
    return bool(
        await store.fetch_one("SELECT 1 FROM engine_requests WHERE state = ? LIMIT 1", (PENDING,))
    )


async def answer_of(
    store: Store, request_id: int
) -> tuple[str, str | None, str | None, str | None] | None:
    """(state, result, error_type, error) of a request, or None once it is gone."""
    row = await store.fetch_one(
        "SELECT state, result, error_type, error FROM engine_requests WHERE id = ?",
        (request_id,),
    )
    return None if row is None else tuple(row)


async def engine_has_work(store: Store) -> bool:
    """Whether anything is running or waiting that a background engine must stay up for."""
    (busy,) = await store.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM workflow_executions WHERE state IN ('IDLE', 'RUNNING'))"
        " OR EXISTS (SELECT 1 FROM action_executions"
        " WHERE task_execution_id IS NULL AND state = 'RUNNING')"
        " OR EXISTS (SELECT 1 FROM engine_requests WHERE state = ?)",
        (PENDING,),
    )
    return bool(busy)
