"""The in-memory state of executions: workflow, task and action executions, and timers.

The conductor changes these objects and reports which ones changed; the runtime writes those to
the state file. Contexts are shared, never copied per task: a task whose upstream published
nothing holds the very dict its upstream holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.core import states

ACTION_TASK = "ACTION"
WORKFLOW_TASK = "WORKFLOW"


@dataclass(slots=True, eq=False)
class WorkflowExecution:
    """One run of a workflow (Mistral's `WorkflowExecution`)."""

    id: str
    workflow_name: str  # full name: tripleo.baremetal.v1.tag_node
    workflow_id: str | None
    spec: Any  # engine.lang WorkflowSpec
    spec_text: str  # what `spec` was parsed from, kept for recovery
    input: dict[str, Any]
    params: dict[str, Any]
    context: dict[str, Any]  # __execution, vars, globally published variables
    description: str = ""
    state: str = states.IDLE
    state_info: str | None = None
    output: dict[str, Any] | None = None
    created_at: str = ""
    updated_at: str | None = None
    parent_task_id: str | None = None  # the task that runs this one as a sub-workflow
    root_id: str | None = None
    index: int = 0  # item index when started by a with-items task
    accepted: bool = False  # its result counts for the parent task (set once it ends)
    backlog: list[dict[str, Any]] = field(default_factory=list)  # commands held while PAUSED
    tasks: list[TaskExecution] = field(default_factory=list, repr=False)
    tasks_by_name: dict[str, list[TaskExecution]] = field(default_factory=dict, repr=False)
    incomplete: int = 0  # tasks not SUCCESS/ERROR/CANCELLED
    task_seq: int = 0
    join_tasks: dict[str, TaskExecution] = field(default_factory=dict, repr=False)

    @property
    def env(self) -> dict[str, Any]:
        return self.params.get("env") or {}

    @property
    def workbook_name(self) -> str | None:
        """The workbook prefix of the full name, if any (a real suffix strip, not rstrip)."""
        short = self.spec.name
        if self.workflow_name != short and self.workflow_name.endswith("." + short):
            return self.workflow_name[: -len(short) - 1]
        return None

    def last_task(self, name: str) -> TaskExecution | None:
        found = self.tasks_by_name.get(name)
        return found[-1] if found else None


@dataclass(slots=True, eq=False)
class TaskExecution:
    """One run of a task; with-items tasks count their items here instead of scanning them."""

    id: str
    name: str
    execution: WorkflowExecution = field(repr=False)
    spec: Any  # engine.lang TaskSpec
    in_context: dict[str, Any] = field(repr=False)
    in_versions: dict[str, int] = field(default_factory=dict, repr=False)
    in_context_ref: str | None = None  # task whose outbound context in_context is
    state: str = states.IDLE
    state_info: str | None = None
    published: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    processed: bool = False
    next_tasks: list[tuple[str, str]] = field(default_factory=list)
    error_handled: bool = False
    runtime: dict[str, Any] = field(default_factory=dict)  # policy and with-items counters
    executions: list[Any] = field(default_factory=list, repr=False)  # actions or sub-workflows
    seq: int = 0  # creation order within the workflow
    items: dict[str, list] | None = field(default=None, repr=False)  # with-items lists, not stored
    action: tuple | None = field(default=None, repr=False)  # the resolved action, not stored
    context_stored: bool = field(default=False, repr=False)  # in_context already in the file

    @property
    def type(self) -> str:
        return WORKFLOW_TASK if self.spec.workflow else ACTION_TASK

    @property
    def workflow_execution_id(self) -> str:
        return self.execution.id

    def outbound(self) -> dict[str, Any]:
        """What downstream tasks see: the inbound context with this task's publish on top."""
        if not self.published:
            return self.in_context
        return {**self.in_context, **self.published}

    def outbound_versions(self) -> dict[str, int]:
        """Publish counts per key path, so a join keeps the most recently published value."""
        if not self.published:
            return self.in_versions
        versions = dict(self.in_versions)
        for path in published_paths(self.published):
            versions[path] = versions.get(path, 0) + 1
        return versions


@dataclass(slots=True, eq=False)
class ActionExecution:
    """One run of an action for a task (one per with-items item), or a stand-alone run."""

    id: str
    name: str
    task: TaskExecution | None = field(repr=False)
    input: dict[str, Any]
    state: str = states.RUNNING
    state_info: str | None = None
    output: dict[str, Any] | None = None  # {'result': data or error}
    accepted: bool = False
    index: int = 0
    safe_rerun: bool = False
    is_sync: bool = True
    description: str = ""
    created_at: str = ""
    updated_at: str | None = None
    adhoc_outputs: tuple[Any, ...] = ()  # ad-hoc output transforms, innermost first
    run_name: str = ""  # the system action actually run (differs for ad-hoc actions)
    run_input: dict[str, Any] | None = None
    input_json: str | None = field(default=None, repr=False)  # `input` as stored, written once

    @property
    def result(self) -> Any:
        return (self.output or {}).get("result")


@dataclass(slots=True, eq=False)
class Timer:
    """A delayed step (wait-before, wait-after, retry delay, timeout), persisted to survive a
    restart; `due` is seconds since the epoch."""

    id: str
    execution_id: str
    task_id: str
    kind: str
    due: float
    data: dict[str, Any] = field(default_factory=dict)


def published_paths(published: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every non-dict leaf (Mistral's context versioning keys)."""
    paths: list[str] = []
    for key, value in published.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            paths.extend(published_paths(value, path))
        else:
            paths.append(path)
    return paths
