"""The form to register nodes from an instackenv.json file: the path, the state new nodes are
brought to, and whether nodes the file does not list are removed. The nodes read from the file
are listed as the path is typed (names, drivers and addresses; never credentials). Dismisses
with a RegisterRequest, or None on `esc`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, Switch

from tripleo_tui.instackenv import InstackenvError, describe, read_nodes

INITIAL_STATES = (
    ("manageable (then inspect or provide)", "manageable"),
    ("available (cleaned and ready to deploy)", "available"),
    ("enroll (as registered)", "enroll"),
)
SHOWN_NODES = 8


@dataclass(frozen=True, slots=True)
class RegisterRequest:
    path: Path
    nodes: list[dict[str, Any]]
    initial_state: str
    remove: bool

    @property
    def input(self) -> dict[str, Any]:
        """The input of tripleo.baremetal.v1.register_or_update."""
        return {
            "nodes_json": self.nodes,
            "initial_state": self.initial_state,
            "remove": self.remove,
        }


class RegisterScreen(ModalScreen[RegisterRequest | None]):
    BINDINGS: ClassVar = [
        Binding("escape", "dismiss(None)", "Cancel", id="cancel"),
        Binding("ctrl+r", "register", "Register", id="register", priority=True),
    ]
    DEFAULT_CSS = """
    RegisterScreen { align: center middle; }
    RegisterScreen > Vertical {
        width: 90; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    RegisterScreen .title { text-style: bold; }
    RegisterScreen .through { color: $text-muted; margin-bottom: 1; }
    RegisterScreen #found { height: auto; max-height: 10; margin: 1 0; color: $text-muted; }
    RegisterScreen #found.-error { color: $error; }
    RegisterScreen Horizontal { height: auto; }
    RegisterScreen Horizontal > Label { width: 20; padding-top: 1; }
    RegisterScreen Select { width: 1fr; margin-top: 1; }
    RegisterScreen #remove-warning { color: $error; height: auto; }
    RegisterScreen .hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial_path = path
        self.nodes: list[dict[str, Any]] = []  # as read from the path typed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Register nodes from an instackenv.json file", classes="title")
            yield Label("through tripleo.baremetal.v1.register_or_update", classes="through")
            yield Input(
                self.initial_path, placeholder="path of instackenv.json", id="path", compact=True
            )
            yield Static("", id="found")
            with Horizontal():
                yield Label("new nodes end")
                yield Select(
                    INITIAL_STATES,
                    value="manageable",
                    allow_blank=False,
                    id="initial-state",
                    compact=True,
                )
            with Horizontal():
                yield Label("remove the others")
                yield Switch(False, id="remove")
            yield Static("", id="remove-warning")
            yield Static("ctrl+r or enter: register · esc: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#path").focus()
        if self.initial_path:
            self._read(self.initial_path)

    # ---- the file --------------------------------------------------------------------------

    @on(Input.Changed, "#path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._read(event.value)

    @work(exclusive=True, group="read", exit_on_error=False)
    async def _read(self, text: str) -> list[dict[str, Any]]:
        """Read the file at `text` and list its nodes, or say why it cannot be registered."""
        found = self.query_one("#found", Static)
        self.nodes = []
        if not text.strip():
            found.update("")
            return []
        try:
            nodes = await asyncio.to_thread(read_nodes, Path(text.strip()))
        except InstackenvError as error:
            found.set_class(True, "-error")
            found.update(f"✗ {error}")
            return []
        self.nodes = nodes
        found.set_class(False, "-error")
        listed = [f"• {describe(node)}" for node in nodes[:SHOWN_NODES]]
        if len(nodes) > SHOWN_NODES:
            listed.append(f"… and {len(nodes) - SHOWN_NODES} more")
        found.update(f"{len(nodes)} node{'s' if len(nodes) > 1 else ''}:\n" + "\n".join(listed))
        return nodes

    @on(Switch.Changed, "#remove")
    def _remove_changed(self, event: Switch.Changed) -> None:
        warning = (
            "Ironic's nodes that the file does not list will be deleted." if event.value else ""
        )
        self.query_one("#remove-warning", Static).update(warning)

    # ---- register --------------------------------------------------------------------------

    @on(Input.Submitted, "#path")
    async def action_register(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        nodes = await self._read(text).wait()
        if not nodes:
            if not text:
                self.query_one("#found", Static).update("✗ the path of a file to register")
            return
        self.dismiss(
            RegisterRequest(
                Path(text),
                nodes,
                str(self.query_one("#initial-state", Select).value),
                self.query_one("#remove", Switch).value,
            )
        )
