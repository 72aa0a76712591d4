"""The conductor: Mistral v2 workflow semantics as a pure function of events, no I/O.

`Conductor.handle(event, now)` applies one event (engine.core.events) to the executions it holds
in memory and returns the changed objects and the commands (run an action, arm a timer) that the
runtime carries out once those changes are committed.

Its names are imported on first use (engine.lazy).
"""

from engine.lazy import lazy_attributes

__all__ = [
    "Catalog",
    "Conductor",
    "EngineError",
    "InputError",
    "Outcome",
    "WorkflowEntry",
    "WorkflowError",
]

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "Catalog": "engine.core.conductor",
        "Conductor": "engine.core.conductor",
        "Outcome": "engine.core.conductor",
        "WorkflowEntry": "engine.core.conductor",
        "EngineError": "engine.core.errors",
        "InputError": "engine.core.errors",
        "WorkflowError": "engine.core.errors",
    },
)
