"""Keys typed while a screen opens are kept for it, not lost.

A key such as `r` starts reading what the run form needs; keys typed meanwhile (a terminal
delivers them at once) would reach the list behind the form. The widget that opens the screen
hands its keys to a TypeAhead until the screen has its focus, which replays them there.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widget import Widget


class TypeAhead:
    def __init__(self, app: App) -> None:
        self.app = app
        self.keys: list[tuple[str, str | None]] = []
        self.ready = False  # the new screen has its focus
        self.closed = False  # the new screen is gone: keys are the opener's again

    def catch(self, event: events.Key) -> None:
        """Keep a key that reached the opener (call from its on_key)."""
        if self.closed:
            return
        event.stop()
        event.prevent_default()
        if self.ready:
            self.app.post_message(events.Key(event.key, event.character))
        else:
            self.keys.append((event.key, event.character))

    def replay(self) -> None:
        """The new screen is focused: send it the kept keys, in order."""
        self.ready = True
        for key, character in self.keys:
            self.app.post_message(events.Key(key, character))
        self.keys.clear()

    def close(self) -> None:
        self.closed = True


def focus_then_replay(widget: Widget, type_ahead: TypeAhead | None) -> None:
    """Focus `widget` of a screen just opened; then replay the keys kept for it."""
    widget.focus()
    if type_ahead is not None:
        widget.call_after_refresh(type_ahead.replay)  # once the focus has moved
