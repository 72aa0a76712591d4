"""What the console and the CLI exchange with a backend: records, states, errors, changes,
input parameters and filters. Records are frozen dataclasses of plain values, so a backend
that talks to a REST API builds them from JSON as the embedded one builds them from rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.callers import Caller
from engine.core import states
from engine.core.errors import EngineError, InputError, WorkflowError
from engine.lang.errors import DefinitionError, Problem
from engine.lazy import lazy_attributes
from engine.store.errors import AlreadyExistsError, ConflictError, NotFoundError, StoreError

# The records and their queries, the parsed input parameters and the engine's own names are
# imported on first use: `--help` or a command run against Mistral never needs the state file's.
_LAZY = {
    "CronTriggerRecord": "engine.store.cron_triggers",
    "ActionRecord": "engine.store.definitions",
    "WorkbookRecord": "engine.store.definitions",
    "WorkflowRecord": "engine.store.definitions",
    "ActionExecutionRecord": "engine.store.executions",
    "EnvironmentRecord": "engine.store.executions",
    "ExecutionFilter": "engine.store.executions",
    "ExecutionRecord": "engine.store.executions",
    "ExecutionSummary": "engine.store.executions",
    "TaskRecord": "engine.store.executions",
    "taken_as_given": "engine.store.ids",
    "NAMED_KINDS": "engine.store.ids",
    "AmbiguousIdError": "engine.store.ids",
    "ACTION_EXECUTION_FIELDS": "engine.store.pages",
    "EXECUTION_FIELDS": "engine.store.pages",
    "TASK_FIELDS": "engine.store.pages",
    "Filter": "engine.store.pages",
    "Page": "engine.store.pages",
    "PageError": "engine.store.pages",
    "MessageRecord": "engine.store.queues",
    "QueueRecord": "engine.store.queues",
    "InputParam": "engine.lang.spec",
    "Change": "engine.runtime.service",
    "EngineBusy": "engine.runtime.service",
}

__all__ = [
    "AlreadyExistsError",
    "Caller",
    "ConflictError",
    "DefinitionError",
    "EngineError",
    "HandoffError",
    "InputError",
    "NotFoundError",
    "Problem",
    "StoreError",
    "Validation",
    "WorkflowError",
    "states",
    *_LAZY,
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)


class HandoffError(EngineError):
    """The live engine could not be reached, or it failed in an unexpected way."""


@dataclass(frozen=True, slots=True)
class Validation:
    """What checking a definition found: `problems` make it invalid, `warnings` do not."""

    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems
