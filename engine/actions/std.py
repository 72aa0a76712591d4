"""The ``std.*`` actions (Mistral's ``std_actions.py``, Queens inputs plus HEAD's additions).

The cheap ones are native async so they never cost a thread hop; ``std.http`` and
``std.email`` and ``std.ssh`` block and run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from engine.actions.base import Action, ActionContext, ActionError, Result
from engine.actions.descriptor import ActionDescriptor
from engine.actions.std_email import SendEmailAction
from engine.actions.std_http import HTTPAction
from engine.actions.std_ssh import SSHAction


def _seconds(value: Any) -> float:
    """A delay as Mistral read it: a number, negative or unreadable means none."""
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 0.0


class NoOpAction(Action):
    """Does nothing and returns null; a placeholder task."""

    async def run(self, context: ActionContext) -> None:
        return None


class AsyncNoOpAction(NoOpAction):
    """Does nothing; the task stays RUNNING until its result is set through the API."""

    def is_sync(self) -> bool:
        return False


class EchoAction(Action):
    """Returns its output unchanged, after an optional delay in seconds."""

    def __init__(self, output: Any, delay: float = 0) -> None:
        self.output = output
        self.delay = _seconds(delay)

    async def run(self, context: ActionContext) -> Any:
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.output


class FailAction(Action):
    """Always fails: with error_data as the task's error, or with a fixed message."""

    def __init__(self, error_data: Any = None) -> None:
        self.error_data = error_data

    async def run(self, context: ActionContext) -> Result:
        if self.error_data:
            return Result(error=self.error_data)
        raise ActionError("Fail action expected exception.")


class SleepAction(Action):
    """Waits the given number of seconds and returns null; cancelling ends the wait."""

    def __init__(self, seconds: float = 1) -> None:
        self.seconds = _seconds(seconds)

    async def run(self, context: ActionContext) -> None:
        await asyncio.sleep(self.seconds)


class TestDictAction(Action):
    """Returns a dict of size entries {key_prefix + index: val}; for tests and benchmarks."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(self, size: int = 0, key_prefix: str = "", val: Any = "") -> None:
        self.size = size
        self.key_prefix = key_prefix
        self.val = val

    async def run(self, context: ActionContext) -> dict[str, Any]:
        return {f"{self.key_prefix}{index}": self.val for index in range(int(self.size))}


STD_ACTIONS: dict[str, type[Action]] = {
    "std.noop": NoOpAction,
    "std.async_noop": AsyncNoOpAction,
    "std.echo": EchoAction,
    "std.fail": FailAction,
    "std.sleep": SleepAction,
    "std.test_dict": TestDictAction,
    "std.http": HTTPAction,
    "std.email": SendEmailAction,
    "std.ssh": SSHAction,
}


class StdProvider:
    """Provides the ``std.*`` actions."""

    def actions(self) -> Mapping[str, ActionDescriptor]:
        return {name: ActionDescriptor.from_class(name, cls) for name, cls in STD_ACTIONS.items()}
