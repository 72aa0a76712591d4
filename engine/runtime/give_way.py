"""The engine gives way to a person at the keyboard.

A console that runs the engine in its own process shares the CPU (and the GIL) with it: a key
pressed while a 1,000-task execution ran waited for the engine's turns and actions before its
screen was drawn. While a key waits for its screen, the console holds the engine: no new turn,
no new action, and a turn under way pauses between two events. A hold ends when the console
releases it or after `seconds`, so a lost release costs the engine that long at most.
"""

from __future__ import annotations

import asyncio
import threading

LONGEST_HOLD = 0.25  # seconds


class GiveWay:
    def __init__(self) -> None:
        self._free = asyncio.Event()  # for the engine's loop
        self._free_in_thread = threading.Event()  # for the conductor's thread
        self._free.set()
        self._free_in_thread.set()
        self._seconds = LONGEST_HOLD
        self._expiry: asyncio.TimerHandle | None = None

    @property
    def holding(self) -> bool:
        return not self._free.is_set()

    def hold(self, seconds: float = LONGEST_HOLD) -> None:
        """Until `release`, or `seconds` from now (call on the engine's loop)."""
        self._free.clear()
        self._free_in_thread.clear()
        self._seconds = seconds
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = asyncio.get_running_loop().call_later(seconds, self.release)

    def release(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._free_in_thread.set()
        self._free.set()

    async def wait(self) -> None:
        await self._free.wait()

    def wait_in_thread(self) -> None:
        self._free_in_thread.wait(self._seconds)
