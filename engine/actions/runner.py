"""Run one action: check the input, build the action, run it off the event loop when it may
block (in its service's pool), and turn whatever happens into an :class:`ActionOutcome` with
JSON-able data no larger than the result limit."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import logging
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine import limits
from engine.actions import pools
from engine.actions.base import Action, ActionContext, ActionError, Result
from engine.actions.descriptor import ActionDescriptor
from engine.actions.serialize import to_primitive
from engine.masking import MASK, mask_text

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
    sync action runs to its end (its network timeouts bound it) and its result is dropped.
    """
    secrets: list[str] = []
    try:
        action = descriptor.instantiate(given)
        secrets = list(action.secret_values())
        if inspect.iscoroutinefunction(action.run):
            return _outcome(action, await action.run(context))
        loop = asyncio.get_running_loop()
        pool = pools.pool_for(descriptor.name)
        # In this task's context, as asyncio.to_thread runs a call: the caller it acts as
        # (engine.callers.CALLER) goes with it.
        call = contextvars.copy_context().run
        return await loop.run_in_executor(pool, call, _run_blocking, action, context)
    except ActionError as exc:
        message = mask(str(exc), secrets)
        LOG.info("Action %s failed: %s", descriptor.name, message)
        return ActionOutcome(error=message)
    except Exception as exc:
        message = mask(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, secrets)
        trace = mask("".join(traceback.format_exception(exc)), secrets)
        LOG.error("Action %s failed: %s\n%s", descriptor.name, message, trace)
        return ActionOutcome(error=message)


def _run_blocking(action: Action, context: ActionContext) -> ActionOutcome:
    """In a worker thread: the call and the conversion of its (maybe large) result."""
    return _outcome(action, action.run(context))


def _outcome(action: Action, result: Any) -> ActionOutcome:
    if isinstance(result, Result):
        if result.cancel:
            return ActionOutcome(cancelled=True)
        if result.error is not None:
            return ActionOutcome(error=_within_limit(to_primitive(result.error)))
        result = result.data
    return ActionOutcome(data=_within_limit(to_primitive(result)), pending=not action.is_sync())


def _within_limit(data: Any) -> Any:
    """``data`` unchanged, or ActionError when its JSON is over the result limit: a result that
    large would be written to the state file and copied into every later context."""
    limit = limits.current().result_limit_bytes
    if limit is None or isinstance(data, bool | int | float | None):
        return data
    size = len(data) if isinstance(data, str) else len(json.dumps(data))
    if size > limit:
        raise ActionError(size_limit_message(size))
    return data


def size_limit_message(size: int) -> str:
    """Mistral's words for a result over ``execution_field_size_limit_kb``."""
    limit_kb = limits.current().result_limit_kb
    return (
        f"Field size limit exceeded [class=ActionExecution, field=output, "
        f"size={size // 1024}KB, limit={limit_kb}KB] (set {limits.ENV_PREFIX}RESULT_LIMIT_KB "
        "to allow more)"
    )


def mask(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (longest first, however short) with ``***``;
    then ``password=...`` patterns and object addresses ("<... object at 0x7f...>")."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return mask_text(text)
