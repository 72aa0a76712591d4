"""Full garbage collections while the operator is not typing.

The console's heap holds every row of its tables (10,000 executions: about 300,000 objects).
Python starts a full pass whenever enough objects have survived, which after a refill of a big
table means several passes of 70-120 ms in the middle of key presses. Here automatic full
passes are off while the console runs; the same passes run once no key or mouse event came for
a second, or at once when long overdue. Young generations are collected as usual.
"""

from __future__ import annotations

import gc
import time

IDLE_SECONDS = 1.0
DUE = 10  # young-generation passes since the last full one: CPython's own threshold
OVERDUE = 50  # collect even while keys keep coming
NEVER = 2**30


class IdleCollector:
    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self._thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        self._thresholds = gc.get_threshold()
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def input_seen(self) -> None:
        self.last_input = time.monotonic()

    def tick(self) -> bool:
        """Run a full pass if one is due and the operator is idle; True if it ran."""
        pending = gc.get_count()[2]
        idle = time.monotonic() - self.last_input >= IDLE_SECONDS
        if pending >= OVERDUE or (pending >= DUE and idle):
            gc.collect()
            return True
        return False
