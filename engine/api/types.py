"""What the console and the CLI exchange with a backend: records, states, errors, changes,
input parameters and filters. Records are frozen dataclasses of plain values, so a backend
that talks to a REST API builds them from JSON as the embedded one builds them from rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.callers import Caller
from engine.core import states
from engine.core.errors import EngineError, InputError, WorkflowError
from engine.lang import DefinitionError, InputParam, Problem
from engine.lazy import lazy_attributes
from engine.store.cron_triggers import CronTriggerRecord
from engine.store.definitions import ActionRecord, WorkbookRecord, WorkflowRecord
from engine.store.errors import AlreadyExistsError, ConflictError, NotFoundError, StoreError
from engine.store.executions import (
    ActionExecutionRecord,
    EnvironmentRecord,
    ExecutionFilter,
    ExecutionRecord,
    ExecutionSummary,
    TaskRecord,
)
from engine.store.ids import MIN_PREFIX, AmbiguousIdError
from engine.store.pages import Filter, Page, PageError
from engine.store.queues import MessageRecord, QueueRecord

__all__ = [
    "ActionExecutionRecord",
    "ActionRecord",
    "AlreadyExistsError",
    "Caller",
    "AmbiguousIdError",
    "MIN_PREFIX",
    "Change",
    "ConflictError",
    "CronTriggerRecord",
    "DefinitionError",
    "EngineBusy",
    "EngineError",
    "EnvironmentRecord",
    "ExecutionFilter",
    "ExecutionRecord",
    "ExecutionSummary",
    "Filter",
    "HandoffError",
    "InputError",
    "InputParam",
    "MessageRecord",
    "NotFoundError",
    "Page",
    "PageError",
    "Problem",
    "QueueRecord",
    "StoreError",
    "TaskRecord",
    "Validation",
    "WorkbookRecord",
    "WorkflowError",
    "WorkflowRecord",
    "states",
]


if TYPE_CHECKING:
    from engine.runtime.service import Change, EngineBusy

# The engine's own names, loaded with it: a command that only reads never needs them.
__getattr__, __dir__ = lazy_attributes(
    __name__, {"Change": "engine.runtime.service", "EngineBusy": "engine.runtime.service"}
)


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
