"""The error view: why an execution failed, in full and wrapped (tripleo_tui.failure's chain),
in a read-only text area, so a part can be selected and `y` copies it (or the whole report)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, TextArea

from tripleo_tui.failure import failure_chain, report
from tripleo_tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from tripleo_tui.session import ConsoleSession


class FailureScreen(Screen):
    BINDINGS: ClassVar = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("y", "copy", "Copy", id="copy-failure"),
    ]
    DEFAULT_CSS = """
    FailureScreen #failure { height: 1fr; border: none; padding: 0 1; }
    """

    def __init__(self, session: ConsoleSession, execution_id: str) -> None:
        super().__init__()
        self.session = session
        self.execution_id = execution_id
        self.sub_title = f"Why execution {execution_id[:8]} failed"

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextArea("reading…", id="failure", read_only=True, soft_wrap=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#failure").focus()
        self.load()

    @work(group="failure", exit_on_error=False)
    async def load(self) -> None:
        chain = await failure_chain(self.session.api, self.execution_id)
        text = report(chain) if len(chain) > 1 or chain[0].state_info else ""
        self.query_one("#failure", TextArea).load_text(
            text or f"{chain[0].name} is {chain[0].state}: nothing failed in it."
        )

    def action_copy(self) -> None:
        area = self.query_one("#failure", TextArea)
        text = area.selected_text or area.text
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {len(text)} characters")
