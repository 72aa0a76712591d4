"""Run one action: check the input, build the action, run it off the event loop when it may
block, and turn whatever happens into an :class:`ActionOutcome` with JSON-able data."""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.actions.base import Action, ActionContext, ActionError, Result
from engine.actions.descriptor import ActionDescriptor
from engine.actions.serialize import MASK, to_primitive

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionOutcome:
    """How an action ended. ``pending``: an async action (``is_sync() is False``) started and
    its result will arrive later through the API."""

    data: Any = None
    error: Any = None
    cancelled: bool = False
    pending: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


async def run_descriptor(
    descriptor: ActionDescriptor, given: Mapping[str, Any], context: ActionContext
) -> ActionOutcome:
    """Run the action ``descriptor`` names with input ``given``; never raises an action's error.

    Cancelling the calling task cancels a native async action; a thread cannot be stopped, so a
    sync action runs to its end and its result is dropped.
    """
    secrets: list[str] = []
    try:
        action = descriptor.instantiate(given)
        secrets = list(action.secret_values())
        if inspect.iscoroutinefunction(action.run):
            result = await action.run(context)
        else:
            result = await asyncio.to_thread(action.run, context)
    except ActionError as exc:
        message = mask(str(exc), secrets)
        LOG.info("Action %s failed: %s", descriptor.name, message)
        return ActionOutcome(error=message)
    except Exception as exc:
        message = mask(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, secrets)
        trace = mask("".join(traceback.format_exception(exc)), secrets)
        LOG.error("Action %s failed: %s\n%s", descriptor.name, message, trace)
        return ActionOutcome(error=message)
    return _outcome(action, result)


def _outcome(action: Action, result: Any) -> ActionOutcome:
    if isinstance(result, Result):
        if result.cancel:
            return ActionOutcome(cancelled=True)
        if result.error is not None:
            return ActionOutcome(error=to_primitive(result.error))
        result = result.data
    return ActionOutcome(data=to_primitive(result), pending=not action.is_sync())


def mask(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (longest first) with ``***``."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
