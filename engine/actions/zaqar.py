"""The ``zaqar.*`` actions on our own durable queues (the state file), not on a Zaqar service.

TripleO workflows report to their caller by posting ``{body: {type, payload: {status, message,
execution}}}`` with ``zaqar.queue_post``; here those messages land in the state file, where the
console and ``tripleo-tui queue-messages`` read them. The actions need the store: the engine
passes it in ``ActionContext.store``. They are native async (the store's writer has its own
thread), so they never hold a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from engine.actions.base import Action, ActionContext, ActionError
from engine.actions.descriptor import ActionDescriptor
from engine.store import Store, queues


def _store(context: ActionContext, action: str) -> Store:
    if context.store is None:
        raise ActionError(f"{action} needs the state file; run it from a workflow or the API")
    return context.store


def _queue_name(value: Any, action: str) -> str:
    try:
        return queues.check_queue_name(value)
    except queues.QueueError as error:
        raise ActionError(f"{action} failed: {error}") from None


def _count(value: Any, name: str, action: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ActionError(f"{action} failed: {name} must be an integer >= {minimum}, not {value!r}")
    return value


class QueuePostAction(Action):
    """Posts one message or a list of messages ({body: ..., ttl: seconds}) to a queue."""

    def __init__(self, queue_name: str, messages: Any) -> None:
        self.queue_name = queue_name
        self.messages = messages

    async def run(self, context: ActionContext) -> dict[str, list[str]]:
        action = "zaqar.queue_post"
        name = _queue_name(self.queue_name, action)
        store = _store(context, action)
        batch = self.messages if isinstance(self.messages, list) else [self.messages]
        new = [_new_message(message, index, action) for index, message in enumerate(batch, 1)]
        ids = await store.write(
            queues.post_messages, name, new, time.time(), context.execution.workflow_execution_id
        )
        return {"resources": [f"/v2/queues/{name}/messages/{message_id}" for message_id in ids]}


def _new_message(message: Any, index: int, action: str) -> queues.NewMessage:
    if not isinstance(message, Mapping):
        raise ActionError(
            f"{action} failed: message {index} must be a dict {{body: ..., ttl: seconds}}, "
            f"not {type(message).__name__}"
        )
    if "body" not in message:
        raise ActionError(f"{action} failed: message {index} has no 'body' (keys: {list(message)})")
    ttl = message.get("ttl")
    if ttl is not None:
        ttl = _count(ttl, f"message {index} ttl", action, minimum=60)
    return queues.NewMessage(message["body"], ttl)


class QueueMessagesAction(Action):
    """Lists a queue's messages, oldest first, without removing them."""

    def __init__(
        self,
        queue_name: str,
        include_claimed: bool = False,
        limit: int | None = None,
        marker: str | None = None,
    ) -> None:
        self.queue_name = queue_name
        self.include_claimed = include_claimed
        self.limit = limit
        self.marker = marker

    async def run(self, context: ActionContext) -> list[dict[str, Any]]:
        action = "zaqar.queue_messages"
        name = _queue_name(self.queue_name, action)
        limit = None if self.limit is None else _count(self.limit, "limit", action)
        records = await queues.list_messages(
            _store(context, action),
            name,
            time.time(),
            include_claimed=bool(self.include_claimed),
            limit=limit,
            marker=self.marker,
        )
        return [record.as_zaqar() for record in records]


class QueuePopAction(Action):
    """Removes and returns up to count messages from the front of a queue."""

    def __init__(self, queue_name: str, count: int = 1) -> None:
        self.queue_name = queue_name
        self.count = count

    async def run(self, context: ActionContext) -> list[dict[str, Any]]:
        action = "zaqar.queue_pop"
        name = _queue_name(self.queue_name, action)
        count = _count(self.count, "count", action)
        records = await _store(context, action).write(queues.pop_messages, name, count, time.time())
        return [record.as_zaqar() for record in records]


class ClaimMessagesAction(Action):
    """Claims up to limit messages for ttl seconds (kept alive ttl + grace); returns them."""

    def __init__(self, queue_name: str, ttl: int = 300, grace: int = 60, limit: int = 10) -> None:
        self.queue_name = queue_name
        self.ttl = ttl
        self.grace = grace
        self.limit = limit

    async def run(self, context: ActionContext) -> list[dict[str, Any]]:
        action = "zaqar.claim_messages"
        name = _queue_name(self.queue_name, action)
        ttl = _count(self.ttl, "ttl", action, minimum=60)
        grace = _count(self.grace, "grace", action, minimum=0)
        limit = _count(self.limit, "limit", action)
        records = await _store(context, action).write(
            queues.claim_messages, name, ttl, grace, limit, time.time()
        )
        return [record.as_zaqar() for record in records]


class DeleteMessagesAction(Action):
    """Deletes messages from a queue, given their ids (or the messages themselves)."""

    def __init__(self, queue_name: str, messages: Any) -> None:
        self.queue_name = queue_name
        self.messages = messages

    async def run(self, context: ActionContext) -> None:
        action = "zaqar.delete_messages"
        name = _queue_name(self.queue_name, action)
        items = self.messages if isinstance(self.messages, list) else [self.messages]
        ids = [item.get("id") if isinstance(item, Mapping) else item for item in items]
        if not all(isinstance(message_id, str) for message_id in ids):
            raise ActionError(f"{action} failed: messages must be message ids or messages")
        await _store(context, action).write(queues.delete_messages, name, ids)


ZAQAR_ACTIONS: dict[str, type[Action]] = {
    "zaqar.queue_post": QueuePostAction,
    "zaqar.queue_messages": QueueMessagesAction,
    "zaqar.queue_pop": QueuePopAction,
    "zaqar.claim_messages": ClaimMessagesAction,
    "zaqar.delete_messages": DeleteMessagesAction,
}


class ZaqarProvider:
    """Provides the ``zaqar.*`` actions."""

    def actions(self) -> Mapping[str, ActionDescriptor]:
        return {name: ActionDescriptor.from_class(name, cls) for name, cls in ZAQAR_ACTIONS.items()}
