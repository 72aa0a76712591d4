"""The conductor: Mistral v2 workflow semantics as a pure function of events, no I/O.

`Conductor.handle(event, now)` applies one event (engine.core.events) to the executions it holds
in memory and returns the changed objects and the commands (run an action, arm a timer) that the
runtime carries out once those changes are committed.
"""

from engine.core.conductor import Catalog, Conductor, Outcome, WorkflowEntry
from engine.core.errors import EngineError, InputError, WorkflowError

__all__ = [
    "Catalog",
    "Conductor",
    "EngineError",
    "InputError",
    "Outcome",
    "WorkflowEntry",
    "WorkflowError",
]
