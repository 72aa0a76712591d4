"""A state file for snapshot tests: real executions run by the engine, then their ids and times
rewritten to fixed values so every screenshot is the same from run to run."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from engine.api.embedded import EmbeddedBackend

FAILING_WORKBOOK = """\
version: '2.0'
name: test.snapshots
workflows:
  convert:
    tasks:
      parse:
        action: std.echo output=<% int(env().number) %>
  notify:
    tasks:
      post:
        action: zaqar.queue_post
        input:
          queue_name: tripleo
          messages:
            body:
              type: test.snapshots.notify
              payload:
                status: SUCCESS
                message: nodes are ready
"""
RUNS = (
    ("tripleo.examples.v1.hello", {"name": "operator"}, {}, "first run"),
    ("tripleo.examples.v1.wait_and_echo", {"seconds": 0}, {}, ""),
    ("test.snapshots.convert", {}, {"env": {"number": "seven"}}, "bad number"),
    ("test.snapshots.notify", {}, {}, ""),
    ("tripleo.examples.v1.hello", {"name": "again"}, {}, ""),
)
FIXED_TIME = "2026-01-01 12:00:00"
FIXED_EPOCH = 1767268800.0  # the same moment, for queue messages


async def _run(path: Path) -> None:
    api = await EmbeddedBackend.open(path)
    try:
        await api.create_workbook(FAILING_WORKBOOK)
        for workflow, workflow_input, params, description in RUNS:
            execution = await api.start_execution(workflow, workflow_input, params, description)
            await api.wait_execution(execution.id, timeout=30)
    finally:
        await api.close()


def fixed_id(number: int) -> str:
    return f"{number:08x}-0000-4000-8000-{number:012x}"


def make_state(path: Path) -> None:
    """Run RUNS on a new state file at `path`, then fix ids and times."""
    asyncio.run(_run(path))
    conn = sqlite3.connect(path)
    with conn:
        executions = conn.execute("SELECT id FROM workflow_executions ORDER BY rowid").fetchall()
        tasks = conn.execute("SELECT id FROM task_executions ORDER BY rowid").fetchall()
        for number, (old,) in enumerate(executions, start=1):
            new = fixed_id(number)
            conn.execute("UPDATE workflow_executions SET id = ? WHERE id = ?", (new, old))
            for table, column in (
                ("task_executions", "workflow_execution_id"),
                ("workflow_executions", "root_execution_id"),
                ("queue_messages", "execution_id"),
            ):
                conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new, old))
        for number, (old,) in enumerate(tasks, start=0x100):
            new = fixed_id(number)
            conn.execute("UPDATE task_executions SET id = ? WHERE id = ?", (new, old))
            for table in ("workflow_executions", "action_executions"):
                conn.execute(
                    f"UPDATE {table} SET task_execution_id = ? WHERE task_execution_id = ?",
                    (new, old),
                )
        minutes = "datetime(?, '+' || rowid || ' minutes')"
        conn.execute(
            f"UPDATE workflow_executions SET created_at = {minutes},"
            " updated_at = datetime(" + minutes + ", '+3 seconds')",
            (FIXED_TIME, FIXED_TIME),
        )
        conn.execute(
            "UPDATE task_executions SET"
            " created_at = (SELECT created_at FROM workflow_executions e"
            "   WHERE e.id = workflow_execution_id),"
            " started_at = (SELECT created_at FROM workflow_executions e"
            "   WHERE e.id = workflow_execution_id),"
            " updated_at = (SELECT updated_at FROM workflow_executions e"
            "   WHERE e.id = workflow_execution_id),"
            " finished_at = (SELECT updated_at FROM workflow_executions e"
            "   WHERE e.id = workflow_execution_id)"
        )
        for table in ("workbooks", "workflow_definitions"):
            conn.execute(f"UPDATE {table} SET created_at = ?, updated_at = NULL", (FIXED_TIME,))
        conn.execute("UPDATE queue_messages SET created_at = ?", (FIXED_EPOCH,))
    conn.close()
