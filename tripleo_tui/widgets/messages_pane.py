"""The Messages pane: what workflows posted to queues (TripleO's zaqar messages), newest last."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from tripleo_tui.widgets import cells
from tripleo_tui.widgets.list_pane import ListPane
from tripleo_tui.widgets.resource_table import Column


class MessagesPane(ListPane):
    COLUMNS = (
        Column("posted", "Posted at", 19),
        Column("queue", "Queue", 10),
        Column("type", "Type", 32),
        Column("status", "Status", 8),
        Column("message", "Message", 40),
        Column("execution", "Execution", 8),
    )
    BINDINGS: ClassVar = [Binding("y", "copy", "Copy message", id="copy-message")]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.messages: dict[str, Any] = {}
        self.table.follow_end = True

    async def load(self) -> None:
        if not hasattr(self.api, "list_queue_messages"):  # until the store has queues
            self.set_note("Messages: the store's queue api has not landed yet")
            return
        found = await self.api.list_queue_messages()
        self.messages = {message.id: message for message in found}
        self.table.show({message.id: self._cells(message) for message in found})
        self.table.move_cursor(row=max(0, len(found) - 1), animate=False)
        self.set_note(f"{len(found)} messages · enter: open the execution · y: copy")
        self.run_worker(self._watch(), group="watch", exclusive=True, exit_on_error=False)

    async def _watch(self) -> None:
        async for message in self.api.watch_queue_messages():
            self.messages[message.id] = message
            self.table.upsert(message.id, self._cells(message))
            self.set_note(f"{len(self.messages)} messages · enter: open the execution · y: copy")

    def _cells(self, message: Any) -> cells.Cells:
        """A MessageRecord: the store reads type, status, message and execution from the body."""
        return (
            cells.text(message.created_at),
            cells.text(message.queue_name),
            cells.text(message.type),
            cells.state(message.status),
            cells.text(message.message),
            cells.text((message.execution_id or "")[:8], "dim"),
        )

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        message = self.messages.get(event.row_key.value)
        if message is not None and message.execution_id:
            self.app.open_execution(message.execution_id)

    def action_copy(self) -> None:
        key = self.table.current_key
        if key in self.messages:
            text = cells.compact_json(self.messages[key].body)
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied {len(text)} characters")
