"""A node's details as Ironic has them (driver, driver_info with secrets masked, properties and
capabilities, last_error, maintenance, power and provision states, ports), as YAML in a
read-only text area: a part can be selected and `y` copies it (or the whole)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

import yaml
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, TextArea

from tripleo_tui import nodes as baremetal
from tripleo_tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from tripleo_tui.session import ConsoleSession


class NodeScreen(Screen):
    BINDINGS: ClassVar = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("y", "copy", "Copy", id="copy-node"),
    ]
    DEFAULT_CSS = """
    NodeScreen #node { height: 1fr; border: none; padding: 0 1; }
    """

    def __init__(self, session: ConsoleSession, node: baremetal.NodeInfo) -> None:
        super().__init__()
        self.session = session
        self.node = node
        self.details: dict | None = None
        self.sub_title = f"Node {node.label}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextArea("reading…", id="node", read_only=True, soft_wrap=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#node").focus()
        self.load()

    @work(group="node", exit_on_error=False)
    async def load(self) -> None:
        area = self.query_one("#node", TextArea)
        try:
            self.details = await asyncio.to_thread(
                baremetal.node_details, self.session.ironic_client(), self.node.uuid
            )
        except Exception as error:  # Ironic unreachable or the node gone: say so here
            area.load_text(f"Ironic: {str(error) or type(error).__name__}")
            return
        area.load_text(yaml.safe_dump(self.details, sort_keys=False, default_flow_style=False))

    def action_copy(self) -> None:
        area = self.query_one("#node", TextArea)
        text = area.selected_text or area.text
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {len(text)} characters")
