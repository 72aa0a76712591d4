"""The engine's bookkeeping for other processes: the idempotency keys of the changes they
handed to it, and what keeps a background engine up (executions and stand-alone actions still
running, and cron triggers: nothing else would be there to fire them).

A process hands a change to the live engine (engine.api.handoff) under a new key, and the
engine records the key in the transaction that makes the change. If the engine stops before it
answers, the key read from the state file says whether the change was made: the command reports
what is there, never a failure for a change that was made, and never makes it twice.
"""

from __future__ import annotations

import sqlite3

from engine.store.database import Store

KEYS_KEPT = 24 * 3600.0  # seconds a key is kept: a lost answer is looked up at once


def record_keys(conn: sqlite3.Connection, keys: list[tuple[str, str | None, float]]) -> None:
    """Record requests as made, in the transaction that made them: (key, the id of what the
    request created or None, Unix time). Keys older than KEYS_KEPT go."""
    conn.executemany(
        "INSERT OR IGNORE INTO request_keys (key, object_id, created_at) VALUES (?, ?, ?)", keys
    )
    oldest = min(created_at for _, _, created_at in keys) - KEYS_KEPT
    conn.execute("DELETE FROM request_keys WHERE created_at < ?", (oldest,))


async def made_request(store: Store, key: str) -> sqlite3.Row | None:
    """The row (`object_id`) of the request made under `key`, or None if none was."""
    return await store.fetch_one("SELECT object_id FROM request_keys WHERE key = ?", (key,))


async def engine_has_work(store: Store) -> bool:
    """Whether anything is running or waiting that a background engine must stay up for: an
    unfinished execution or stand-alone action, or any cron trigger (it fires later)."""
    (busy,) = await store.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM workflow_executions WHERE state IN ('IDLE', 'RUNNING'))"
        " OR EXISTS (SELECT 1 FROM action_executions"
        " WHERE task_execution_id IS NULL AND state = 'RUNNING')"
        " OR EXISTS (SELECT 1 FROM cron_triggers)"
    )
    return bool(busy)
