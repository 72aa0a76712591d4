"""The engine's change stream as the console reads it: subscribe first, read the state file,
then apply each batch of changes, so nothing committed in between is missed.

When another process runs the engine for this state file, there is no stream here: `live` is
False and `next()` only waits, so the caller re-reads what it shows on its own schedule. The
same once the engine here stops (it lost its lease): the stream ends and `live` turns False.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from engine.api import Change


class ChangeFeed:
    def __init__(self, api: Any, live: bool) -> None:
        self._stream = None
        self._next: asyncio.Future | None = None
        self.live = live  # this process runs the engine
        if live:
            self._stream = api.subscribe()
            self._next = asyncio.ensure_future(anext(self._stream))

    async def next(self, timeout: float | None = None) -> list[Change] | None:
        """The next batch of changes, or None when `timeout` seconds pass without one."""
        if self._next is None:
            await asyncio.sleep(timeout if timeout is not None else 3600)
            return None
        done, _ = await asyncio.wait({self._next}, timeout=timeout)
        if not done:
            return None
        try:
            changes = self._next.result()
        except StopAsyncIteration:
            self.live, self._next = False, None
            return None
        self._next = asyncio.ensure_future(anext(self._stream))
        return changes

    async def close(self) -> None:
        if self._next is None:
            return
        self._next.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await self._next
        await self._stream.aclose()


@contextlib.asynccontextmanager
async def follow_changes(api: Any, live: bool) -> AsyncIterator[ChangeFeed]:
    feed = ChangeFeed(api, live)
    await asyncio.sleep(0)  # the subscription takes its queue on its first step
    try:
        yield feed
    finally:
        await feed.close()
