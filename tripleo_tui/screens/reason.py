"""A question that names what will be changed and asks for a reason (put into maintenance):
`enter` confirms with the text typed, `esc` cancels."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ReasonScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]
    DEFAULT_CSS = """
    ReasonScreen { align: center middle; }
    ReasonScreen > Vertical {
        width: 70; max-width: 95%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ReasonScreen #question { text-style: bold; margin-bottom: 1; }
    ReasonScreen #targets { max-height: 12; overflow-y: auto; margin-bottom: 1; }
    """

    def __init__(self, question: str, targets: list[str], placeholder: str) -> None:
        super().__init__()
        self.question = question
        self.targets = targets
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            yield Static("\n".join(f"• {target}" for target in self.targets), id="targets")
            yield Input(placeholder=self.placeholder, id="reason")
            yield Static("enter: confirm · esc: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())
