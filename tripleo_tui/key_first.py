"""A key's answer is drawn before anything that can wait.

The console shares its process with the engine and Python's garbage collector. While a
1,000-task run went, a pane switch waited for young collections (4-16 ms), full ones (20-45 ms)
and the engine's turns and actions before its screen was drawn. From a key until the next
screen update (at most LONGEST_WAIT), collections wait and this process's engine starts no turn
or action (bench/bench_tui.py: "switch pane while it runs").
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.timer import Timer

    from tripleo_tui.app import TripleoTuiApp

LONGEST_WAIT = 0.25  # seconds: a key that changes nothing on screen holds nothing longer


class KeyFirst:
    def __init__(self, app: TripleoTuiApp) -> None:
        self.app = app
        self._deadline: Timer | None = None  # None: no key waits

    @property
    def waiting(self) -> bool:
        return self._deadline is not None

    def key_pressed(self) -> None:
        if self._deadline is not None:
            return
        self._deadline = self.app.set_timer(LONGEST_WAIT, self.answered)
        gc.disable()
        if self.app.api is not None:
            self.app.api.give_way()

    def answered(self) -> None:
        """The screen was updated (or the wait ran out): all goes on."""
        if self._deadline is None:
            return
        self._deadline.stop()
        self._deadline = None
        gc.enable()
        if self.app.api is not None:
            self.app.api.go_on()
        self.app.call_later(self.app.collector.key_answered)  # once this update is written
