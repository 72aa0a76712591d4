"""The line above the footer: bare-metal endpoint, engine, active filter, marked nodes, last
error. Plain words, so a user over SSH knows what the console is connected to."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    endpoint: reactive[str] = reactive("looking for a bare-metal endpoint…")
    endpoint_ok: reactive[bool] = reactive(True)
    engine: reactive[str] = reactive("")
    filter_text: reactive[str] = reactive("")
    marked: reactive[int] = reactive(0)
    error: reactive[str] = reactive("")

    def render(self) -> Text:
        # Short, changing facts first; the endpoint sentence last, cut to fit at 80 columns.
        parts: list[Text] = []
        if self.filter_text:
            parts.append(Text(f"filter: {self.filter_text}", style="bold yellow"))
        if self.marked:
            parts.append(Text(f"{self.marked} marked", style="bold cyan"))
        if self.error:
            parts.append(Text(f"✗ {self.error}", style="bold red"))
        if self.engine:
            parts.append(Text(f"engine {self.engine}"))
        parts.append(Text(self.endpoint, style="" if self.endpoint_ok else "bold red"))
        line = Text(" │ ").join(parts)
        line.no_wrap = True
        line.overflow = "ellipsis"
        return line
