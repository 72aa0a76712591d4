"""What keeps a background engine up: executions and stand-alone actions still running, and
cron triggers (nothing else would be there to fire them).

(Other processes' requests no longer wait in rows here: they reach the live engine over its
unix socket, engine.api.handoff; the `engine_requests` table of schema 4 stays unused.)
"""

from __future__ import annotations

from engine.store.database import Store


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
