"""What goes into the conductor (events) and what comes out of it (commands).

Events come from the runtime (an action ended, a timer fired) and from the API (start, pause,
resume, stop, rerun, an async action's result). Commands are effects for the runtime to carry
out once the changes that led to them are committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ---- events --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartWorkflow:
    """Start a workflow. `spec_text` is what `spec` was parsed from (kept for recovery);
    `params` may hold `env` (already a dict), `task_name` (reverse workflows), ...."""

    spec: Any
    workflow_name: str
    spec_text: str
    input: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    workflow_id: str | None = None
    execution_id: str | None = None  # the caller's choice (an idempotency key), else a new id
    caller: Any = field(default=None, repr=False)  # engine.callers.Caller; the runtime keeps it


@dataclass(frozen=True, slots=True)
class ActionFinished:
    """An action ended: `data` on success, `error` on failure, or cancelled."""

    action_id: str
    data: Any = None
    error: Any = None
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class ActionPending:
    """An asynchronous action started; its result will come later through the API."""

    action_id: str


@dataclass(frozen=True, slots=True)
class RunStandaloneAction:
    """`run-action`: run an action outside any workflow, keeping its execution as a row."""

    name: str
    input: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    caller: Any = field(default=None, repr=False)  # engine.callers.Caller; the runtime keeps it


@dataclass(frozen=True, slots=True)
class ActionStateChanged:
    """An asynchronous action reported PAUSED or RUNNING through the API."""

    action_id: str
    state: str


@dataclass(frozen=True, slots=True)
class TimerFired:
    timer_id: str


@dataclass(frozen=True, slots=True)
class PauseWorkflow:
    execution_id: str
    msg: str | None = None


@dataclass(frozen=True, slots=True)
class ResumeWorkflow:
    execution_id: str
    env: dict[str, Any] | None = None
    caller: Any = field(default=None, repr=False)  # engine.callers.Caller; the runtime keeps it


@dataclass(frozen=True, slots=True)
class StopWorkflow:
    """Force the end state SUCCESS, ERROR or CANCELLED; `msg` becomes the state info."""

    execution_id: str
    state: str
    msg: str | None = None


@dataclass(frozen=True, slots=True)
class RerunTask:
    """Run a failed task again: all of it (`reset`), or only its failed and not-started items;
    or `skip` it: SKIPPED, its publish-on-skip, then its on-skip transitions (Mistral 16+)."""

    task_id: str
    reset: bool = True
    env: dict[str, Any] | None = None
    skip: bool = False
    caller: Any = field(default=None, repr=False)  # engine.callers.Caller; the runtime keeps it


@dataclass(frozen=True, slots=True)
class UpdateExecution:
    """`execution-update -d/-e`: set the description and merge `env` into the environment
    (IDLE, PAUSED or ERROR executions only), both or neither."""

    execution_id: str
    description: str | None = None
    env: dict[str, Any] | None = None


# ---- commands ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunAction:
    """Run the registered action `name` with `input`, then report ActionFinished."""

    action_id: str
    name: str
    input: dict[str, Any]
    execution_id: str | None = None
    task_id: str | None = None
    workflow_name: str | None = None
    timeout: float | None = None  # the task's timeout policy, for the action's network calls


@dataclass(frozen=True, slots=True)
class CancelAction:
    action_id: str


@dataclass(frozen=True, slots=True)
class ArmTimer:
    timer_id: str
    due: float


@dataclass(frozen=True, slots=True)
class DisarmTimer:
    timer_id: str
