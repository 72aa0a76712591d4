"""Read-only look-ups of stored executions for the `tasks()` and `executions()` expression
functions: what the conductor no longer holds in memory (finished, forgotten executions).

Expressions are evaluated synchronously inside the conductor, so this reads through its own
read-only SQLite connection. Every query uses an index and is bounded by `limit`; the caller
raises a clear error when a query matches more.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from engine.core.model import Timer, WorkflowExecution
from engine.store.executions import loads
from engine.store.journal import load_trees

# Every workflow execution under the given one (its sub-workflows, theirs, ...), itself included.
_TREE = """
WITH RECURSIVE tree(id) AS (
    SELECT ?
    UNION
    SELECT w.id FROM workflow_executions w
    JOIN task_executions t ON w.task_execution_id = t.id
    JOIN tree ON t.workflow_execution_id = tree.id
)
SELECT id FROM tree
"""


class StoreHistory:
    """The conductor's `History`, answered from the state file."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                f"{self._path.as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA query_only = ON")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def trees(
        self, root_ids: list[str], parse: Callable[[str], Any]
    ) -> tuple[list[WorkflowExecution], list[Timer]]:
        """Execution trees rebuilt from the state file (engine.store.journal.load_trees),
        read in one snapshot."""
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            return load_trees(conn, root_ids, parse)
        finally:
            conn.execute("ROLLBACK")

    def execution_tree(self, execution_id: str) -> list[str]:
        return [row["id"] for row in self._connection().execute(_TREE, (execution_id,))]

    def tasks(
        self,
        workflow_execution_ids: list[str] | None,
        state: str | None,
        skip_executions: Collection[str],
        limit: int,
    ) -> list[dict[str, Any]]:
        """Task executions (Mistral's user model, `spec` holding the name only), in the order
        they were first stored."""
        sql = (
            "SELECT id, name, type, with_items, state, state_info, published,"
            " workflow_execution_id, created_at, updated_at FROM task_executions WHERE"
            " workflow_execution_id NOT IN (SELECT value FROM json_each(?))"
        )
        params: list[Any] = [json.dumps(list(skip_executions))]
        if workflow_execution_ids is not None:
            sql += " AND workflow_execution_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(workflow_execution_ids))
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        sql += " ORDER BY rowid LIMIT ?"  # insertion order: no sort, stops at the limit
        params.append(limit)
        rows = self._connection().execute(sql, params).fetchall()
        results = self._results([row["id"] for row in rows])
        return [_task_dict(row, results.get(row["id"], [])) for row in rows]

    def _results(self, task_ids: list[str]) -> dict[str, list[Any]]:
        """Accepted results of each task, by item index: action outputs, sub-workflow outputs."""
        if not task_ids:
            return {}
        wanted = json.dumps(task_ids)
        found: dict[str, list[tuple[int, Any]]] = {}
        for table, is_workflow in (("action_executions", False), ("workflow_executions", True)):
            for row in self._connection().execute(
                f"SELECT task_execution_id, item_index, output FROM {table}"
                " WHERE task_execution_id IN (SELECT value FROM json_each(?)) AND accepted = 1",
                (wanted,),
            ):
                output = loads(row["output"])
                result = output if is_workflow else (output or {}).get("result")
                found.setdefault(row["task_execution_id"], []).append((row["item_index"], result))
        return {
            task_id: [result for _, result in sorted(items, key=lambda item: item[0])]
            for task_id, items in found.items()
        }

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
        skip: Collection[str],
        limit: int,
    ) -> list[dict[str, Any]]:
        """Workflow executions (Mistral's user model), oldest first."""
        sql = (
            "SELECT id, workflow_name, input, params, root_execution_id, created_at, updated_at"
            " FROM workflow_executions WHERE id NOT IN (SELECT value FROM json_each(?))"
        )
        params: list[Any] = [json.dumps(list(skip))]
        for column, operator, value in (
            ("id", "=", id),
            ("root_execution_id", "=", root_execution_id),
            ("state", "=", state),
            ("created_at", ">=", from_time),
            ("created_at", "<", to_time),
        ):
            if value is not None:
                sql += f" AND {column} {operator} ?"
                params.append(value)
        sql += " ORDER BY created_at LIMIT ?"
        params.append(limit)
        return [
            {
                "id": row["id"],
                "name": row["workflow_name"],
                "input": loads(row["input"], {}),
                "params": loads(row["params"], {}),
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
                "root_execution_id": row["root_execution_id"],
            }
            for row in self._connection().execute(sql, params)
        ]


def _task_dict(row: sqlite3.Row, results: list[Any]) -> dict[str, Any]:
    if row["with_items"]:
        result: Any = results
    else:
        result = results[0] if len(results) == 1 else results
    return {
        "id": row["id"],
        "name": row["name"],
        "spec": {"name": row["name"]},
        "state": row["state"],
        "state_info": row["state_info"],
        "result": result,
        "published": loads(row["published"], {}),
        "type": row["type"],
        "workflow_execution_id": row["workflow_execution_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
