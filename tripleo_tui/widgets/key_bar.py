"""The bottom line: the keys that work where the focus is.

Textual's Footer makes a widget per key and rebuilds them all whenever the focus moves (25-45 ms,
twice, on every pane switch); this draws the same keys as one line of text.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

GAP = "  "
ALWAYS_SHOWN = {"help", "quit"}
DROPPED_FIRST = {"command_palette", "reload"}


class KeyBar(Widget):
    """Shown bindings of the focused widget and its ancestors, one per action; a click on a key
    presses it."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        .key-bar--key { color: $footer-key-foreground; text-style: bold; }
        .key-bar--description { color: $footer-description-foreground; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str, bool]] = []  # start, end, key, enabled

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._redraw)
        # The signal comes a frame after the focus moves (a pane switch showed the old keys).
        self.watch(self.screen, "focused", self._redraw, init=False)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _redraw(self, *_changed: object) -> None:
        self.refresh()

    def _shown(self) -> list[tuple[Binding, bool]]:
        """(binding, enabled), the first binding of each action, the palette's last."""
        by_action: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show:
                by_action.setdefault(binding.action, (binding, enabled))
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            by_action.pop(palette.binding.action, None)
            by_action[palette.binding.action] = (palette.binding, palette.enabled)
        return self._fitting(list(by_action.values()))

    def _fitting(self, shown: list[tuple[Binding, bool]]) -> list[tuple[Binding, bool]]:
        """As many as fit the width: the palette and reload go first, then the last declared
        (each widget's least important); help and quit always stay."""

        def width(items: list[tuple[Binding, bool]]) -> int:
            return 1 + sum(
                len(self.app.get_key_display(binding)) + 1 + len(binding.description) + len(GAP)
                for binding, _ in items
            )

        kept = list(shown)
        first = [item for item in shown if item[0].action in DROPPED_FIRST]
        for item in [*first, *reversed(shown)]:
            if width(kept) - len(GAP) <= self.size.width:
                break
            if item[0].action not in ALWAYS_SHOWN and item in kept:
                kept.remove(item)
        return kept

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        line = Text(" ", no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        for binding, enabled in self._shown():
            start, start_cell = len(line), line.cell_len
            line.append(self.app.get_key_display(binding), key_style)
            line.append(" " + binding.description, description_style)
            if not enabled:
                line.stylize("dim", start)
            self._spans.append((start_cell, line.cell_len, binding.key.split(",")[0], enabled))
            line.append(GAP)
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
