"""How long the event loop was held: what a screen sharing it would have waited."""

from __future__ import annotations

import asyncio
import time


async def longest_hold(done: asyncio.Event) -> float:
    """The longest the loop kept a 10 ms sleep waiting past its time, until `done`."""
    held = 0.0
    while not done.is_set():
        started = time.monotonic()
        await asyncio.sleep(0.01)
        held = max(held, time.monotonic() - started - 0.01)
    return held
