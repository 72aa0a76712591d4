"""Full garbage collections while the operator is not typing, over the young objects only.

The console's heap holds every row of its tables (10,000 executions: about 300,000 objects).
Python starts a full pass whenever enough objects have survived, which after a refill of a big
table means several passes of 70-120 ms in the middle of key presses. Here automatic full
passes are off while the console runs; the same passes run once no key or mouse event came for
a second, right after a key's answer is drawn, or at once when long overdue. Young generations
are collected as usual, except while a key waits for its answer (key_first.py).

What survives a full pass is frozen (gc.freeze): the next pass walks only what came since.
Unfrozen, an overdue pass while a run goes walked 40,000 objects and the 10,000-row containers
made since the last one: 25-70 ms of CPU inside a key press. Frozen objects that turn into
cyclic garbage later are freed by a deep pass over everything, at most once a minute and only
while the operator is idle.
"""

from __future__ import annotations

import gc
import time

IDLE_SECONDS = 1.0
DEEP_SECONDS = 60.0
DUE = 10  # young-generation passes since the last full one: CPython's own threshold
# Collect even while keys keep coming. A pass walks what came since the last one (the rest is
# frozen): sooner is shorter. At 50 the first pass after loading walked ~42,000 objects, 50 ms.
OVERDUE = 20
NEVER = 2**30


class IdleCollector:
    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self.last_deep = time.monotonic()
        self._thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        self._thresholds = gc.get_threshold()
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        """Automatic passes again, over every object (nothing is left frozen)."""
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            gc.unfreeze()
            self._thresholds = None

    def input_seen(self) -> None:
        self.last_input = time.monotonic()

    def tick(self) -> bool:
        """Run a full pass if one is due and the operator is idle; True if it ran."""
        pending = gc.get_count()[2]
        idle = time.monotonic() - self.last_input >= IDLE_SECONDS
        return self._collect_if(pending >= OVERDUE or (pending >= DUE and idle))

    def key_answered(self) -> bool:
        """A due pass right after a key's answer is drawn, when the next key is least likely
        to be waiting (with keys coming every 100 ms, a pass otherwise fell inside one in
        three of them); True if it ran."""
        return self._collect_if(gc.get_count()[2] >= DUE)

    def _collect_if(self, due: bool) -> bool:
        if not due or not gc.isenabled():  # disabled: a key waits for its answer
            return False
        now = time.monotonic()
        idle = now - self.last_input >= IDLE_SECONDS
        if idle and now - self.last_deep >= DEEP_SECONDS:
            gc.unfreeze()
            self.last_deep = now
        gc.collect()
        gc.freeze()
        return True
