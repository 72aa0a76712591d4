"""Keys typed while a screen opens are kept for it, not lost.

A terminal delivers keys as they are typed; the app hands each to the focused widget at once,
before the key that opens a screen has been acted on. So `enter` then `]` would move the list,
not switch the new screen's tab, and `r` then a name would type into the list behind the run
form. From the key that opens a screen (or the moment one is pushed) until that screen has
drawn once with its focus, the app keeps the keys here and then sends them on, in order.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.timer import Timer

HOLD_SECONDS = 2.0  # a screen slower to open than this (an API call failed) gets no key


class TypeAhead:
    def __init__(self, app: App) -> None:
        self.app = app
        self.keys: list[tuple[str, str | None]] | None = None  # None: not holding
        self._timer: Timer | None = None

    @property
    def holding(self) -> bool:
        return self.keys is not None

    def hold(self) -> None:
        """Keep the keys that come from now on, until `release` (or HOLD_SECONDS)."""
        if self.keys is None:
            self.keys = []
            self._timer = self.app.set_timer(HOLD_SECONDS, self.release)

    def keep(self, event: events.Key) -> bool:
        """Keep `event` if holding (call from the app's on_event, before it dispatches)."""
        if self.keys is None:
            return False
        self.keys.append((event.key, event.character))
        return True

    def release(self) -> None:
        """Send the kept keys on, in order, to what has the focus now."""
        for key, character in self.discard():
            self.app.post_message(events.Key(key, character))

    def discard(self) -> list[tuple[str, str | None]]:
        """Stop holding; the kept keys, sent nowhere (no key typed ahead answers a question)."""
        keys, self.keys = self.keys or [], None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        return keys

    def release_to(self, screen: Screen) -> None:
        """Release once `screen`, just pushed, has been drawn with its focus."""
        self.hold()
        screen.call_after_refresh(self.release)
