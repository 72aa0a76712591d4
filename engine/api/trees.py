"""Execution trees as Mistral 23 walks them, read through any Backend: the executions below an
execution or a task (`/executions/ID/executions`, `/tasks/ID/executions`) and the execution
report (`/executions/ID/report`), in Mistral's JSON shape (mistral/api/controllers/v2/
sub_execution.py and execution_report.py).

Depth counts execution levels: the root is at 0, its tasks and their sub-workflows at 1, and so
on; `max_depth` < 0 is no limit. `errors_only` keeps the paths through ERROR tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.api.types import ExecutionFilter, ExecutionRecord, TaskRecord, states

if TYPE_CHECKING:
    from engine.api.backend import Backend

TIMESTAMP = "%Y-%m-%d %H:%M:%S"
ESTIMATE_FROM = 20  # earlier successful runs the estimate averages (Mistral's query limit)
# The task states the statistics count (Mistral counts no other: WAITING, SKIPPED ...).
COUNTED = {
    states.RUNNING: "running_tasks_count",
    states.SUCCESS: "success_tasks_count",
    states.ERROR: "error_tasks_count",
    states.IDLE: "idle_tasks_count",
    states.PAUSED: "paused_tasks_count",
}


@dataclass
class _Walk:
    backend: Backend
    errors_only: bool
    max_depth: int
    statistics: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("total_tasks_count", *COUNTED.values()), 0)
    )

    def too_deep(self, depth: int) -> bool:
        return 0 <= self.max_depth < depth

    def skipped(self, task: TaskRecord) -> bool:
        return self.errors_only and task.state != states.ERROR

    async def children(self, task: TaskRecord) -> list[ExecutionRecord]:
        wanted = ExecutionFilter(task_execution_id=task.id, limit=None)
        return await self.backend.list_executions(wanted)

    # ---- sub-executions -------------------------------------------------------------------

    async def executions_from(self, execution_id: str, depth: int) -> list[ExecutionRecord]:
        if self.too_deep(depth):
            return []
        found = [await self.backend.get_execution(execution_id)]
        for task in await self.backend.list_tasks(execution_id, limit=None):
            found += await self.executions_below(task, depth + 1)
        return found

    async def executions_below(self, task: TaskRecord, depth: int) -> list[ExecutionRecord]:
        if self.skipped(task):
            return []
        found = []
        for child in await self.children(task):
            found += await self.executions_from(child.id, depth)
        return found

    # ---- the report -----------------------------------------------------------------------

    def count(self, task: TaskRecord) -> None:
        if task.state in COUNTED:
            self.statistics[COUNTED[task.state]] += 1
            self.statistics["total_tasks_count"] += 1

    async def execution_entry(self, execution: ExecutionRecord, depth: int) -> dict[str, Any]:
        entry = _entry(execution, execution.workflow_name)
        if self.too_deep(depth):
            return entry
        entry["task_executions"] = [
            task_entry
            for task in await self.backend.list_tasks(execution.id, limit=None)
            if (task_entry := await self.task_entry(task, depth + 1)) is not None
        ]
        return entry

    async def task_entry(self, task: TaskRecord, depth: int) -> dict[str, Any] | None:
        if self.skipped(task):
            return None
        self.count(task)
        entry: dict[str, Any] = {"action_executions": [], "workflow_executions": []}
        if task.type == "WORKFLOW":
            for child in await self.children(task):
                entry["workflow_executions"].append(await self.execution_entry(child, depth))
        else:
            for action in await self.backend.list_action_executions(task.id, limit=None):
                entry["action_executions"].append(
                    {
                        "accepted": action.accepted,
                        "last_heartbeat": action.updated_at or action.created_at,
                        **_entry(action, action.name),
                    }
                )
        if task.retries:
            entry["retry_count"] = task.retries
        return entry | _entry(task, task.name)

    async def count_only(self, execution_id: str, depth: int) -> None:
        if self.too_deep(depth):
            return
        for task in await self.backend.list_tasks(execution_id, limit=None):
            if self.skipped(task):
                continue
            self.count(task)
            if task.type == "WORKFLOW":
                for child in await self.children(task):
                    await self.count_only(child.id, depth + 1)


def _entry(record: Any, name: str) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": name,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "state": record.state,
        "state_info": record.state_info,
    }


async def sub_executions(
    backend: Backend, kind: str, origin_id: str, *, errors_only: bool = False, max_depth: int = -1
) -> list[ExecutionRecord]:
    """The executions below an "execution" (itself first) or a "task", depth first, as Mistral
    lists them: an execution, then what each of its tasks started."""
    walk = _Walk(backend, errors_only, max_depth)
    if kind == "execution":
        return await walk.executions_from(origin_id, 0)
    return await walk.executions_below(await backend.get_task(origin_id), 0)


async def execution_report(
    backend: Backend,
    execution_id: str,
    *,
    errors_only: bool = False,
    max_depth: int = -1,
    statistics_only: bool = False,
) -> dict[str, Any]:
    """Mistral's execution report: task statistics and (unless `statistics_only`) the tree of
    executions, tasks and action executions."""
    root = await backend.get_execution(execution_id)
    walk = _Walk(backend, errors_only, max_depth)
    report: dict[str, Any] = {"statistics": walk.statistics}
    if statistics_only:
        await walk.count_only(root.id, 0)
    else:
        report["root_workflow_execution"] = await walk.execution_entry(root, 0)
    walk.statistics["estimated_time"] = await _estimated_time(backend, root)
    return report


async def _estimated_time(backend: Backend, execution: ExecutionRecord) -> int:
    """Seconds left for a RUNNING execution, from the average of earlier successful runs of its
    workflow (-1: none to go by; at least 1 once past the average); 0 when not running."""
    if execution.state != states.RUNNING:
        return 0
    earlier = await backend.list_executions(
        ExecutionFilter(
            workflow_name=execution.workflow_name, state=states.SUCCESS, limit=ESTIMATE_FROM
        )
    )
    if not earlier:
        return -1
    average = sum(_seconds(run.created_at, run.updated_at) for run in earlier) / len(earlier)
    now = datetime.now(UTC).replace(tzinfo=None).strftime(TIMESTAMP)
    left = int(average - _seconds(execution.created_at, now))
    return 1 if left < 0 else left


def _seconds(start: str, end: str | None) -> float:
    if not end:
        return 0.0
    elapsed = datetime.strptime(end, TIMESTAMP) - datetime.strptime(start, TIMESTAMP)
    return elapsed.total_seconds()
