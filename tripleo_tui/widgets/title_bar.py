"""The top line: the console's title and the shown pane's name."""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Header, Static


class TitleBar(Header):
    """Textual's Header, its title drawn again in the frame that changes it. Header's own
    watchers do it in a callback, often a frame after a pane switch (the old pane's name in the
    switch's frame), and lay the whole screen out again there (~20 ms); the title's size is
    fixed, so a repaint does."""

    def _on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # instead of Header's watchers
        Widget._on_mount(self, event)
        for node in (self.app, self.screen):
            for title in ("title", "sub_title"):
                self.watch(node, title, self._show_title, init=False)
        self._show_title()

    def _show_title(self) -> None:
        self.query_one("HeaderTitle", Static).update(self.format_title(), layout=False)
