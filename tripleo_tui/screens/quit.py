"""`q` while executions run or cron triggers wait here: hand them to a headless engine that
keeps running them (`h`), quit anyway and leave them waiting for the next engine (`q`), or stay
(`esc`)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tripleo_tui.screens.confirm import ConfirmScreen

HAND_OVER = "hand-over"
QUIT = "quit"


class QuitScreen(ConfirmScreen):
    """Dismissed with HAND_OVER, QUIT or None (stay)."""

    BINDINGS: ClassVar = [
        Binding("h,y", "answer('hand-over')", "Hand over and quit", id="hand-over"),
        Binding("q", "answer('quit')", "Quit anyway", id="quit-anyway"),
        Binding("n,escape", "answer(None)", "Stay", id="stay"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            yield Static("\n".join(f"• {target}" for target in self.targets), id="targets")
            yield Static(
                "h: a headless engine (tripleo-tui engine) keeps running them; it stops by "
                "itself once nothing runs and no cron trigger is left.\nq: they wait until an "
                "engine starts (a trigger due meanwhile fires once then).",
                id="choices",
            )
            with Horizontal():
                yield Button("Hand over (h)", id=HAND_OVER, variant="primary")
                yield Button("Quit anyway (q)", id=QUIT, variant="warning")
                yield Button("Stay (esc)", id="stay")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id if event.button.id in (HAND_OVER, QUIT) else None)
