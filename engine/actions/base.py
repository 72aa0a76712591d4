"""The action plugin API: what an action class implements and what it is given.

Modelled on mistral-lib: an action's ``__init__`` signature is its input, ``run(context)``
returns the result (or a :class:`Result` to report an error without raising).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.core.errors import ActionError

__all__ = ["Action", "ActionContext", "ActionError", "ExecutionInfo", "Result"]


@dataclass(frozen=True)
class Result:
    """What ``run`` returns to report an error or a cancel instead of raising."""

    data: Any = None
    error: Any = None
    cancel: bool = False


@dataclass(frozen=True)
class ExecutionInfo:
    """Where an action runs: the ids the engine gives it (Mistral's ``context.execution``)."""

    workflow_execution_id: str | None = None
    task_id: str | None = None
    action_execution_id: str | None = None
    workflow_name: str | None = None
    callback_url: str | None = None


@dataclass(frozen=True)
class ActionContext:
    """Passed to ``run``: execution ids and, for cloud actions, the cloud (credentials, session)."""

    execution: ExecutionInfo = ExecutionInfo()
    cloud: Any = None
    store: Any = None  # the open engine.store.Store, for actions on the state file (zaqar.*)
    # the task's `timeout` policy (s): a network call may stay silent that long, not just the
    # default read timeout
    timeout: float | None = None


class Action:
    """Base class for actions; subclasses take their input as ``__init__`` arguments.

    ``run`` may be a plain method (it then runs in a worker thread, so it may block) or an
    ``async def`` (it then runs on the event loop and must not block).
    """

    def __init__(self) -> None:
        """No input; a subclass's own ``__init__`` parameters are its input."""

    def run(self, context: ActionContext) -> Any:
        raise NotImplementedError

    def is_sync(self) -> bool:
        """False when the result arrives later through the API (``std.async_noop``)."""
        return True

    def secret_values(self) -> Iterable[str]:
        """Input values to mask in error messages and logs (passwords, tokens)."""
        return ()
